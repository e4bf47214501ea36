import Common
import Foundation
import Learners
import Tensors
import Worlds

/// What a finished (or interrupted) run reports; also written to summary.json.
public struct TrainingSummary {
    public var steps: Int
    public var episodes: Int
    public var updates: Int
    public var wallSeconds: Double
    public var finalTestReturnMean: Double
    public var finalTestInfo: [(String, Double)]
    public var interrupted: Bool
    /// What went wrong without stopping the run (Q estimates far outside the rewards' range).
    public var warnings: [String]
    public var folder: String
    /// The replay.html written at the end (nil: the world does not render, replay_episodes is 0, or filming failed).
    public var replayFile: String?
    /// Why replay.html could not be filmed (the world's render failed); the rest of the run is saved.
    public var replayFailure: Error?
}

/// One training run (docs/design.md §1 Training/): collect → store → update → test → log → save.
public final class TrainingRun {
    public let file: String
    public let options: [(String, OptionValue)]
    public let entry: LearnerEntry
    public let settings: Settings
    public let seed: UInt64
    public let folder: String
    public let limits: WorldLimits

    let pool: WorldPool
    let testPool: WorldPool
    public let layout: EpisodeLayout
    public let learner: AnyLearner
    /// The memory the run was estimated to need before it was built.
    public let memoryEstimate: MemoryEstimate

    /// Loads the world, resolves the settings (defaults < the world's recommendations < a config
    /// file's `configured` < `--set`'s `overrides`) and builds the learner.
    public init(file: String, options: [(String, OptionValue)], learner name: String, configured: [(String, String)] = [],
                configSource: String = "--config", overrides: [(String, String)],
                seed: UInt64, folder: String?, limits: WorldLimits = WorldLimits(), overridesSource: String = "--set") throws {
        let probe = try LuaWorld(file: file, options: options, seed: seed, instance: 0, limits: limits)
        let (entry, variant, settings) = try Self.resolve(file: file, spec: probe.spec, learner: name,
                                                          layers: [(configured, configSource), (overrides, overridesSource)])
        let layout = Self.layout(of: probe.spec)
        self.file = file
        self.options = options
        self.entry = entry
        self.settings = settings
        self.seed = seed
        self.limits = limits
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        self.folder = folder ?? "runs/\(stem)-\(name)-seed\(seed)-\(Self.timestamp())"
        self.layout = layout
        let estimate = MemoryEstimate(layout: layout, learner: variant, settings: settings,
                                      episodeLength: try Self.typicalEpisodeLength(probe, seed: seed),
                                      isEpisodic: !settings.has("updates_per_step"))
        try estimate.check(file: file, limit: MemoryEstimate.limit(settings))
        self.memoryEstimate = estimate
        let envs = settings.int("envs"), threads = settings.int("env_threads")
        pool = try WorldPool(file: file, options: options, seed: seed, count: envs, threads: threads, limits: limits)
        testPool = try WorldPool(file: file, options: options, seed: seed &+ 0x7E57_0000, count: min(envs, settings.int("test_episodes")),
                                 threads: threads, limits: limits)
        learner = variant.make(layout, settings, seed)
    }

    /// A learner's trainer and settings on a world, resolved as a run resolves them: the learner's
    /// defaults, then the world's recommendations, then each of `layers` in order (a config file, `--set`,
    /// a sweep spec's lines), each named by its source in errors and in config.json's `settings_from`.
    public static func resolve(file: String, spec: WorldSpec, learner name: String,
                               layers: [(pairs: [(String, String)], source: String)]) throws -> (LearnerEntry, LearnerVariant, Settings) {
        guard let entry = LearnerRegistry.named(name) else {
            throw TrainingError(message: "unknown learner '\(name)'\(Suggestions.hint(for: name, in: LearnerRegistry.all.map(\.name))); learners: \(LearnerRegistry.all.map(\.name).joined(separator: ", "))")
        }
        if let problem = WorldSettingsCheck.problem(in: spec.recommendedSettings) {
            throw TrainingError(message: "\(file): \(problem)\n  rule: a world's settings table names learners and their settings (marl-sim list)")
        }
        let layout = Self.layout(of: spec)
        guard let variant = entry.trainer(for: layout) else {
            throw TrainingError(message: Self.refusal(file: file, learner: entry, layout: layout))
        }
        var settings = Settings(specs: TrainingSettings.specs + variant.settings)
        let known = Set(settings.specs.flatMap { [$0.name] + $0.formerNames })
        try settings.apply(spec.recommendedSettings(for: name) { known.contains($0) }, from: file)
        for layer in layers { try settings.apply(layer.pairs, from: layer.source) }
        try variant.validate(settings, layout)
        return (entry, variant, settings)
    }

    /// The mean length of up to three episodes of random play (at most 10 000 steps in all), in an
    /// instance of the world that training does not use: the episode length the memory estimate assumes.
    static func typicalEpisodeLength(_ world: LuaWorld, seed: UInt64) throws -> Double {
        var policy = RandomPolicy(seed: seed, stream: 0xE571)
        var action = JointAction(spec: world.spec)
        var lengths: [Int] = [], steps = 0
        while lengths.count < 3 && steps < 10_000 {
            try world.reset()
            var length = 0
            repeat {
                policy.act(world, into: &action)
                let done = try world.step(action).done
                length += 1
                steps += 1
                if done { break }
            } while steps < 10_000
            lengths.append(length)
        }
        return Double(lengths.reduce(0, +)) / Double(max(lengths.count, 1))
    }

    /// The team of a world file with these options, as the learners see it.
    public static func layout(ofFile file: String, options: [(String, OptionValue)] = []) throws -> EpisodeLayout {
        layout(of: try LuaWorld(file: file, options: options).spec)
    }

    /// The learners' view of a world's agents: each agent's observation size and action space.
    public static func layout(of spec: WorldSpec) -> EpisodeLayout {
        EpisodeLayout(observationSizes: spec.observationSizes, stateSize: spec.stateSize,
                      actionSpaces: spec.actionSpaces.map { $0.isDiscrete ? .discrete($0.size) : .continuous($0.size) },
                      episodeLimit: spec.episodeLimit)
    }

    /// Why `learner` cannot train this team: which agents differ and how, and which learners can.
    static func refusal(file: String, learner entry: LearnerEntry, layout: EpisodeLayout) -> String {
        refusalReason(file: file, learner: entry, layout: layout) + "\n  rule: a learner trains the teams its form handles (marl-sim list names each learner's action kinds)"
    }

    private static func refusalReason(file: String, learner entry: LearnerEntry, layout: EpisodeLayout) -> String {
        let able = LearnerRegistry.names(training: layout)
        let others = able.isEmpty ? "no learner of this build does" : "learners that can: \(able.joined(separator: ", "))"
        if layout.isMixed {
            let kinds = [false, true].map { continuous in
                let who = (0..<layout.agents).filter { layout.actionSpaces[$0].isContinuous == continuous }.map { String($0 + 1) }
                let verb = (who.count == 1 ? " acts " : " act ") + (continuous ? "continuously" : "discretely")
                return (who.count == 1 ? "agent " : "agents ") + who.joined(separator: ", ") + verb
            }
            return "\(file): \(entry.name) cannot train a mixed team (\(kinds.joined(separator: ", "))); \(others)"
        }
        if entry.variant(for: layout) == nil {
            return "\(file): \(entry.name) handles \(entry.handles) actions; this world's agents act \(layout.isContinuous ? "continuously" : "discretely") (\(layout.agentSummary)); \(others)"
        }
        return "\(file): \(entry.name) needs agents with equal observation sizes and action spaces; this world has \(layout.agentSummary); \(others)"
    }

    /// The FNV-1a hash of a file's bytes, in hex (config.json's `world_fnv1a64`).
    public static func fingerprint(ofFile path: String) -> String {
        var hash = Fingerprint()
        hash.add(bytes: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
        return String(hash.value, radix: 16)
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date())
    }

    /// Each agent's sizes and group (1-based), for config.json.
    var agentsJSON: [JSONValue] {
        var group = Array(repeating: 0, count: layout.agents)
        for (k, members) in layout.groups.enumerated() { for i in members { group[i] = k + 1 } }
        return (0..<layout.agents).map { i in
            .object([("observation_size", .int(Int64(layout.observationSizes[i]))), ("actions", .string(layout.actionSpaces[i].description)),
                     ("group", .int(Int64(group[i])))])
        }
    }

    /// The fully resolved configuration, for config.json.
    public var config: JSONValue {
        .object([
            ("world", .string(file)),
            ("world_fnv1a64", .string(Self.fingerprint(ofFile: file))),
            ("world_options", .object(options.map { ($0.0, .string($0.1.description)) })),
            ("learner", .string(entry.name)),
            ("agents", .array(agentsJSON)),
            ("seed", .int(Int64(bitPattern: seed))),
            ("settings", settings.json),
            ("settings_from", .object(settings.specs.map(\.name).sorted().map { ($0, .string(settings.sources[$0] ?? "default")) })),
            ("versions", .object([("marl-sim", .string(MarlSimVersion.current)), ("lua", .string("5.4")),
                                  ("openblas_coretype", .string(openBLASCoreType()))])),
        ])
    }

    /// Trains until `steps` or an interruption, writing the run folder as it goes and a checkpoint
    /// every `checkpoint_interval` steps or `checkpoint_minutes` (and when the loop ends, before the
    /// final test), so that `marl-sim resume` continues exactly. With `checkpoint` the run continues
    /// from it in its folder, as if it had never stopped.
    public func run(progress: Progress? = nil, interruption: Interruption? = nil,
                    resumingFrom checkpoint: CheckpointFile.Contents? = nil) throws -> TrainingSummary {
        let run = checkpoint == nil ? try RunFolder(path: folder, config: config) : RunFolder(reopening: folder)
        let totalSteps = settings.int("steps"), logInterval = settings.int("log_interval")
        let memory = ReplayMemory(learner: learner, layout: layout, settings: settings, seed: seed)
        let collector = Collector(pool: pool, layout: layout, recording: true)
        let tester = Collector(pool: testPool, layout: layout, recording: false)
        let loop = TrainingLoopState(seed: seed)
        var checkpoints = CheckpointLog()
        func saveCheckpoint() throws {
            try checkpoints.write {
                try self.writeCheckpoint(run: run, loop: loop, memory: memory, collector: collector, tester: tester)
            }
            loop.nextCheckpoint = loop.step + checkpointInterval
        }
        if let checkpoint {
            try restore(checkpoint, run: run, loop: loop, memory: memory, collector: collector, tester: tester)
        }
        let start = Date().addingTimeInterval(-loop.wallSeconds)
        // A world call stuck in a C function ends the process from the watchdog thread: the run
        // folder records where and why first.
        let defaultStuckHandler = Watchdog.stuckHandler
        Watchdog.stuckHandler = { error in
            let stop = self.failure(error, run: run, loop: loop, checkpoints: CheckpointLog(), wall: Date().timeIntervalSince(start))
            FileHandle.standardError.write(Data("\nerror: \(stop)\n".utf8))
            exit(1)
        }
        defer { Watchdog.stuckHandler = defaultStuckHandler }
        var interrupted = false
        let warmupSteps = memory.warmupSteps
        func report(_ phase: Progress.Phase, returnMean: Double? = nil, testReturnMean: Double? = nil) {
            progress?.update(phase: phase, step: loop.step, totalSteps: totalSteps, warmupSteps: warmupSteps, episodes: loop.episodes,
                             returnMean: returnMean, testReturnMean: testReturnMean)
        }

        func test() throws {
            try checkWeights(at: loop)
            report(.testing)
            let wanted = settings.int("test_episodes")
            var outcomes: [EpisodeOutcome] = []
            while outcomes.count < wanted {
                outcomes += try tester.collect(learner: learner, mode: .greedy, step: loop.step).prefix(wanted - outcomes.count)
            }
            loop.lastTestReturn = Statistics(outcomes.map(\.episodeReturn)).mean
            let info = outcomes.infoMeans
            loop.lastTestInfoNames = info.map(\.0)
            loop.lastTestInfoValues = info.map(\.1)
            let trainMean = loop.trainReturns.isEmpty ? Double.nan : Statistics(loop.trainReturns).mean
            var row: [(String, Double)] = [("step", Double(loop.step)), ("episodes", Double(loop.episodes)), ("updates", Double(loop.updates)),
                                           ("return_mean", trainMean),
                                           ("test_return_mean", loop.lastTestReturn),
                                           ("test_length_mean", Statistics(outcomes.map { Double($0.length) }).mean)]
            row += info.map { ("test_\($0.0)_mean", $0.1) }
            row += loop.takeMeans()
            if loop.warnings.isEmpty, let warning = divergence(in: row, rewards: collector.rewardRange, standardization: memory.standardization) {
                loop.warnings.append("step \(loop.step): \(warning)")
                progress?.warn(warning)
            }
            row += learner.schedules(at: loop.step)
            row.append(("wall_seconds", Date().timeIntervalSince(start)))
            try run.appendMetrics(row)
            loop.curveSteps.append(Double(loop.step))
            loop.curveTrain.append(trainMean)
            loop.curveTest.append(loop.lastTestReturn)
            try run.writeAtomically(LearningCurve.ofRun(title: title, steps: loop.curveSteps,
                                                        trainReturns: loop.curveTrain, testReturns: loop.curveTest).svg(), to: "curve.svg")
            report(loop.step < warmupSteps ? .warmup : .training, returnMean: trainMean.isNaN ? nil : trainMean,
                   testReturnMean: loop.lastTestReturn)
        }

        do {
            if checkpoint == nil { try saveCheckpoint() }
            while loop.step < totalSteps {
                if interruption?.isRequested == true { interrupted = true; break }
                if loop.step >= loop.nextCheckpoint || checkpoints.isDue(minutes: settings.double("checkpoint_minutes")) {
                    loop.wallSeconds = Date().timeIntervalSince(start)
                    try saveCheckpoint()
                }
                if loop.step >= loop.nextLog {
                    try test()
                    loop.nextLog += logInterval
                }
                let outcomes = try loop.step < memory.warmupSteps
                    ? withUnsafeMutablePointer(to: &loop.warmupRandom) { try collector.collect(.uniform(layout, rng: $0)) }
                    : collector.collect(learner: learner, mode: .explore, step: loop.step)
                let collected = outcomes.reduce(0) { $0 + $1.length }
                loop.step += collected
                loop.episodes += outcomes.count
                loop.trainReturns += outcomes.map(\.episodeReturn)
                for values in memory.store(collector.records, collected: collected, step: loop.step, episodes: loop.episodes) {
                    loop.updates += 1
                    try checkLosses(values, at: loop)
                    loop.accumulate(values)
                    injectFault(afterUpdate: loop.updates)
                }
                report(loop.step < warmupSteps ? .warmup : .training)
            }
            loop.wallSeconds = Date().timeIntervalSince(start)
            try saveCheckpoint()
            try test()
        } catch {
            progress?.finish()
            throw failure(error, run: run, loop: loop, checkpoints: checkpoints, wall: Date().timeIntervalSince(start))
        }
        progress?.finish()

        let wall = Date().timeIntervalSince(start)
        if settings.bool("save_model") {
            try run.writeAtomically(Safetensors.encode(learner.parameters, metadata: [
                "learner": entry.name, "steps": String(loop.step), "written_by": "marl-sim",
            ]), to: "model.safetensors")
        }
        var summary = summaryFields(loop: loop, wall: wall, checkpoints: checkpoints)
        summary += [("final_test_return_mean", .double(loop.lastTestReturn))]
        summary += loop.lastTestInfo.map { ("final_test_\($0.0)_mean", .double($0.1)) }
        summary.append(("interrupted", .bool(interrupted)))
        summary.append(("warnings", .array(loop.warnings.map { .string($0) })))
        try run.write(.object(summary), to: "summary.json")
        var replayFile: String?, replayFailure: Error?
        let replayEpisodes = settings.int("replay_episodes")
        if replayEpisodes > 0 && worldSpec.hasRender {
            do {
                let episodes = try recordReplay(episodes: replayEpisodes, worldSeed: replaySeed)
                replayFile = try run.writeAtomically(replayPage(episodes, trainedSteps: loop.step, worldSeed: replaySeed), to: "replay.html")
            } catch {
                replayFailure = error
            }
        }
        return TrainingSummary(steps: loop.step, episodes: loop.episodes, updates: loop.updates, wallSeconds: wall,
                               finalTestReturnMean: loop.lastTestReturn, finalTestInfo: loop.lastTestInfo,
                               interrupted: interrupted, warnings: loop.warnings, folder: folder, replayFile: replayFile,
                               replayFailure: replayFailure)
    }
}

extension TrainingRun {
    /// The mean Q estimate a learner logs, under whichever name its family uses.
    static let valueStatistics = ["q_taken_mean", "q_tot_mean", "q_mean", "q_reward_mean"]

    /// A Q estimate more than ten times what the rewards allow (max |r| / (1 − γ), in the units the
    /// learner trains on: raw or standardised rewards) means the values diverge: the returns they
    /// promise cannot happen.
    func divergence(in row: [(String, Double)], rewards: (lowest: Double, highest: Double),
                    standardization: (mean: Double, deviation: Double)?) -> String? {
        guard settings.has("gamma"), rewards.lowest <= rewards.highest,
              let (name, q) = row.first(where: { Self.valueStatistics.contains($0.0) }), !q.isNaN else { return nil }
        let (mean, deviation) = standardization ?? (0, 1)
        let largest = max(abs(rewards.lowest - mean), abs(rewards.highest - mean)) / max(deviation, 1e-8)
        guard largest > 0 else { return nil }
        let gamma = settings.double("gamma")
        let bound = gamma < 1 ? largest / (1 - gamma) : largest * Double(layout.episodeLimit)
        guard !q.isFinite || abs(q) > 10 * bound else { return nil }
        let units = standardization == nil ? "rewards" : "standardised rewards"
        return String(format: "Q estimates diverge: %@ = %.4g, but %@ (|r| ≤ %.3g, γ = %g) allow at most %.3g; try a smaller gamma, standardise_rewards=true or a lower learning rate",
                      name, q, units, largest, gamma, bound)
    }

    /// "<learner> on <world>, seed <S>": the heading of curve.svg and replay.html.
    var title: String { "\(entry.name) on \(file), seed \(seed)" }

    /// The world's contract: agents, spaces, view, which optional functions it has.
    public var worldSpec: WorldSpec { pool.spec }

    /// The world seed of the replay's instance, apart from the training and test instances'.
    public var replaySeed: UInt64 { seed &+ 0x5E91_0000 }

    /// Greedy episodes of the learner as it is now, in a fresh world instance, every step's picture kept.
    public func recordReplay(episodes: Int, worldSeed: UInt64) throws -> [ReplayEpisode] {
        let camera = Collector(pool: try WorldPool(file: file, options: options, seed: worldSeed, count: 1, limits: limits),
                               layout: layout, recording: false, filming: true)
        return try (0..<episodes).flatMap { _ in
            _ = try camera.collect(learner: learner, mode: .greedy, step: settings.int("steps"))
            return camera.films
        }
    }

    /// replay.html: the episodes with the run's world, learner and seed, and the learning curve beside it.
    public func replayPage(_ episodes: [ReplayEpisode], trainedSteps: Int, worldSeed: UInt64) -> String {
        ReplayPage.html(title: title,
                        details: "Greedy episodes after \(trainedSteps) training steps (world seed \(worldSeed)); the settings are in config.json.",
                        view: worldSpec.view, episodes: episodes, curve: "curve.svg")
    }
}

/// The version recorded in every run's config.json.
public enum MarlSimVersion {
    public static let current = "0.1.0"
}
