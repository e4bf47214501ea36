import Common
import Foundation
import Learners
import Worlds

/// Episodes of a trained learner, summarised: the return's mean, deviation and 95 % bootstrap
/// interval of the mean, the lengths, and each info field's mean (`marl-sim eval`).
public struct Evaluation {
    public let returns: [Double]
    public let lengths: [Double]
    public let info: [(String, Double)]
    /// The percentile bootstrap's 95 % interval of the mean return.
    public let interval: ClosedRange<Double>

    /// Resamples of the bootstrap (seeded, so an evaluation's text depends only on its episodes).
    public static let resamples = 10_000

    init(_ outcomes: [EpisodeOutcome]) {
        returns = outcomes.map(\.episodeReturn)
        lengths = outcomes.map { Double($0.length) }
        info = outcomes.infoMeans
        interval = Self.bootstrapInterval(returns, resamples: Self.resamples)
    }

    public var statistics: Statistics { Statistics(returns) }

    /// The 2.5th and 97.5th percentiles of the means of `resamples` resamples with replacement.
    public static func bootstrapInterval(_ values: [Double], resamples: Int, seed: UInt64 = 1) -> ClosedRange<Double> {
        guard !values.isEmpty else { return .nan ... .nan }
        var generator = SeededGenerator(seed: seed, stream: 0xB007)
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in values.indices { sum += values[generator.nextInt(below: values.count)] }
            means[r] = sum / Double(values.count)
        }
        means.sort()
        func percentile(_ p: Double) -> Double { means[min(resamples - 1, max(0, Int((p * Double(resamples)).rounded(.down))))] }
        return percentile(0.025) ... percentile(0.975)
    }

    /// The evaluation as JSON, for scripts.
    public func json(stochastic: Bool, worldSeed: UInt64) -> JSONValue {
        let s = statistics
        return .object([
            ("episodes", .int(Int64(returns.count))), ("mode", .string(stochastic ? "stochastic" : "greedy")),
            ("world_seed", .int(Int64(bitPattern: worldSeed))),
            ("return", .object([("mean", .double(s.mean)), ("std", .double(s.std)),
                                ("interval95", .array([.double(interval.lowerBound), .double(interval.upperBound)])),
                                ("min", .double(s.min)), ("max", .double(s.max))])),
            ("length_mean", .double(Statistics(lengths).mean)),
            ("info_means", .object(info.map { ($0.0, .double($0.1)) })),
            ("returns", .array(returns.map { .double($0) })),
        ])
    }
}

extension TrainingRun {
    /// `episodes` episodes of the learner as it is now, greedy or (`stochastic`) sampling its behaviour
    /// policy, on fresh world instances seeded from `worldSeed` (`min(episodes, envs)` instances).
    public func evaluate(episodes: Int, worldSeed: UInt64, stochastic: Bool = false) throws -> Evaluation {
        let mode: ActingMode = stochastic ? .explore : .greedy
        let instances = Swift.max(1, Swift.min(episodes, settings.int("envs")))
        let collector = Collector(pool: try WorldPool(file: file, options: options, seed: worldSeed, count: instances,
                                                      threads: settings.int("env_threads"), limits: limits),
                                  layout: layout, recording: false)
        var outcomes: [EpisodeOutcome] = []
        while outcomes.count < episodes {
            outcomes += try collector.collect(learner: learner, mode: mode, step: settings.int("steps")).prefix(episodes - outcomes.count)
        }
        return Evaluation(outcomes)
    }
}
