import ArgumentParser
import Foundation
import Worlds

struct RolloutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Run episodes with the random or the world's scripted policy and print return and length statistics.",
        discussion: "Output depends only on the world, its options, the seed, --episodes and --envs, not on --threads.")

    @OptionGroup var world: WorldOptions

    @Option(help: "random (uniform over the available actions) or scripted (the world's scripted_action, its reference policy).")
    var policy: RolloutPolicy = .random

    @Option(help: "Number of episodes.")
    var episodes: Int = 100

    @Option(help: "The seed.")
    var seed: UInt64 = 1

    @Option(help: "World instances (each seeded from the seed and its index).")
    var envs: Int = 2

    @Option(help: "Threads stepping the instances.")
    var threads: Int = 1

    func validate() throws {
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1") }
        guard envs >= 1, threads >= 1 else { throw ValidationError("--envs and --threads must be at least 1") }
    }

    func run() throws {
        do {
            try Rollout.describe(file: world.world, options: world.parsedOptions(), seed: seed, episodes: episodes,
                                        instances: envs, threads: threads, limits: world.limits,
                                        policy: policy).forEach(emit)
        } catch {
            throw failure(error)
        }
    }
}

extension Rollout {
    /// Runs a rollout and describes it in lines (no timings, so equal seeds give equal text).
    static func describe(file: String, options: [(String, OptionValue)], seed: UInt64, episodes: Int, instances: Int,
                         threads: Int, limits: WorldLimits, policy: RolloutPolicy = .random) throws -> [String] {
        let outcomes = try Rollout(file: file, options: options, seed: seed, instances: instances, threads: threads, limits: limits,
                                   policy: policy).run(episodes: episodes)
        let returns = Statistics(outcomes.map(\.episodeReturn))
        let lengths = Statistics(outcomes.map { Double($0.length) })
        let terminated = outcomes.filter(\.terminated).count
        var lines = [
            "rollout  \(file)  \(policy.rawValue) policy, \(episodes) episodes, seed \(seed), \(instances) instances",
            String(format: "return   mean %.6g  std %.6g  min %.6g  max %.6g", returns.mean, returns.std, returns.min, returns.max),
            String(format: "length   mean %.6g  std %.6g  min %.0f  max %.0f", lengths.mean, lengths.std, lengths.min, lengths.max),
            "ended    \(terminated) terminated, \(episodes - terminated) truncated at the episode limit",
        ]
        for (key, mean) in outcomes.infoMeans { lines.append(String(format: "info     %@ mean %.6g", key, mean)) }
        return lines
    }
}

extension RolloutPolicy: ExpressibleByArgument {}
