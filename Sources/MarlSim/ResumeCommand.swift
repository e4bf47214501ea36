import ArgumentParser
import Foundation
import Training
import Worlds

/// `marl-sim resume <run-folder>`: continues a stopped run from its last checkpoint, in place.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a stopped run from its checkpoint, in its folder: marl-sim resume <run-folder> [--steps N].",
        discussion: """
            A run writes checkpoint.bin, its whole state (networks, optimizers, temperatures, replay buffer, \
            random generators, counters, the worlds' random state), every checkpoint_interval steps and \
            checkpoint_minutes, and when it stops. resume continues from it: metrics.csv, tb/ and curve.svg \
            go on from the checkpoint's rows, and the run ends as the same run would have ended without the \
            stop, byte for byte. --steps extends a finished run. resume refuses a world file that changed \
            since the run started and a damaged checkpoint; --previous then uses the one before.
            """)

    @Argument(help: "The run folder.")
    var folder: String

    @Option(help: "Train to this many steps in all (default: the run's own length).")
    var steps: Int?

    @Flag(help: "Continue from the checkpoint before the last (checkpoint.previous.bin).")
    var previous = false

    @OptionGroup var instanceLimits: InstanceLimits

    func run() throws {
        do {
            let resumed = try ResumedRun(folder: folder, steps: steps, previous: previous, limits: instanceLimits.limits)
            emit("resuming \(resumed.run.entry.name) on \(resumed.run.file), seed \(resumed.run.seed), from step \(resumed.step) (\(resumed.checkpointFile)) to \(resumed.run.settings.int("steps")) steps")
            try train(resumed.run, resumingFrom: resumed.checkpoint)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw failure(error)
        }
    }
}
