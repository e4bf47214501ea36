import ArgumentParser
import Common
import Foundation
import Training
import Worlds

/// `marl-sim <world.lua> --algo <name>`: the main job, training a team on a world.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train a team on a world (the default command): marl-sim <world.lua> --algo <name>.",
        discussion: """
            Settings resolve in layers: the learner's defaults, the world's recommended settings, a --config \
            file, then --set key=value (unknown keys and out-of-range values are errors; marl-sim help settings \
            <learner> lists them). --config runs/X/config.json reruns a run exactly. The run folder holds \
            config.json, metrics.csv, curve.svg (the learning curve), summary.json, model.safetensors and \
            replay.html (greedy episodes to play in a browser), and checkpoint.bin, the whole state of the run \
            (checkpoint_interval, checkpoint_minutes): marl-sim resume <folder> continues a stopped run exactly. \
            Ctrl-C stops at the next step boundary and still writes the summary and the weights.
            Without --algo the world is checked and rolled out with the random policy.
            """)

    @OptionGroup var world: WorldOptions

    @Option(help: "The learner: \(LearnerRegistry.all.map(\.name).joined(separator: ", ")).")
    var algo: String?

    @Option(help: "Environment steps (shorthand for --set steps=N).")
    var steps: Int?

    @Option(help: "The run seed (default: the config file's, else 1).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("A config file: YAML (learner, seed, world_options, settings) or a run's config.json.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A learner or training setting as key=value (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Option(help: "The run folder (default runs/<world>-<algo>-seed<S>-<time>).")
    var out: String?

    func run() throws {
        do {
            let file = try config.map { try ConfigFile(path: $0) }
            let seed = self.seed ?? file?.seed ?? 1
            let given = try world.parsedOptions()
            let options = file?.worldOptions(overriddenBy: given) ?? given
            guard let algo = algo ?? file?.learner else {
                try WorldCheck(file: world.world, options: options, seed: seed, limits: world.limits).run(report: emit)
                emit("")
                try Rollout.describe(file: world.world, options: options, seed: seed, episodes: 1000, instances: 2, threads: 2,
                                     limits: world.limits).forEach(emit)
                return
            }
            var overrides = try Settings.pairs(settings)
            if let steps { overrides.append(("steps", String(steps))) }
            let training = try TrainingRun(file: world.world, options: options, learner: algo, configured: file?.settings ?? [],
                                           configSource: config ?? "--config", overrides: overrides,
                                           seed: seed, folder: out, limits: world.limits)
            for warning in training.settings.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            if let recorded = file?.worldFingerprint, recorded != TrainingRun.fingerprint(ofFile: world.world) {
                FileHandle.standardError.write(Data("warning: \(world.world) differs from the world file that \(config ?? "") records (its hash changed); the rerun will not match\n".utf8))
            }
            emit("training \(algo) on \(world.world), seed \(seed), \(training.settings.int("steps")) steps → \(training.folder) (memory: about \(MemoryEstimate.gib(training.memoryEstimate.bytes)) GiB)")
            if !training.worldSpec.hasRender && training.settings.int("replay_episodes") > 0 {
                emit("note: \(world.world) has no render function, so this run writes no replay.html (add render(self, draw) to watch the team)")
            }
            try train(training)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw failure(error)
        }
    }
}

/// Trains `training` with progress on the terminal and Ctrl-C handling, then reports the outcome
/// (the run and resume commands); `checkpoint` continues a stopped run.
func train(_ training: TrainingRun, resumingFrom checkpoint: CheckpointFile.Contents? = nil) throws {
    Interruption.shared.install()
    Interruption.shared.stopWhenSweepEnds()
    let summary = try training.run(progress: Progress(), interruption: Interruption.shared, resumingFrom: checkpoint)
    emit(String(format: "%@ after %d steps, %d episodes, %d updates in %.1f s (%.0f steps/s)",
                summary.interrupted ? "interrupted" : "done", summary.steps, summary.episodes, summary.updates,
                summary.wallSeconds, Double(summary.steps) / max(summary.wallSeconds, 1e-9)))
    var result = String(format: "test return mean %.4g", summary.finalTestReturnMean)
    for (key, value) in summary.finalTestInfo { result += String(format: ", %@ %.4g", key, value) }
    emit(result)
    for warning in summary.warnings { emit("warning: \(warning)") }
    emit("run folder: \(summary.folder)")
    if let page = summary.replayFile { emit("watch the team: open \(page) in a browser") }
    if let replayFailure = summary.replayFailure {
        emit("replay.html not written: the world's render failed (below); the other files are complete")
        throw failure(replayFailure)
    }
    if summary.interrupted {
        emit("continue it with: marl-sim resume \(summary.folder)")
        throw ExitCode(130)
    }
}
