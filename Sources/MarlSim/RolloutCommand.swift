import ArgumentParser
import Foundation
import Worlds

struct RolloutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Run episodes with the random policy and print return and length statistics.",
        discussion: "Output depends only on the world, its options, the seed, --episodes and --envs, not on --threads.")

    @OptionGroup var world: WorldOptions

    @Option(help: "The policy (only 'random' for now).")
    var policy: String = "random"

    @Option(help: "Number of episodes.")
    var episodes: Int = 100

    @Option(help: "The seed.")
    var seed: UInt64 = 1

    @Option(help: "World instances (each seeded from the seed and its index).")
    var envs: Int = 2

    @Option(help: "Threads stepping the instances.")
    var threads: Int = 1

    func validate() throws {
        guard policy == "random" else { throw ValidationError("--policy: only 'random' exists until a run can be loaded") }
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1") }
        guard envs >= 1, threads >= 1 else { throw ValidationError("--envs and --threads must be at least 1") }
    }

    func run() throws {
        do {
            try Rollout.describe(file: world.world, options: world.parsedOptions(), seed: seed, episodes: episodes,
                                        instances: envs, threads: threads, limits: world.limits).forEach(emit)
        } catch {
            throw failure(error)
        }
    }
}

extension Rollout {
    /// Runs a random-policy rollout and describes it in lines (no timings, so equal seeds give
    /// equal text).
    static func describe(file: String, options: [(String, OptionValue)], seed: UInt64, episodes: Int, instances: Int,
                         threads: Int, limits: WorldLimits) throws -> [String] {
        let outcomes = try Rollout(file: file, options: options, seed: seed, instances: instances, threads: threads, limits: limits)
            .run(episodes: episodes)
        let returns = Statistics(outcomes.map(\.episodeReturn))
        let lengths = Statistics(outcomes.map { Double($0.length) })
        let terminated = outcomes.filter(\.terminated).count
        var lines = [
            "rollout  \(file)  random policy, \(episodes) episodes, seed \(seed), \(instances) instances",
            String(format: "return   mean %.6g  std %.6g  min %.6g  max %.6g", returns.mean, returns.std, returns.min, returns.max),
            String(format: "length   mean %.6g  std %.6g  min %.0f  max %.0f", lengths.mean, lengths.std, lengths.min, lengths.max),
            "ended    \(terminated) terminated, \(episodes - terminated) truncated at the episode limit",
        ]
        for (key, mean) in outcomes.infoMeans { lines.append(String(format: "info     %@ mean %.6g", key, mean)) }
        return lines
    }
}
