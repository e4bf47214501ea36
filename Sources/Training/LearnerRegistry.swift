import Common
import Learners

/// A learner the command line can name with `--algo`.
public struct LearnerEntry {
    public let name: String
    public let summary: String
    /// The learner's own settings (the training loop adds its own, `TrainingSettings.specs`).
    public let settings: [SettingSpec]
    public let make: (EpisodeLayout, Settings, UInt64) -> EpisodeLearner
}

/// Every learner this build has.
public enum LearnerRegistry {
    public static let all: [LearnerEntry] = [
        LearnerEntry(name: QMIX.name, summary: QMIX.summary, settings: QMIX.settings) { QMIX.make(layout: $0, settings: $1, seed: $2) },
        LearnerEntry(name: VDN.name, summary: VDN.summary, settings: VDN.settings) { VDN.make(layout: $0, settings: $1, seed: $2) },
        LearnerEntry(name: SoftQMIX.name, summary: SoftQMIX.summary, settings: SoftQMIX.settings) {
            SoftQMIX(layout: $0, settings: $1, seed: $2)
        },
        LearnerEntry(name: FSV.name, summary: FSV.summary, settings: FSV.settings) { FSV(layout: $0, settings: $1, seed: $2) },
    ]

    public static func named(_ name: String) -> LearnerEntry? { all.first { $0.name == name } }
}

/// The training loop's own settings.
public enum TrainingSettings {
    public static let specs: [SettingSpec] = [
        SettingSpec("steps", .integer(200_000), "environment steps to train for"),
        SettingSpec("envs", .integer(8), "episodes collected in parallel per iteration (world instances)"),
        SettingSpec("env_threads", .integer(1), "threads stepping the world instances"),
        SettingSpec("log_interval", .integer(10_000), "environment steps between test rounds and metrics rows"),
        SettingSpec("test_episodes", .integer(32), "greedy episodes per test round"),
        SettingSpec("save_model", .flag(true), "write the weights at the end (model.safetensors)"),
    ]
}
