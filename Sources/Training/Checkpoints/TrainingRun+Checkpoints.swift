import Common
import Foundation
import Learners
import Tensors
import Worlds

/// How many checkpoints a sitting wrote, how long they took and how large the last was.
struct CheckpointLog {
    private(set) var count = 0
    private(set) var seconds = 0.0
    private(set) var bytes = 0
    private var last = Date()

    /// Times `body`, which writes a checkpoint and returns its size.
    mutating func write(_ body: () throws -> Int) throws {
        let began = Date()
        bytes = try body()
        seconds += Date().timeIntervalSince(began)
        count += 1
        last = Date()
    }

    /// Whether `minutes` of wall time have passed since the last checkpoint (never with 0).
    func isDue(minutes: Double) -> Bool { minutes > 0 && Date().timeIntervalSince(last) >= minutes * 60 }
}

extension TrainingRun {
    /// Steps between checkpoints: the setting, or a tenth of the run.
    var checkpointInterval: Int {
        let given = settings.int("checkpoint_interval")
        return given > 0 ? given : Swift.max(1, settings.int("steps") / 10)
    }

    /// What a checkpoint says about the run it belongs to (checked against config.json on resume).
    func checkpointHeader(_ loop: TrainingLoopState) -> JSONValue {
        .object([
            ("learner", .string(entry.name)), ("world", .string(file)),
            ("world_fnv1a64", .string(Self.fingerprint(ofFile: file))), ("seed", .int(Int64(bitPattern: seed))),
            ("step", .int(Int64(loop.step))), ("episodes", .int(Int64(loop.episodes))), ("updates", .int(Int64(loop.updates))),
            ("marl-sim", .string(MarlSimVersion.current)),
        ])
    }

    /// Writes the run's whole state and returns the file's size; refuses weights that are not finite (the last good checkpoint stays).
    func writeCheckpoint(run: RunFolder, loop: TrainingLoopState, memory: ReplayMemory, collector: Collector,
                         tester: Collector) throws -> Int {
        try checkWeights(at: loop)
        return try CheckpointFile.write(folder: folder, header: checkpointHeader(loop)) { archive in
            try exchangeState(with: archive, run: run, loop: loop, memory: memory, collector: collector, tester: tester)
        }
    }

    /// Every part of the run's state, in one order for saving and restoring.
    private func exchangeState(with archive: StateArchive, run: RunFolder, loop: TrainingLoopState, memory: ReplayMemory,
                               collector: Collector, tester: Collector) throws {
        try archive.part("loop", loop)
        try archive.part("run_folder", run)
        try archive.part("learner", learner.state)
        try archive.part("memory", memory)
        try archive.part("collector", collector)
        try archive.part("tester", tester)
        try archive.parts("world", pool.worlds)
        try archive.parts("test_world", testPool.worlds)
    }

    /// Puts the state of `checkpoint` back into this run's parts.
    func restore(_ checkpoint: CheckpointFile.Contents, run: RunFolder, loop: TrainingLoopState, memory: ReplayMemory,
                 collector: Collector, tester: Collector) throws {
        do {
            try exchangeState(with: StateArchive(restoringFrom: checkpoint.entries), run: run, loop: loop, memory: memory,
                              collector: collector, tester: tester)
        } catch let error as StateArchiveError {
            throw TrainingError(message: "\(folder)/\(CheckpointFile.latestName): \(error.description)")
        }
    }

    /// Stops the run when a logged loss is NaN or infinite.
    func checkLosses(_ values: [(String, Double)], at loop: TrainingLoopState) throws {
        for (name, value) in values where name.contains("loss") && !value.isFinite {
            throw TrainingFault(message: "\(name) is \(value)")
        }
    }

    /// Stops the run when a weight is NaN or infinite.
    func checkWeights(at loop: TrainingLoopState) throws {
        if let bad = StateArchive.firstNonFinite(in: learner.parameters) {
            throw TrainingFault(message: "the weights \(bad.name) hold \(bad.value) (element \(bad.index))")
        }
    }

    /// A test hook: after this update the first weight becomes NaN, as a diverged update would leave
    /// it. Set by tests, or by `MARLSIM_FAULT=nan@U` in the environment (docs/design.md §4.3).
    nonisolated(unsafe) public static var poisonedUpdate: Int? = {
        guard let fault = ProcessInfo.processInfo.environment["MARLSIM_FAULT"], fault.hasPrefix("nan@") else { return nil }
        return Int(fault.dropFirst(4))
    }()

    func injectFault(afterUpdate update: Int) {
        guard update == Self.poisonedUpdate, let first = learner.parameters.parameters.first else { return }
        first.value[0] = .nan
    }

    /// The summary fields every ending writes.
    func summaryFields(loop: TrainingLoopState, wall: Double, checkpoints: CheckpointLog) -> [(String, JSONValue)] {
        [
            ("steps", .int(Int64(loop.step))), ("episodes", .int(Int64(loop.episodes))), ("updates", .int(Int64(loop.updates))),
            ("wall_seconds", .double(wall)), ("env_steps_per_s", .double(Double(loop.step) / Swift.max(wall, 1e-9))),
            ("updates_per_s", .double(Double(loop.updates) / Swift.max(wall, 1e-9))),
            ("checkpoints", .int(Int64(checkpoints.count))), ("checkpoint_seconds", .double(checkpoints.seconds)),
            ("checkpoint_bytes", .int(Int64(checkpoints.bytes))),
        ]
    }

    /// A run stopped by an error: summary.json says so and where, no weights are written, and the
    /// error names the step and episode and the checkpoint to resume from.
    func failure(_ error: Error, run: RunFolder, loop: TrainingLoopState, checkpoints: CheckpointLog, wall: Double) -> Error {
        let resumable = CheckpointFile.describeLatest(in: folder)
        let place = "stopped at step \(loop.step), episode \(loop.episodes), update \(loop.updates)"
        let next = resumable.map { "the last good checkpoint is at step \($0) (marl-sim resume \(folder) continues from it)" }
            ?? "no checkpoint was written"
        var summary = summaryFields(loop: loop, wall: wall, checkpoints: checkpoints)
        summary.append(("interrupted", .bool(true)))
        summary.append(("error", .string(String(describing: error))))
        try? run.write(.object(summary), to: "summary.json")
        if let fault = error as? TrainingFault {
            return TrainingError(message: "\(folder): training \(place): \(fault.message); the weights are not saved\n  rule: losses and weights stay finite (lower the learning rate, clip gradients, or standardise rewards)\n  \(next)")
        }
        return TrainingError(message: "\(error)\n  training \(place); \(next)")
    }
}

/// A loss or weight that is NaN or infinite.
struct TrainingFault: Error {
    let message: String
}

extension CheckpointFile {
    /// The step of the newest intact checkpoint in `folder` (nil: none).
    static func describeLatest(in folder: String) -> Int? {
        for name in [latestName, previousName] {
            let path = (folder as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path), let contents = try? read(path), case let .int(step)? = contents.header["step"] {
                return Int(step)
            }
        }
        return nil
    }
}
