import Common
import Foundation
import Tensors
import Worlds

/// A finished run folder opened again (for `marl-sim replay`): the world, learner, seed and
/// settings of its config.json, with the weights of its model.safetensors loaded.
public struct ReopenedRun {
    public let run: TrainingRun
    /// The steps the weights were trained for (summary.json; the `steps` setting without it).
    public let trainedSteps: Int
    /// The world file differs from the one trained on (config.json keeps its hash).
    public let worldChanged: Bool

    static let rule = "rule: a run folder holds the config.json and model.safetensors that `marl-sim <world.lua> --algo <name>` wrote"

    /// `options` replace the trained world's options of the same name (evaluating on a variant of
    /// the world); the team must keep its observation sizes and action spaces.
    public init(folder: String, options: [(String, OptionValue)] = [], limits: WorldLimits = WorldLimits()) throws {
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        func fail(_ path: String, _ message: String) -> TrainingError {
            TrainingError(message: "\(path): \(message)\n  \(Self.rule)")
        }
        let config: ConfigFile
        do { config = try ConfigFile.ofRun(folder) } catch let error as TrainingError {
            throw TrainingError(message: "\(error.message)\n  \(Self.rule)")
        }
        guard let world = config.world, let learner = config.learner, let seed = config.seed else {
            throw fail(configPath, "needs the fields 'world', 'learner' and 'seed'")
        }
        guard FileManager.default.fileExists(atPath: world) else {
            throw fail(configPath, "the world '\(world)' is not found from \(FileManager.default.currentDirectoryPath) (run from the folder you trained in)")
        }
        run = try TrainingRun(file: world, options: config.worldOptions(overriddenBy: options), learner: learner,
                              configured: config.settings, configSource: configPath, overrides: [], seed: seed,
                              folder: folder, limits: limits)

        let modelPath = (folder as NSString).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw fail(folder, "no model.safetensors (was the run trained with save_model=false?)")
        }
        do {
            try Safetensors.load(run.learner.parameters, from: URL(fileURLWithPath: modelPath))
        } catch {
            throw TrainingError(message: "\(modelPath): \(error)\n  rule: the checkpoint holds every tensor of the \(learner) learner that config.json describes, with the same shapes")
        }

        if let bad = StateArchive.firstNonFinite(in: run.learner.parameters) {
            throw TrainingError(message: "\(modelPath): the weights \(bad.name) hold \(bad.value) (element \(bad.index)); a team with weights that are not finite cannot act\n  rule: a run's weights are finite (a diverged run stops with an error instead of saving them)")
        }

        let summaryPath = (folder as NSString).appendingPathComponent("summary.json")
        if let summary = try? JSONValue.parse(String(contentsOfFile: summaryPath, encoding: .utf8)), case let .int(steps)? = summary["steps"] {
            trainedSteps = Int(steps)
        } else {
            trainedSteps = run.settings.int("steps")
        }
        worldChanged = config.worldFingerprint.map { $0 != TrainingRun.fingerprint(ofFile: world) } ?? false
    }
}
