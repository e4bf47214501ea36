import Common
import Foundation
@testable import Learners
import Tensors
@testable import Training
import XCTest

/// Checkpoints and `resume` (docs/design.md §4.2): a stopped run, resumed, ends byte for byte as
/// the run that never stopped; a damaged, foreign or newer checkpoint is refused with one error; a
/// diverged update and a full disk stop the run with the last good checkpoint kept.
final class CheckpointTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let tiny: [(String, String)] = [("batch_size", "4"), ("envs", "2"), ("test_episodes", "3"), ("warmup_steps", "30"),
                                    ("updates_per_step", "0.5"), ("hidden", "8"), ("n_step", "3"), ("rnn_hidden", "8"),
                                    ("critic_hidden", "8"), ("mixing_embed", "8"), ("hypernet_hidden", "8"),
                                    ("replay_episodes", "0"), ("buffer_size", "40")]

    func folder(_ label: String = "run") -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-ckpt-\(label)-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// A world written for this test: agents of their own sizes, episodes whose length depends on a
    /// round counter that `reset` does not clear (only `snapshot`/`restore` carry it), and
    /// `math.random` in both `reset` and `step`.
    func world(_ team: String) throws -> String {
        let (spaces, sizes) = { () -> (String, String) in
            switch team {
            case "discrete": return ("{discrete = 3}, {discrete = 5}, {discrete = 2}", "2, 4, 3")
            case "continuous": return ("{continuous = 1, low = -1, high = 2}, {continuous = 3}, {continuous = 1}", "2, 4, 3")
            default: return ("{discrete = 3}, {continuous = 2, low = 0, high = 1}", "3, 1")
            }
        }()
        let source = """
        local spaces = {\(spaces)}
        local sizes = {\(sizes)}
        local round, t, pos = 0, 0, 0
        return {
          agents = #sizes,
          actions = spaces,
          observation_size = sizes,
          state_size = 2,
          episode_limit = 8,
          reset = function(self) round = round + 1; t = 0; pos = math.random() end,
          observe = function(self, i, out) for k = 1, sizes[i] do out[k] = (pos * k + 0.1 * i + 0.05 * t + 0.01 * (round % 3)) % 1 end end,
          state = function(self, out) out[1] = pos; out[2] = round % 5 end,
          \(team == "continuous" ? "" : """
          available = function(self, i, out)
            if spaces[i].discrete then for k = 1, spaces[i].discrete do out[k] = k == 1 or (k + t + round) % 2 == 0 end end
          end,
          """)
          step = function(self, actions)
            t = t + 1
            pos = (pos + 0.1 * math.random()) % 1
            local r = 0.1 * (round % 3)
            for i = 1, #sizes do
              if spaces[i].discrete then r = r + (actions[i] == 2 and 1 or 0) else r = r - math.abs(actions[i][1] - pos) end
            end
            return r, t >= 4 + round % 4
          end,
          snapshot = function(self) return {round = round, t = t, pos = pos} end,
          restore = function(self, s) round, t, pos = s.round, s.t, s.pos end,
        }
        """
        let path = folder(team) + ".lua"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func run(_ file: String, _ learner: String, steps: Int, in folder: String, interval: Int, log: Int) throws -> TrainingRun {
        let entry = LearnerRegistry.named(learner)!
        let layout = try TrainingRun.layout(ofFile: file)
        let names = Set(entry.variant(for: layout)!.settings.map(\.name) + TrainingSettings.specs.map(\.name))
        let overrides = tiny.filter { names.contains($0.0) } + [("steps", String(steps)), ("checkpoint_interval", String(interval)),
                                                               ("log_interval", String(log))]
        return try TrainingRun(file: file, options: [], learner: learner, overrides: overrides, seed: 5, folder: folder)
    }

    /// metrics.csv without its wall-clock column, the weights, and summary.json without its wall-clock fields.
    func outcome(_ folder: String) throws -> (metrics: [String], model: Data, summary: [String: String]) {
        let text = try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let wall = rows[0].firstIndex(of: "wall_seconds")
        let metrics = rows.map { $0.enumerated().filter { $0.offset != wall }.map(\.element).joined(separator: ",") }
        let model = try Data(contentsOf: URL(fileURLWithPath: folder + "/model.safetensors"))
        guard case let .object(fields) = try JSONValue.parse(String(contentsOfFile: folder + "/summary.json", encoding: .utf8)) else {
            throw TrainingError(message: "summary.json is not an object")
        }
        let clock: Set<String> = ["wall_seconds", "env_steps_per_s", "updates_per_s", "checkpoints", "checkpoint_seconds", "checkpoint_bytes"]
        return (metrics, model, Dictionary(uniqueKeysWithValues: fields.filter { !clock.contains($0.0) }.map { ($0.0, $0.1.serialized) }))
    }

    func assertSameOutcome(_ a: String, _ b: String, _ label: String) throws {
        let (x, y) = (try outcome(a), try outcome(b))
        XCTAssertEqual(x.metrics, y.metrics, "\(label): metrics.csv")
        XCTAssertTrue(x.model == y.model, "\(label): model.safetensors")
        XCTAssertEqual(x.summary, y.summary, "\(label): summary.json")
    }

    /// Every learner, on our worlds and on worlds written here (agents of their own sizes; a mixed
    /// team): (a) stopped hard after a checkpoint — later rows already written, no summary or weights —
    /// and resumed; (b) trained for half the steps and extended. Both end as the uninterrupted run.
    func testEveryLearnerResumesToTheSameBytesAsARunThatNeverStopped() throws {
        let ours = [("discrete", root.appendingPathComponent("envs/spread.lua").path, 150),
                    ("continuous", root.appendingPathComponent("envs/hpp.lua").path, 200)]
        let written = try ["discrete", "continuous", "mixed"].map { ($0, try world($0), 120) }
        var covered: Set<String> = []
        for (team, file, steps) in written + ours {
            let layout = try TrainingRun.layout(ofFile: file)
            for entry in LearnerRegistry.all where entry.trainer(for: layout) != nil {
                let label = "\(entry.name) on \(file) (\(team))"
                covered.insert(entry.name)
                let whole = folder("whole")
                _ = try run(file, entry.name, steps: steps, in: whole, interval: steps / 3, log: steps / 4).run()

                // (a) A hard stop after the last periodic checkpoint: the rows after it are on disk.
                let stopped = folder("stopped")
                try FileManager.default.copyItem(atPath: whole, toPath: stopped)
                for name in ["summary.json", "model.safetensors", "checkpoint.bin"] { try FileManager.default.removeItem(atPath: stopped + "/" + name) }
                let resumed = try ResumedRun(folder: stopped)
                XCTAssertLessThan(resumed.step, steps, label)
                XCTAssertTrue(resumed.checkpointFile.hasSuffix(CheckpointFile.previousName), label)
                _ = try resumed.run.run(resumingFrom: resumed.checkpoint)
                try assertSameOutcome(whole, stopped, "\(label), resumed after a stop")

                // (b) Half the run, then extended to the whole length.
                let half = folder("half")
                _ = try run(file, entry.name, steps: steps / 2, in: half, interval: steps / 3, log: steps / 4).run()
                let extended = try ResumedRun(folder: half, steps: steps)
                _ = try extended.run.run(resumingFrom: extended.checkpoint)
                try assertSameOutcome(whole, half, "\(label), extended")
            }
        }
        XCTAssertEqual(covered, Set(LearnerRegistry.all.map(\.name)))
    }

    /// A stopped run: `steps` of a discrete world, its folder with the checkpoints it wrote.
    func stoppedRun(steps: Int = 120) throws -> (folder: String, world: String) {
        let file = try world("discrete")
        let path = folder()
        _ = try run(file, "qmix", steps: steps, in: path, interval: 40, log: 30).run()
        try FileManager.default.removeItem(atPath: path + "/summary.json")
        return (path, file)
    }

    func resumeError(_ folder: String, previous: Bool = false) -> String {
        do {
            let resumed = try ResumedRun(folder: folder, previous: previous)
            _ = try resumed.run.run(resumingFrom: resumed.checkpoint)
            return ""
        } catch { return "\(error)" }
    }

    func testDamagedForeignAndNewerCheckpointsAreRefusedAndThePreviousOneIsOffered() throws {
        let (path, _) = try stoppedRun()
        let latest = path + "/" + CheckpointFile.latestName
        let good = try Data(contentsOf: URL(fileURLWithPath: latest))

        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: latest))
        var message = resumeError(path)
        XCTAssertTrue(message.contains("checkpoint.bin: the checkpoint is unusable: it is truncated"), message)
        XCTAssertTrue(message.contains("the previous checkpoint (step ") && message.contains("is intact: marl-sim resume \(path) --previous"), message)

        var flipped = good
        flipped[flipped.count / 2] ^= 0x10
        try flipped.write(to: URL(fileURLWithPath: latest))
        message = resumeError(path)
        XCTAssertTrue(message.contains("its checksum does not match its contents"), message)

        var newer = good
        newer[CheckpointFile.magic.count] = UInt8(CheckpointFile.format + 1)
        try newer.write(to: URL(fileURLWithPath: latest))
        message = resumeError(path)
        XCTAssertTrue(message.contains("the checkpoint has format \(CheckpointFile.format + 1), and this marl-sim reads format \(CheckpointFile.format) only (it was written by a newer marl-sim)"), message)

        // Another learner's checkpoint in this run's folder.
        let other = folder()
        _ = try run(try world("discrete"), "vdn", steps: 60, in: other, interval: 30, log: 30).run()
        try FileManager.default.removeItem(atPath: latest)
        try FileManager.default.copyItem(atPath: other + "/" + CheckpointFile.latestName, toPath: latest)
        message = resumeError(path)
        XCTAssertTrue(message.contains("the checkpoint belongs to another run (its learner is \"vdn\", config.json's is \"qmix\")"), message)

        // Not a checkpoint at all.
        try Data("hello".utf8).write(to: URL(fileURLWithPath: latest))
        message = resumeError(path)
        XCTAssertTrue(message.contains("it is not a marl-sim checkpoint"), message)

        // The previous one, as offered, still continues the run.
        XCTAssertEqual(resumeError(path, previous: true), "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "/summary.json"))
    }

    func testAChangedWorldFileAndAFinishedRunAreRefused() throws {
        let (path, file) = try stoppedRun()
        try (String(contentsOfFile: file, encoding: .utf8) + "\n-- edited\n").write(toFile: file, atomically: true, encoding: .utf8)
        let message = resumeError(path)
        XCTAssertTrue(message.contains("\(file): the world file changed since the run started"), message)

        let done = folder()
        _ = try run(try world("discrete"), "qmix", steps: 60, in: done, interval: 30, log: 30).run()
        let finished = resumeError(done)
        XCTAssertTrue(finished.contains("the run finished at step "), finished)
        XCTAssertTrue(finished.contains("pass --steps N"), finished)
    }

    /// A poisoned update stops the run naming the step and the tensor, saves no weights, and the last
    /// good checkpoint resumes (the fault gone) to the uninterrupted outcome.
    func testANaNStopsTheRunAndTheLastGoodCheckpointResumes() throws {
        let file = try world("discrete")
        let whole = folder()
        _ = try run(file, "qmix", steps: 200, in: whole, interval: 50, log: 50).run()
        let poisoned = folder()
        TrainingRun.poisonedUpdate = 12
        defer { TrainingRun.poisonedUpdate = nil }
        var message = ""
        do { _ = try run(file, "qmix", steps: 200, in: poisoned, interval: 50, log: 50).run() } catch { message = "\(error)" }
        TrainingRun.poisonedUpdate = nil
        XCTAssertTrue(message.contains("update 13"), message)
        XCTAssertTrue(message.contains("loss is nan") || message.contains("hold nan"), message)
        XCTAssertTrue(message.contains("the weights are not saved"), message)
        XCTAssertTrue(message.contains("the last good checkpoint is at step ") && message.contains("continues from it"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: poisoned + "/model.safetensors"))
        let summary = try JSONValue.parse(String(contentsOfFile: poisoned + "/summary.json", encoding: .utf8))
        XCTAssertEqual(summary["interrupted"], .bool(true))
        XCTAssertEqual(resumeError(poisoned), "")
        try assertSameOutcome(whole, poisoned, "resumed after the fault")
    }

    /// A disk that fills up while a checkpoint is written: one error, the last checkpoint untouched and
    /// no partial file; resume works once space is back. (/dev/full fails every write with ENOSPC.)
    func testAFullDiskKeepsTheLastCheckpointAndResumeWorksAfterwards() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full")
        let (path, _) = try stoppedRun()
        let latest = path + "/" + CheckpointFile.latestName
        let before = try Data(contentsOf: URL(fileURLWithPath: latest))
        let partial = path + "/." + CheckpointFile.latestName + ".partial"
        try FileManager.default.createSymbolicLink(atPath: partial, withDestinationPath: "/dev/full")
        let message = resumeError(path)
        XCTAssertTrue(message.contains("checkpoint.bin: cannot write the checkpoint (No space left on device); the last complete checkpoint is kept"), message)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: latest)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial))
        XCTAssertEqual(resumeError(path), "")
    }
}
