import ArgumentParser
import Foundation
import Training
import Worlds

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a world against the contract: spaces, sizes, values, determinism, snapshot/restore, speed.",
        discussion: "Exit status 0 when the world is sound, 1 on the first violation (named with its file, line and rule).")

    @OptionGroup var world: WorldOptions

    @Option(help: "Seed of the checking rollouts.")
    var seed: UInt64 = 1

    @Option(help: "Episodes run (twice, to compare) in strict mode.")
    var episodes: Int = 20

    func run() throws {
        do {
            try WorldCheck(file: world.world, options: world.parsedOptions(), seed: seed, episodes: episodes, limits: world.limits)
                .run(report: emit)
            let spec = try LuaWorld(file: world.world, options: world.parsedOptions(), limits: world.limits).spec
            if let problem = WorldSettingsCheck.problem(in: spec.recommendedSettings) {
                throw OptionError(message: "\(world.world): \(problem)\n  rule: a world's settings table names learners and their settings (marl-sim list)")
            }
            emit("settings   \(spec.recommendedSettings.isEmpty ? "none recommended" : "every key names a learner's setting")")
            emit("ok: \(world.world) keeps the world contract")
        } catch {
            throw failure(error)
        }
    }
}
