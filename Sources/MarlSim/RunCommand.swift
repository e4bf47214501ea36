import ArgumentParser
import Foundation
import Worlds

/// `marl-sim <world.lua>`: the main job. Until the learners exist it checks the world and rolls
/// it out with the random policy.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train on a world (the default command): marl-sim <world.lua> --algo <name>.",
        discussion: "No learners are built yet: without --algo this checks the world and rolls it out with the random policy.")

    @OptionGroup var world: WorldOptions

    @Option(help: "The learner.")
    var algo: String?

    @Option(help: "The run seed.")
    var seed: UInt64 = 1

    func run() throws {
        if let algo {
            throw failure(OptionError(message: "unknown learner '\(algo)': this build has no learners yet (marl-sim list shows what it has)"))
        }
        do {
            let options = try world.parsedOptions()
            try WorldCheck(file: world.world, options: options, seed: seed, limits: world.limits).run(report: emit)
            emit("")
            try Rollout.describe(file: world.world, options: options, seed: seed, episodes: 1000, instances: 2, threads: 2,
                                 limits: world.limits).forEach(emit)
        } catch {
            throw failure(error)
        }
    }
}
