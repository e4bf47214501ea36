import Common
import Foundation

/// What one episode produced.
public struct EpisodeOutcome: Sendable {
    public var episodeReturn: Double
    public var length: Int
    public var terminated: Bool
    /// Each info field's last value in the episode (absent fields are not listed).
    public var info: [String: Double]

    public init(episodeReturn: Double, length: Int, terminated: Bool, info: [String: Double]) {
        self.episodeReturn = episodeReturn
        self.length = length
        self.terminated = terminated
        self.info = info
    }
}

/// Summary statistics of a list of numbers.
public struct Statistics: Sendable {
    public var mean: Double, std: Double, min: Double, max: Double

    public init(_ values: [Double]) {
        guard !values.isEmpty else { mean = .nan; std = .nan; min = .nan; max = .nan; return }
        let m = values.reduce(0, +) / Double(values.count)
        mean = m
        std = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
        min = values.min()!
        max = values.max()!
    }
}

/// The policy a rollout plays: uniformly random actions, or the world's own `scripted_action`.
public enum RolloutPolicy: String, Sendable, CaseIterable {
    case random, scripted
}

/// Runs episodes of a world with the random or the scripted policy on several instances and threads.
///
/// Instance k (seeded from `seed` and k) runs episodes k, k + instances, ...; results come back in
/// episode order, so they do not depend on the number of threads.
public struct Rollout: Sendable {
    public var file: String
    public var options: [(String, OptionValue)]
    public var seed: UInt64
    public var instances: Int
    public var threads: Int
    public var limits: WorldLimits
    public var policy: RolloutPolicy

    public init(file: String, options: [(String, OptionValue)], seed: UInt64, instances: Int = 1, threads: Int = 1,
                limits: WorldLimits = WorldLimits(), policy: RolloutPolicy = .random) {
        self.file = file
        self.options = options
        self.seed = seed
        self.instances = max(1, instances)
        self.threads = max(1, min(threads, self.instances))
        self.limits = limits
        self.policy = policy
    }

    public func run(episodes: Int) throws -> [EpisodeOutcome] {
        let perInstance = (0..<instances).map { k in stride(from: k, to: episodes, by: instances).map { $0 } }
        let results = ResultBox<[EpisodeOutcome]>(count: instances)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for k in stride(from: thread, to: instances, by: threads) {
                results.set(k, Result { try runInstance(k, episodes: perInstance[k].count) })
            }
        }
        var outcomes = [EpisodeOutcome?](repeating: nil, count: episodes)
        for k in 0..<instances {
            let mine = try results.get(k)
            for (j, episode) in perInstance[k].enumerated() { outcomes[episode] = mine[j] }
        }
        return outcomes.map { $0! }
    }

    private func runInstance(_ k: Int, episodes: Int) throws -> [EpisodeOutcome] {
        let world = try LuaWorld(file: file, options: options, seed: seed, instance: k, limits: limits)
        var random = RandomPolicy(seed: seed, stream: 1_000_000 + UInt64(k))
        var action = JointAction(spec: world.spec)
        var outcomes: [EpisodeOutcome] = []
        for episode in 0..<episodes {
            world.strict = episode == 0
            try world.reset()
            var total = 0.0
            var result = StepResult(reward: 0, terminated: false, truncated: false)
            while !result.done {
                switch policy {
                case .random: random.act(world, into: &action)
                case .scripted: try world.scriptedAction(into: &action)
                }
                result = try world.step(action)
                total += result.reward
            }
            outcomes.append(EpisodeOutcome(episodeReturn: total, length: world.stepsInEpisode, terminated: result.terminated, info: world.episodeInfo))
        }
        return outcomes
    }
}

/// Per-slot results written by worker threads and read after they finish.
final class ResultBox<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ k: Int, _ value: Result<T, Error>) {
        lock.lock()
        slots[k] = value
        lock.unlock()
    }

    func get(_ k: Int) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try slots[k]!.get()
    }
}

extension Array where Element == EpisodeOutcome {
    /// Info fields seen in any episode, sorted; an episode that did not report a field counts 0.
    public var infoMeans: [(String, Double)] {
        let keys = Set(flatMap { $0.info.keys }).sorted()
        return keys.map { key in (key, map { $0.info[key] ?? 0 }.reduce(0, +) / Double(Swift.max(1, count))) }
    }
}
