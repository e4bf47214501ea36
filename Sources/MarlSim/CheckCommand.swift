import ArgumentParser
import Foundation
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
            emit("ok: \(world.world) keeps the world contract")
        } catch {
            throw failure(error)
        }
    }
}
