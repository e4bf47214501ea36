import Foundation
import XCTest

/// `marl-sim sweep` as a user meets it: a spec over a world written here and a bundled one, run on
/// local processes, stopped (Ctrl-C, and the sweep killed outright) and run again, and reported.
final class SweepCommandTests: XCTestCase {
    var scratch: String!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-sweep-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try signalWorld.write(toFile: scratch + "/signal.lua", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: scratch) }

    /// Agents that differ (observation sizes 3 and 1, 3 and 2 actions), no recommended settings.
    let signalWorld = """
        local t, target = 0, 1
        return {
          agents = 2, episode_limit = 4, observation_size = {3, 1}, actions = {{discrete = 3}, {discrete = 2}},
          reset = function(self) t = 0; target = math.random(3) end,
          observe = function(self, i, out)
            if i == 1 then for k = 1, 3 do out[k] = (k == target) and 1 or 0 end else out[1] = t / 4 end
          end,
          step = function(self, a)
            t = t + 1
            return ((a[1] == target) and 1 or 0) + ((a[2] == 2) and 0.5 or 0), t >= 4
          end,
        }
        """

    func spec(_ name: String, steps: Int, extra: String = "") throws -> String {
        let path = scratch + "/\(name).toml"
        try """
            seeds = 2
            settings = { steps = \(steps), log_interval = \(steps / 4), test_episodes = 8, replay_episodes = 0 }
            \(extra)
            [[experiment]]
            name = "signal"
            world = "\(scratch!)/signal.lua"
            learners = ["qmix", "hasac"]
            grid = { gamma = [0.9, 0.99] }

            [[experiment]]
            name = "nonmono"
            world = "envs/matrix/nonmono.lua"
            learner = "vdn"
            report.bins = { "(A,A)" = 8, trap = 0 }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func manifest(_ folder: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/sweep.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["runs"] as? [[String: Any]] ?? []
    }

    /// A run folder's bytes that must not depend on how the sweep ran: metrics.csv without its
    /// wall_seconds column, and the weights.
    func fingerprint(_ run: String) throws -> [String] {
        let lines = try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        let wall = lines.first?.split(separator: ",").firstIndex(of: "wall_seconds")
        let metrics = lines.map { line -> String in
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if let wall, wall < cells.count { cells.remove(at: wall) }
            return cells.joined(separator: ",")
        }
        let weights = try Data(contentsOf: URL(fileURLWithPath: run + "/model.safetensors"))
        return metrics + [weights.base64EncodedString()]
    }

    /// Whether a run of the sweep in `out` has finished and another is in its first half (its last
    /// metrics row logged at step 1000 or 2000 of 4000), so that a stop catches it mid-run.
    func underway(_ out: String) -> Bool {
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: out + "/runs")) ?? []
        let finished = runs.filter { FileManager.default.fileExists(atPath: "\(out)/runs/\($0)/summary.json") }
        let going = runs.filter { run in
            guard !finished.contains(run), let text = try? String(contentsOfFile: "\(out)/runs/\(run)/metrics.csv", encoding: .utf8),
                  let step = text.split(separator: "\n").last?.split(separator: ",").first.flatMap({ Int($0) }) else { return false }
            return (1000...2000).contains(step)
        }
        return !finished.isEmpty && !going.isEmpty
    }

    func testASweepRunsEveryRunOnceReportsItAndRunningItAgainStartsNothing() throws {
        let spec = try spec("small", steps: 600, extra: "keep_checkpoints = false")
        let out = scratch + "/small"
        // --only runs a part; the rest stays pending and the next command finishes it.
        let part = try runMarlSim(["sweep", spec, "--out", out, "--jobs", "2", "--only", "signal-hasac-*"], timeout: 300)
        XCTAssertEqual(part.status, 0, part.stderr + part.stdout)
        XCTAssertTrue(part.stdout.contains("sweep small: 10 runs (0 finished, 4 selected to run, 0 to resume)"), part.stdout)
        XCTAssertEqual(try manifest(out).compactMap { $0["status"] as? String }.sorted(), Array(repeating: "finished", count: 4) + Array(repeating: "pending", count: 6))
        let typo = try runMarlSim(["sweep", spec, "--out", out, "--only", "signal-hasca-*"], timeout: 60)
        XCTAssertEqual(typo.status, 1)
        XCTAssertTrue(typo.stderr.contains("--only signal-hasca-*: no run of") && typo.stderr.contains("--list"), typo.stderr)
        let first = try runMarlSim(["sweep", spec, "--out", out, "--jobs", "2"], timeout: 300)
        XCTAssertEqual(first.status, 0, first.stderr + first.stdout)
        XCTAssertTrue(first.stdout.contains("sweep small: 10 runs (4 finished, 0 to resume)"), first.stdout)
        XCTAssertEqual(first.stdout.components(separatedBy: "] started ").count - 1, 6, first.stdout)
        let runs = try manifest(out)
        XCTAssertEqual(runs.count, 10)
        XCTAssertEqual(Set(runs.compactMap { $0["status"] as? String }), ["finished"])
        XCTAssertEqual(Set(runs.compactMap { $0["sittings"] as? Int }), [1])
        for row in ["qmix gamma=0.9", "qmix gamma=0.99", "hasac gamma=0.9", "hasac gamma=0.99"] {
            XCTAssertTrue(first.stdout.contains("\n\(row)"), "row \(row) missing:\n\(first.stdout)")
        }
        XCTAssertTrue(first.stdout.contains("(A,A)") && first.stdout.contains("trap"), first.stdout)
        for file in ["report.md", "report.csv", "curves-signal.svg", "curves-nonmono.svg", "logs/signal-qmix-gamma=0.9-seed1.log",
                     "runs/signal-hasac-gamma=0.99-seed2/model.safetensors", "spec.toml"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let checkpoints = try FileManager.default.subpathsOfDirectory(atPath: out + "/runs").filter { $0.hasSuffix(".bin") }
        XCTAssertEqual(checkpoints, [], "keep_checkpoints = false: finished runs keep no checkpoint")
        let csv = try String(contentsOfFile: out + "/report.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 1 + 5)

        let again = try runMarlSim(["sweep", spec, "--out", out], timeout: 120)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("10 runs (10 finished, 0 to resume)") && !again.stdout.contains("started"), again.stdout)
        XCTAssertEqual(Set(try manifest(out).compactMap { $0["sittings"] as? Int }), [1], "no run ran twice")
        let report = try runMarlSim(["sweep", "--report", out], timeout: 120)
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertEqual(report.stdout.split(separator: "\n").filter { $0.hasPrefix("qmix") || $0.hasPrefix("hasac") || $0.hasPrefix("vdn") }.count, 5)
        // A copy of the folder whose working folder is gone (kept in a repository, moved to another
        // machine) reports from the current folder.
        let (kept, _) = try reportOfACopy(out, at: scratch + "/kept")
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertEqual(kept.stdout.split(separator: "\n").filter { $0.hasPrefix("qmix") || $0.hasPrefix("hasac") || $0.hasPrefix("vdn") }.count, 5)

        // A spec that changed under the folder is refused, naming the run.
        let changed = try self.spec("small", steps: 800)
        let refused = try runMarlSim(["sweep", changed, "--out", out], timeout: 60)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("was started as") && refused.stderr.contains("another --out"), refused.stderr)
    }

    func testAStoppedOrKilledSweepFinishesOnlyWhatIsMissingAndEndsAsAnUnstoppedOne() throws {
        let spec = try spec("long", steps: 4000, extra: "threads = 1")
        let reference = scratch + "/reference"
        let whole = try runMarlSim(["sweep", spec, "--out", reference, "--jobs", "2"], timeout: 600)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let names = try manifest(reference).compactMap { $0["name"] as? String }
        XCTAssertEqual(names.count, 10)

        for (signal, label) in [(SIGINT, "interrupted"), (SIGKILL, "killed")] {
            let out = scratch + "/" + label
            let process = Process()
            process.executableURL = Repository.binary
            process.arguments = ["sweep", spec, "--out", out, "--jobs", "2"]
            process.currentDirectoryURL = Repository.root
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Stop it once a run has finished and another is under way (logged past its first row).
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, !underway(out) { usleep(20_000) }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            if signal == SIGINT {
                XCTAssertEqual(process.terminationStatus, 130)
                let statuses = try manifest(out).compactMap { $0["status"] as? String }
                XCTAssertTrue(statuses.contains("interrupted") && statuses.contains("finished"), "\(statuses)")
            }
            // The same command again (after a kill it waits for the orphaned runs to write their checkpoints).
            let rerun = try runMarlSim(["sweep", spec, "--out", out, "--jobs", "2"], timeout: 600)
            XCTAssertEqual(rerun.status, 0, "\(label): \(rerun.stderr)\n\(rerun.stdout)")
            XCTAssertTrue(rerun.stdout.contains("resuming"), "\(label): nothing resumed\n\(rerun.stdout)")
            let runs = try manifest(out)
            XCTAssertEqual(runs.count, 10)
            XCTAssertEqual(Set(runs.compactMap { $0["status"] as? String }), ["finished"], label)
            XCTAssertTrue(runs.contains { $0["sittings"] as? Int == 2 }, "\(label): a resumed run counts its two sittings")
            for name in names {
                XCTAssertEqual(try fingerprint(out + "/runs/" + name), try fingerprint(reference + "/runs/" + name), "\(label): \(name) differs")
            }
            let csv = try String(contentsOfFile: out + "/report.csv", encoding: .utf8)
            XCTAssertEqual(csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[6] }, ["2", "2", "2", "2", "2"], "\(label): every run counted once\n\(csv)")
        }
    }

    /// `marl-sim sweep --report` of a copy of the sweep folder `folder` (the report writes its files
    /// there) whose recorded working folder is gone, as for a folder kept in a repository.
    func reportOfACopy(_ folder: String, at copy: String) throws -> (CommandResult, String) {
        try FileManager.default.copyItem(atPath: folder, toPath: copy)
        try "/nonexistent/checkout\n".write(toFile: copy + "/working-folder", atomically: true, encoding: .utf8)
        return (try runMarlSim(["sweep", "--report", copy], timeout: 120), copy)
    }

    /// The sweep folders kept in results/ stay readable: every kept run is reported as finished, from
    /// a copy (the report writes its files) in a folder other than the one the sweep ran in, and the
    /// report, its table and its figures come out byte for byte as kept.
    func testTheKeptResultsStillReport() throws {
        let results = Repository.root.appendingPathComponent("results").path
        let kept = try FileManager.default.contentsOfDirectory(atPath: results).filter {
            FileManager.default.fileExists(atPath: "\(results)/\($0)/sweep.json")
        }
        XCTAssertFalse(kept.isEmpty, "results/ keeps at least one sweep")
        for name in kept {
            let (report, copy) = try reportOfACopy("\(results)/\(name)", at: scratch + "/" + name)
            let runs = try FileManager.default.contentsOfDirectory(atPath: copy + "/runs")
            XCTAssertEqual(report.status, 0, "\(name): \(report.stderr)")
            let lines = try String(contentsOfFile: copy + "/report.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let column = try XCTUnwrap(lines.first?.firstIndex(of: "finished"))
            XCTAssertEqual(lines.dropFirst().compactMap { Int($0[column]) }.reduce(0, +), runs.count, "\(name): every kept run is finished\n\(report.stdout)")
            let written = try FileManager.default.contentsOfDirectory(atPath: "\(results)/\(name)").filter { $0.hasPrefix("report.") || $0.hasPrefix("curves-") }
            XCTAssertTrue(written.contains("report.md"), "\(name): no kept report.md")
            for file in written {
                XCTAssertEqual(FileManager.default.contents(atPath: "\(copy)/\(file)"), FileManager.default.contents(atPath: "\(results)/\(name)/\(file)"),
                               "\(name)/\(file): the report of the kept runs differs from the kept file (regenerate it: marl-sim sweep --report results/\(name))")
            }
        }
    }

    func testABrokenSpecFailsBeforeAnyRunStarts() throws {
        let spec = scratch + "/broken.toml"
        try "world = \"envs/matrix/nonmono.lua\"\nlearners = [\"qmix\"]\n[grid]\nlr = [0.001, -1]\n".write(toFile: spec, atomically: true, encoding: .utf8)
        let out = scratch + "/broken"
        let result = try runMarlSim(["sweep", spec, "--out", out], timeout: 60)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.exitedNormally)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(spec):4: setting 'lr' must be > 0, got -1"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is written for a broken spec")
        let missing = try runMarlSim(["sweep", scratch + "/nowhere.toml"], timeout: 60)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("nowhere.toml: no such sweep spec"), missing.stderr)
        let both = try runMarlSim(["sweep", spec, "--report", out], timeout: 60)
        XCTAssertEqual(both.status, 1)
        XCTAssertTrue(both.stderr.contains("not both"), both.stderr)
    }
}
