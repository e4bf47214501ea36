import Common
import Learners
import Tensors

/// A built learner of either family.
public enum AnyLearner {
    case episodes(EpisodeLearner)
    case transitions(TransitionLearner)

    /// Everything a checkpoint holds.
    public var parameters: ParameterSet {
        switch self {
        case let .episodes(l): return l.parameters
        case let .transitions(l): return l.parameters
        }
    }

    /// The learner's whole state, for checkpoints.
    public var state: Checkpointable {
        switch self {
        case let .episodes(l): return l
        case let .transitions(l): return l
        }
    }

    /// Values to log besides the losses at `step`.
    public func schedules(at step: Int) -> [(String, Double)] {
        switch self {
        case let .episodes(l): return l.schedules(at: step)
        case let .transitions(l): return l.schedules(at: step)
        }
    }
}

/// Which teams a learner trains: agents that all share one observation size and action space,
/// agents that differ in them (one action kind), or mixed discrete and continuous agents.
public enum TeamSupport: Int, Comparable, Sendable {
    case homogeneous, heterogeneous, mixed

    public static func < (a: TeamSupport, b: TeamSupport) -> Bool { a.rawValue < b.rawValue }

    /// What a team needs.
    public static func needed(by layout: EpisodeLayout) -> TeamSupport {
        layout.isMixed ? .mixed : layout.isHomogeneous ? .homogeneous : .heterogeneous
    }
}

/// One implementation of a learner for one kind of action space.
public struct LearnerVariant {
    /// The learner's own settings (the training loop adds its own, `TrainingSettings.specs`).
    public let settings: [SettingSpec]
    public let make: (EpisodeLayout, Settings, UInt64) -> AnyLearner
    /// Rejects settings that are well-formed alone but do not fit the world (run before `make`).
    public var validate: (Settings, EpisodeLayout) throws -> Void = { _, _ in }
    /// The teams it trains.
    public var teams: TeamSupport = .homogeneous
}

/// A learner the command line can name with `--algo`, with its discrete and/or continuous form.
public struct LearnerEntry {
    public let name: String
    public let summary: String
    public let discrete: LearnerVariant?
    public let continuous: LearnerVariant?

    /// The form for a world whose agents act continuously or not.
    public func variant(continuous isContinuous: Bool) -> LearnerVariant? { isContinuous ? continuous : discrete }

    /// The form for a team's action kind (a mixed team needs a form that takes both kinds), or nil.
    public func variant(for layout: EpisodeLayout) -> LearnerVariant? {
        if layout.isMixed { return [discrete, continuous].compactMap { $0 }.first { $0.teams == .mixed } }
        return variant(continuous: layout.isContinuous)
    }

    /// The form that trains this team, or nil when the learner cannot.
    public func trainer(for layout: EpisodeLayout) -> LearnerVariant? {
        variant(for: layout).flatMap { $0.teams >= TeamSupport.needed(by: layout) ? $0 : nil }
    }

    /// Which action spaces it handles, for listings.
    public var handles: String {
        [discrete.map { _ in "discrete" }, continuous.map { _ in "continuous" }].compactMap { $0 }.joined(separator: ", ")
    }
}

/// Every learner this build has.
public enum LearnerRegistry {
    static func episodes(_ settings: [SettingSpec], validate: @escaping (Settings, EpisodeLayout) throws -> Void = { _, _ in },
                         teams: TeamSupport = .homogeneous,
                         _ make: @escaping (EpisodeLayout, Settings, UInt64) -> EpisodeLearner) -> LearnerVariant {
        LearnerVariant(settings: settings, make: { .episodes(make($0, $1, $2)) }, validate: validate, teams: teams)
    }

    /// SER-DCE's `target_entropies` must name one number per agent.
    static func fixedTargetEntropies(_ settings: Settings, _ layout: EpisodeLayout) throws {
        if let problem = ADER.problem(with: settings, layout: layout) { throw TrainingError(message: problem) }
    }

    static func transitions(_ settings: [SettingSpec], validate: @escaping (Settings, EpisodeLayout) throws -> Void = { _, _ in },
                            teams: TeamSupport = .homogeneous,
                            _ make: @escaping (EpisodeLayout, Settings, UInt64) -> TransitionLearner) -> LearnerVariant {
        LearnerVariant(settings: settings, make: { .transitions(make($0, $1, $2)) }, validate: validate, teams: teams)
    }

    public static let all: [LearnerEntry] = [
        LearnerEntry(name: QMIX.name, summary: QMIX.summary, discrete: episodes(QMIX.settings, teams: .heterogeneous) { QMIX.make(layout: $0, settings: $1, seed: $2) },
                     continuous: nil),
        LearnerEntry(name: VDN.name, summary: VDN.summary, discrete: episodes(VDN.settings, teams: .heterogeneous) { VDN.make(layout: $0, settings: $1, seed: $2) },
                     continuous: nil),
        LearnerEntry(name: SoftQMIX.name, summary: SoftQMIX.summary,
                     discrete: episodes(SoftQMIX.settings, teams: .heterogeneous) { SoftQMIX(layout: $0, settings: $1, seed: $2) }, continuous: nil),
        LearnerEntry(name: FSV.name, summary: FSV.summary,
                     discrete: episodes(FSV.settings, teams: .heterogeneous) { FSV(layout: $0, settings: $1, seed: $2) },
                     continuous: transitions(FSVContinuous.settings, teams: .heterogeneous) { FSVContinuous(layout: $0, settings: $1, seed: $2) }),
        soft(HASAC.name, HASAC.summary, HASAC.settings) { HASAC(layout: $0, settings: $1, seed: $2) },
        soft(MASAC.name, MASAC.summary, MASAC.settings) { MASAC(layout: $0, settings: $1, seed: $2) },
        LearnerEntry(name: VM3AC.name, summary: VM3AC.summary, discrete: nil,
                     continuous: transitions(VM3AC.settings, teams: .heterogeneous) { VM3AC(layout: $0, settings: $1, seed: $2) }),
        LearnerEntry(name: QMIXDDPG.name, summary: QMIXDDPG.summary, discrete: nil,
                     continuous: transitions(QMIXDDPG.settings, teams: .heterogeneous) { QMIXDDPG.make(layout: $0, settings: $1, seed: $2) }),
        LearnerEntry(name: VDNDDPG.name, summary: VDNDDPG.summary, discrete: nil,
                     continuous: transitions(VDNDDPG.settings, teams: .heterogeneous) { VDNDDPG.make(layout: $0, settings: $1, seed: $2) }),
        LearnerEntry(name: ADER.name, summary: ADER.summary,
                     discrete: episodes(DiscreteADER.settings, teams: .heterogeneous) { DiscreteADER(layout: $0, settings: $1, seed: $2, adaptive: true) },
                     continuous: transitions(ADER.settings, teams: .heterogeneous) { ADER(layout: $0, settings: $1, seed: $2, adaptive: true) }),
        LearnerEntry(name: ADER.baselineName, summary: ADER.baselineSummary,
                     discrete: episodes(DiscreteADER.baselineSettings, validate: fixedTargetEntropies, teams: .heterogeneous) {
                         DiscreteADER(layout: $0, settings: $1, seed: $2, adaptive: false)
                     },
                     continuous: transitions(ADER.baselineSettings, validate: fixedTargetEntropies, teams: .heterogeneous) { ADER(layout: $0, settings: $1, seed: $2, adaptive: false) }),
    ]

    /// An actor-critic learner whose one implementation handles both action kinds.
    static func soft(_ name: String, _ summary: String, _ settings: [SettingSpec],
                     _ make: @escaping (EpisodeLayout, Settings, UInt64) -> TransitionLearner) -> LearnerEntry {
        let variant = transitions(settings, teams: .mixed, make)
        return LearnerEntry(name: name, summary: summary, discrete: variant, continuous: variant)
    }

    public static func named(_ name: String) -> LearnerEntry? { all.first { $0.name == name } }

    /// The learners that train a team like this one (the forms for its action kind, or mixed).
    public static func names(training layout: EpisodeLayout) -> [String] {
        all.filter { $0.trainer(for: layout) != nil }.map(\.name)
    }
}

/// Checks a world's recommended `settings` table against the learners: every entry under a
/// learner's name must be one of that learner's settings (or the loop's), every `all` entry a
/// setting some learner has; a misspelling would otherwise be dropped without a word.
public enum WorldSettingsCheck {
    /// The first problem, as "settings.<learner>.<key> = <value>: …", or nil. A learner's entry may
    /// set either of its forms' settings (a world whose action kind is an option sets both).
    public static func problem(in table: [String: [(String, String)]]) -> String? {
        func specs(_ entry: LearnerEntry) -> [SettingSpec] {
            [entry.discrete, entry.continuous].compactMap { $0 }.flatMap(\.settings) + TrainingSettings.specs
        }
        func named(_ key: String, in specs: [SettingSpec]) -> [SettingSpec] {
            specs.filter { $0.name == key || $0.formerNames.contains(key) }
        }
        let every = LearnerRegistry.all.flatMap(specs)
        let everyName = Array(Set(every.map(\.name))).sorted()
        for learner in table.keys.sorted() {
            let pairs = table[learner] ?? []
            let known: [SettingSpec]
            if learner == "all" {
                known = every
                for (key, value) in pairs where named(key, in: every).isEmpty {
                    return "settings.all.\(key) = \(value): no learner has a setting '\(key)'\(Suggestions.hint(for: key, in: everyName))"
                }
            } else {
                guard let entry = LearnerRegistry.named(learner) else {
                    let learners = LearnerRegistry.all.map(\.name)
                    return "settings.\(learner): no learner is named '\(learner)'\(Suggestions.hint(for: learner, in: learners)); "
                        + "learners: all, \(learners.joined(separator: ", "))"
                }
                known = specs(entry)
                for (key, value) in pairs where named(key, in: known).isEmpty {
                    let names = Array(Set(known.map(\.name))).sorted()
                    return "settings.\(learner).\(key) = \(value): \(learner) has no setting '\(key)'\(Suggestions.hint(for: key, in: names))"
                }
            }
            // A value every declaration of the key refuses is wrong whichever form of the learner trains.
            for (key, value) in pairs {
                let results = named(key, in: known).map { $0.value(of: value) }
                if !results.contains(where: { if case .success = $0 { return true } else { return false } }),
                   case let .failure(error)? = results.first {
                    return "settings.\(learner).\(key) = \(value): \(error.message)"
                }
            }
        }
        return nil
    }
}

/// The training loop's own settings.
public enum TrainingSettings {
    public static let specs: [SettingSpec] = [
        SettingSpec("steps", .integer(100_000), "environment steps to train for (a new world: about a minute on one core with any learner's defaults)", range: .count),
        SettingSpec("envs", .integer(8), "episodes collected in parallel per iteration (world instances)", range: .between(1, 4096)),
        SettingSpec("env_threads", .integer(1), "threads stepping the world instances", range: .between(1, 256)),
        SettingSpec("log_interval", .integer(10_000), "environment steps between test rounds and metrics rows", range: .count),
        SettingSpec("test_episodes", .integer(32), "greedy episodes per test round", range: .count),
        SettingSpec("save_model", .flag(true), "write the weights at the end (model.safetensors)"),
        SettingSpec("replay_episodes", .integer(3), "greedy episodes filmed at the end for replay.html (0: none)", range: .between(0, 1000)),
        SettingSpec("checkpoint_interval", .integer(0), "environment steps between checkpoints (0: a tenth of the run); marl-sim resume continues from the last", range: .nonNegative),
        SettingSpec("memory_limit_gib", .number(0), "refuse a run whose estimated memory (networks, replay buffer, batches, world instances) passes this many GiB (0: 80 % of the machine's memory)", range: .nonNegative),
        SettingSpec("checkpoint_minutes", .number(10), "a checkpoint at least this often in wall-clock minutes (0: by steps only)", range: .nonNegative),
    ]
}
