import Common
import Foundation

/// `marl-sim check`: validates everything the world contract promises, in strict mode, and
/// reports the world's shape, its random-policy returns and its speed. Any violation throws.
public struct WorldCheck {
    public var file: String
    public var options: [(String, OptionValue)]
    public var seed: UInt64
    public var episodes: Int
    public var limits: WorldLimits

    public init(file: String, options: [(String, OptionValue)], seed: UInt64 = 1, episodes: Int = 20,
                limits: WorldLimits = WorldLimits()) {
        self.file = file
        self.options = options
        self.seed = seed
        self.episodes = max(1, episodes)
        self.limits = limits
    }

    /// Runs the checks, reporting progress lines through `report`.
    public func run(report: (String) -> Void) throws {
        let world = try LuaWorld(file: file, options: options, seed: seed, instance: 0, limits: limits)
        world.strict = true
        let spec = world.spec
        report("world      \(spec.name)\(spec.description.isEmpty ? "" : " — \(spec.description)")")
        report("agents     \(spec.agents)")
        report("actions    \(Self.perAgent(spec.actionSpaces.map(\.description)))")
        report("observe    \(Self.perAgent(spec.observationSizes.map { "\($0) value\($0 == 1 ? "" : "s")" }))")
        report("state      \(spec.stateSize) value\(spec.stateSize == 1 ? "" : "s")\(spec.hasStateFunction ? "" : " (the observations concatenated)")")
        report("episodes   at most \(spec.episodeLimit) step\(spec.episodeLimit == 1 ? "" : "s")")
        let optional = [("available", spec.hasAvailable), ("render", spec.hasRender), ("snapshot/restore", spec.hasSnapshot),
                        ("scripted_action", spec.hasScriptedAction)]
        report("functions  reset observe step\(spec.hasStateFunction ? " state" : "")" + optional.filter(\.1).map { " " + $0.0 }.joined())
        if let declared = spec.options, !declared.isEmpty {
            report("options    " + declared.map { "\($0.name) (default \($0.defaultValue))" }.joined(separator: ", "))
        }

        let first = try record(world, checkExtras: true, until: Date().addingTimeInterval(Self.recordingSeconds))
        let again = try LuaWorld(file: file, options: options, seed: seed, instance: 0, limits: limits)
        again.strict = true
        let second = try record(again, checkExtras: false, steps: first.steps.count)
        if let difference = first.firstDifference(from: second) {
            throw WorldError(file: file, message: "two runs with the same seed differ at episode \(difference.episode), step \(difference.step): \(difference.what)",
                             rule: ContractRule.determinism)
        }
        let played = first.outcomes.count
        let cut = played < episodes
            ? " (stopped after \(Int(Self.recordingSeconds)) s\(first.steps.last.map { ", in episode \($0.episode + 1) at step \($0.step)" } ?? ""))" : ""
        report("determinism  two runs of \(played) episode\(played == 1 ? "" : "s") with seed \(seed) match exactly\(cut)")
        guard played > 0 else {
            report("random     no episode ended within \(Int(Self.recordingSeconds)) s of random play")
            return try finish(again, report: report)
        }

        let returns = Statistics(first.outcomes.map(\.episodeReturn))
        let lengths = Statistics(first.outcomes.map { Double($0.length) })
        report(String(format: "random     return mean %.4g std %.4g min %.4g max %.4g over %d episodes",
                      returns.mean, returns.std, returns.min, returns.max, played))
        report(String(format: "           length mean %.4g min %.0f max %.0f", lengths.mean, lengths.min, lengths.max))
        for (key, mean) in first.outcomes.infoMeans { report(String(format: "           info.%@ mean %.4g", key, mean)) }
        if spec.hasScriptedAction {
            let scripted = try scriptedReturns(world, episodes: played)
            if !scripted.isEmpty {
                let stats = Statistics(scripted)
                report(String(format: "scripted   return mean %.4g std %.4g min %.4g max %.4g over %d episodes",
                              stats.mean, stats.std, stats.min, stats.max, scripted.count))
            }
        }
        try finish(again, report: report)
    }

    /// How long the recorded random play may take: a world of slow or endless episodes is checked on
    /// what fits, not for hours.
    static let recordingSeconds = 8.0

    private func finish(_ again: LuaWorld, report: (String) -> Void) throws {
        let speed = try WorldBench.stepsPerSecond(world: again, seconds: 0.3, seed: seed)
        report(String(format: "speed      %.0f steps/s (one thread, random policy)", speed))
        report(String(format: "memory     %.1f MiB in use (cap %d MiB)", Double(again.memoryInUse) / 1_048_576, limits.memoryMiB))
    }

    /// "x per agent" when all agents agree, else each agent's value in order.
    static func perAgent(_ items: [String]) -> String {
        Set(items).count == 1 ? items[0] + " per agent" : items.enumerated().map { "agent \($0 + 1): \($1)" }.joined(separator: ", ")
    }

    /// Fingerprints of every output of every step, kept apart so a difference can be named.
    struct Recording {
        var outcomes: [EpisodeOutcome] = []
        var steps: [(episode: Int, step: Int, parts: [String: UInt64])] = []

        func firstDifference(from other: Recording) -> (episode: Int, step: Int, what: String)? {
            for (a, b) in zip(steps, other.steps) {
                for key in ["reward", "observations", "state", "available", "info"] where a.parts[key] != b.parts[key] {
                    return (a.episode + 1, a.step, "the \(key) differ")
                }
            }
            if steps.count != other.steps.count { return (outcomes.count, 0, "the episodes have different lengths") }
            return nil
        }
    }

    /// Random play for `episodes` episodes, cut when `deadline` passes or after `steps` recorded
    /// steps (the second run records exactly what the first did).
    private func record(_ world: LuaWorld, checkExtras: Bool, until deadline: Date? = nil, steps limit: Int? = nil) throws -> Recording {
        var policy = RandomPolicy(seed: seed, stream: 7)
        var action = JointAction(spec: world.spec)
        var recording = Recording()
        func full() -> Bool { (limit.map { recording.steps.count >= $0 } ?? false) || (deadline.map { Date() >= $0 } ?? false) }
        for episode in 0..<episodes {
            if full() { break }
            try world.reset()
            recording.steps.append((episode, 0, fingerprint(world, reward: 0, terminated: false)))
            if checkExtras, episode == 0 { try checkRenderAndSnapshot(world) }
            var total = 0.0
            var result = StepResult(reward: 0, terminated: false, truncated: false)
            while !result.done {
                if full() { return recording }
                policy.act(world, into: &action)
                result = try world.step(action)
                total += result.reward
                recording.steps.append((episode, world.stepsInEpisode, fingerprint(world, reward: result.reward, terminated: result.terminated)))
                if checkExtras, episode == 0, world.stepsInEpisode == 1 { try checkRenderAndSnapshot(world) }
            }
            recording.outcomes.append(EpisodeOutcome(episodeReturn: total, length: world.stepsInEpisode, terminated: result.terminated, info: world.episodeInfo))
        }
        return recording
    }

    /// Episode returns of the world's scripted policy (every action validated, in strict mode).
    private func scriptedReturns(_ world: LuaWorld, episodes: Int) throws -> [Double] {
        var action = JointAction(spec: world.spec)
        let deadline = Date().addingTimeInterval(Self.recordingSeconds)
        var returns: [Double] = []
        for _ in 0..<episodes {
            try world.reset()
            var total = 0.0
            var result = StepResult(reward: 0, terminated: false, truncated: false)
            while !result.done {
                if Date() >= deadline { return returns }
                try world.scriptedAction(into: &action)
                result = try world.step(action)
                total += result.reward
            }
            returns.append(total)
        }
        return returns
    }

    private func fingerprint(_ world: LuaWorld, reward: Double, terminated: Bool) -> [String: UInt64] {
        var infoHash = Fingerprint()
        // Sorted: the order pairs() visits string keys varies between Lua states.
        for (key, value) in zip(world.infoKeys, world.infoValues).sorted(by: { $0.0 < $1.0 }) {
            infoHash.add(key)
            infoHash.add(value.bitPattern)
        }
        var rewardHash = Fingerprint()
        rewardHash.add(reward.bitPattern)
        rewardHash.add(terminated ? 1 : 0)
        return ["reward": rewardHash.value, "observations": Fingerprint.of(world.observations),
                "state": Fingerprint.of(world.state), "available": Fingerprint.of(world.available), "info": infoHash.value]
    }

    /// render must draw validly; restore(snapshot()) into a fresh instance must give the same
    /// outputs and the same snapshot.
    private func checkRenderAndSnapshot(_ world: LuaWorld) throws {
        _ = try world.render()
        guard let snapshot = try world.snapshot() else { return }
        let copy = try LuaWorld(file: file, options: options, seed: seed &+ 1, instance: 0, limits: limits)
        copy.strict = true
        try copy.reset()
        try copy.restore(snapshot)
        let again = try copy.snapshot()
        guard again == snapshot else {
            throw WorldError(file: file, message: "restore(snapshot()) in a fresh instance gives a different snapshot", rule: ContractRule.restore)
        }
        for (name, a, b) in [("observations", Fingerprint.of(world.observations), Fingerprint.of(copy.observations)),
                             ("state", Fingerprint.of(world.state), Fingerprint.of(copy.state)),
                             ("available", Fingerprint.of(world.available), Fingerprint.of(copy.available))] where a != b {
            throw WorldError(file: file, message: "after restore(snapshot()) in a fresh instance the \(name) differ: the snapshot misses part of the world state",
                             rule: ContractRule.restore)
        }
    }
}
