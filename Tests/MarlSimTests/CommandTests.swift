import Common
import Foundation
import XCTest

final class CommandTests: XCTestCase {
    func testCheckPassesOnEveryBundledWorld() throws {
        let list = try runMarlSim(["list"])
        let worlds = list.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasSuffix(".lua") }
        XCTAssertGreaterThanOrEqual(worlds.count, 5, list.stdout)
        for world in worlds {
            let result = try runMarlSim(["check", world])
            XCTAssertEqual(result.status, 0, "\(world)\n\(result.stdout)\n\(result.stderr)")
            XCTAssertTrue(result.stdout.contains("ok: \(world) keeps the world contract"), result.stdout)
        }
    }

    func testRolloutIsReproducibleAndSeedDependent() throws {
        let a = try runMarlSim(["rollout", "envs/matrix/nonmono.lua", "--seed", "3", "--episodes", "200"])
        let b = try runMarlSim(["rollout", "envs/matrix/nonmono.lua", "--seed", "3", "--episodes", "200"])
        let twoThreads = try runMarlSim(["rollout", "envs/matrix/nonmono.lua", "--seed", "3", "--episodes", "200", "--threads", "2"])
        let other = try runMarlSim(["rollout", "envs/matrix/nonmono.lua", "--seed", "4", "--episodes", "200"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertEqual(a.stdout, twoThreads.stdout, "the thread count must not change results")
        XCTAssertNotEqual(a.stdout.split(separator: "\n")[1], other.stdout.split(separator: "\n")[1])
        // A uniformly random joint action of the 3x3 game pays (8 - 12 * 4) / 9 = -4.44 on average.
        let mean = Double(a.stdout.split(separator: "\n")[1].split(separator: " ", omittingEmptySubsequences: true)[2])!
        XCTAssertEqual(mean, -40.0 / 9.0, accuracy: 1.5)
    }

    func testRolloutPlaysTheWorldsScriptedPolicy() throws {
        let scripted = try runMarlSim(["rollout", "envs/speaker_listener.lua", "--policy", "scripted", "--episodes", "200"])
        XCTAssertEqual(scripted.status, 0, scripted.stderr)
        XCTAssertTrue(scripted.stdout.hasPrefix("rollout  envs/speaker_listener.lua  scripted policy, 200 episodes"), scripted.stdout)
        let random = try runMarlSim(["rollout", "envs/speaker_listener.lua", "--episodes", "200"])
        func mean(_ result: CommandResult) -> Double {
            Double(result.stdout.split(separator: "\n")[1].split(separator: " ", omittingEmptySubsequences: true)[2]) ?? .nan
        }
        XCTAssertGreaterThan(mean(scripted), mean(random) + 20, "\(scripted.stdout)\n\(random.stdout)")

        let without = try runMarlSim(["rollout", "envs/matrix/nonmono.lua", "--policy", "scripted"])
        assertCleanFailure(without, "a world without scripted_action")
        XCTAssertTrue(without.stderr.hasPrefix("error: envs/matrix/nonmono.lua: the world has no scripted_action function"), without.stderr)
    }

    func testTraceFollowsGivenActionsAndRestores() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-trace-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let actions = scratch.appendingPathComponent("actions.json")
        try "[[2, 1], [2, 2]]".write(to: actions, atomically: true, encoding: .utf8)
        let result = try runMarlSim(["trace", "envs/matrix/two_step.lua", "--actions", actions.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0]["t"], .int(0))
        XCTAssertEqual(lines[0]["observations"], .array([.array([1.0, 0, 0, 0].map(JSONValue.double)), .array([1.0, 0, 0, 0].map(JSONValue.double))]))
        XCTAssertEqual(lines[1]["actions"], .array([.int(2), .int(1)]))
        XCTAssertEqual(lines[1]["snapshot"], .object([("stage", .string("B"))]))
        XCTAssertEqual(lines[2]["reward"], .double(8))
        XCTAssertEqual(lines[2]["terminated"], .bool(true))

        let restore = scratch.appendingPathComponent("state.json")
        try #"{"stage": "A"}"#.write(to: restore, atomically: true, encoding: .utf8)
        try "[[1, 1]]".write(to: actions, atomically: true, encoding: .utf8)
        let restored = try runMarlSim(["trace", "envs/matrix/two_step.lua", "--restore", restore.path, "--actions", actions.path])
        let second = try JSONValue.parse(String(restored.stdout.split(separator: "\n")[1]))
        XCTAssertEqual(second["reward"], .double(7), restored.stdout)
    }

    func testTraceWithoutActionsIsSeededRandom() throws {
        let a = try runMarlSim(["trace", "envs/surfaces/quadratics.lua", "--seed", "5"])
        let b = try runMarlSim(["trace", "envs/surfaces/quadratics.lua", "--seed", "5"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertEqual(a.stdout.split(separator: "\n").count, 2)
    }

    func testBadInputsFailCleanly() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-bad-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let notJSON = scratch.appendingPathComponent("actions.json")
        try "[[1, 1],\n [2, oops]]".write(to: notJSON, atomically: true, encoding: .utf8)
        let badJSON = try runMarlSim(["trace", "envs/matrix/two_step.lua", "--actions", notJSON.path])
        XCTAssertEqual(badJSON.status, 1)
        XCTAssertTrue(badJSON.stderr.hasPrefix("error: \(notJSON.path):2: not valid JSON"), badJSON.stderr)

        try "[[1, 7]]".write(to: notJSON, atomically: true, encoding: .utf8)
        let outOfRange = try runMarlSim(["trace", "envs/matrix/two_step.lua", "--actions", notJSON.path])
        XCTAssertEqual(outOfRange.status, 1)
        XCTAssertTrue(outOfRange.stderr.contains("step 1, agent 2: expected an action id 1..2, got 7"), outOfRange.stderr)

        let missing = try runMarlSim(["check", "envs/no_such_world.lua"])
        assertCleanFailure(missing, "missing file")
        XCTAssertTrue(missing.stderr.hasPrefix("error: envs/no_such_world.lua: there is no world file"), missing.stderr)

        let unknownOption = try runMarlSim(["check", "envs/matrix/nonmono.lua", "--env", "colour=red"])
        assertCleanFailure(unknownOption, "unknown option")
        XCTAssertTrue(unknownOption.stderr.contains("unknown option 'colour'; this world's options are payoff"), unknownOption.stderr)

        let badOptionValue = try runMarlSim(["check", "envs/matrix/nonmono.lua", "--env", "payoff=hard"])
        assertCleanFailure(badOptionValue, "bad option value")
        XCTAssertTrue(badOptionValue.stderr.hasPrefix("error: envs/matrix/nonmono.lua:"), badOptionValue.stderr)
        XCTAssertTrue(badOptionValue.stderr.contains("option 'payoff' must be one of qtran, easy, got 'hard'"), badOptionValue.stderr)

        let badFlag = try runMarlSim(["rollout", "envs/matrix/nonmono.lua", "--episodes", "0"])
        XCTAssertNotEqual(badFlag.status, 0)
        XCTAssertTrue(badFlag.exitedNormally)
        XCTAssertTrue(badFlag.stderr.contains("--episodes must be at least 1"), badFlag.stderr)
    }

    func testEasyPayoffOptionChangesTheGame() throws {
        let result = try runMarlSim(["trace", "envs/matrix/nonmono.lua", "--env", "payoff=easy", "--seed", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let step = try JSONValue.parse(String(result.stdout.split(separator: "\n")[1]))
        guard case let .array(actions) = step["actions"]!, case let .int(a1) = actions[0], case let .int(a2) = actions[1],
              case let .double(reward) = step["reward"]! else { return XCTFail(result.stdout) }
        let easy = [[12, -0.1, -0.1], [-0.1, 0, 0], [-0.1, 0, 0]]
        XCTAssertEqual(reward, easy[Int(a1) - 1][Int(a2) - 1])
    }

    func testBenchLearnersPrintsTheUpdateAgainstItsGEMMFloor() throws {
        let result = try runMarlSim(["bench", "learners", "--only", "qmix_spread", "--seconds", "0.05", "--threads", "1"], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try XCTUnwrap(result.stdout.split(separator: "\n").last.map(String.init))
        XCTAssertNotNil(line.range(of: #"^workload=qmix_spread us_per_update=[0-9]+ us_per_step=[0-9.]+ gemm_mflop=[0-9.]+ floor_us=[0-9]+ ratio=[0-9.]+ threads=1$"#,
                                   options: .regularExpression), line)
        let wrong = try runMarlSim(["bench", "learners", "--threads", "65"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssert(wrong.stderr.contains("--threads must be in 0...64"), wrong.stderr)
    }

    func testBenchWorldsPrintsWorkloadLines() throws {
        let result = try runMarlSim(["bench", "worlds", "--only", "two_step", "--seconds", "0.05"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, result.stdout)
        XCTAssertTrue(lines[0].hasPrefix("workload=two_step steps_per_s="), result.stdout)
        XCTAssertTrue(lines[1].hasPrefix("workload=two_step_t2 steps_per_s="), result.stdout)
    }
}

final class TrainingCommandTests: XCTestCase {
    func testInterruptedRunLeavesACompleteFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-interrupt-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = Repository.binary
        process.arguments = ["envs/matrix/nonmono.lua", "--algo", "qmix", "--steps", "100000000", "--set", "log_interval=2000", "--out", folder]
        process.currentDirectoryURL = Repository.root
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        // Wait until the run has logged a few rows, then press Ctrl-C.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let rows = (try? String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8))?.split(separator: "\n").count ?? 0
            if rows >= 3 { break }
            usleep(100_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 130)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, ["checkpoint.bin", "checkpoint.previous.bin", "config.json", "curve.svg", "metrics.csv", "model.safetensors",
                               "replay.html", "summary.json", "tb"])
        let summary = try JSONValue.parse(String(contentsOfFile: folder + "/summary.json", encoding: .utf8))
        XCTAssertEqual(summary["interrupted"], .bool(true))
        let stdout = String(decoding: (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(stdout.contains("continue it with: marl-sim resume \(folder)"), stdout)
        let csv = try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(rows.count, 3)
        for row in rows { XCTAssertEqual(row.split(separator: ",", omittingEmptySubsequences: false).count, rows[0].split(separator: ",").count) }
    }

    func testReplayAndCurvesReadARunFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-replay-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trained = try runMarlSim(["envs/matrix/nonmono.lua", "--algo", "qmix", "--steps", "600", "--out", folder])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let written = try String(contentsOfFile: folder + "/replay.html", encoding: .utf8)
        let again = try runMarlSim(["replay", folder, "--out", folder + "/again.html"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.hasPrefix("3 episodes (returns "), again.stdout)
        XCTAssertEqual(try String(contentsOfFile: folder + "/again.html", encoding: .utf8), written)

        // --out replaces an earlier replay page, never another file.
        XCTAssertEqual(try runMarlSim(["replay", folder, "--out", folder + "/again.html"]).status, 0)
        let refused = try runMarlSim(["replay", folder, "--out", folder + "/config.json"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("config.json: exists and is not a replay page this command wrote"), refused.stderr)
        XCTAssertTrue(try String(contentsOfFile: folder + "/config.json", encoding: .utf8).hasPrefix("{"), "config.json is untouched")

        let random = try runMarlSim(["replay", "envs/hpp.lua", "--episodes", "1", "--out", folder + "/random.html"])
        XCTAssertEqual(random.status, 0, random.stderr)
        XCTAssertTrue(try String(contentsOfFile: folder + "/random.html", encoding: .utf8).contains("random play on envs/hpp.lua"))

        let curves = try runMarlSim(["curves", folder, folder, "--out", folder + "/curves.svg"])
        XCTAssertEqual(curves.status, 0, curves.stderr)
        XCTAssertEqual(curves.stdout, "1 curve from 2 runs → \(folder)/curves.svg\n")
        XCTAssertTrue(try String(contentsOfFile: folder + "/curves.svg", encoding: .utf8).contains("qmix (2 runs)"))

        for (arguments, expected) in [(["curves", folder, "--metric", "test_won_mean"], "metrics.csv: no column 'test_won_mean'; columns: "),
                                      (["curves", "Tests"], "Tests: not a run folder"),
                                      (["replay", "nowhere"], "nowhere: no such run folder or world file"),
                                      (["replay", folder, "--env", "payoff=easy"], "--env applies to a world file"),
                                      (["replay", "Tests"], "Tests: not a run folder"),
                                      (["replay", folder, "--episodes", "0"], "--episodes must be at least 1")] {
            let result = try runMarlSim(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): a wrong value is an error like the others")
            XCTAssertTrue(result.exitedNormally)
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }

    /// QMIX falls into the 3×3 game's relative-overgeneralization trap: its greedy team earns exactly
    /// 0 in every episode, so eval's mean, spread and interval are all 0.
    func testEvalSummarisesATrainedTeamsReturns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-eval-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trained = try runMarlSim(["envs/matrix/nonmono.lua", "--algo", "qmix", "--out", folder])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let text = try runMarlSim(["eval", folder, "--episodes", "50"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("qmix on envs/matrix/nonmono.lua, greedy, 50 episodes, world seed 1"), text.stdout)
        XCTAssertTrue(text.stdout.contains("return   mean 0  std 0  95% interval [0, 0]  min 0  max 0"), text.stdout)
        let variant = try runMarlSim(["eval", folder, "--episodes", "20", "--env", "payoff=easy"])
        XCTAssertEqual(variant.status, 0, variant.stderr)
        XCTAssertTrue(variant.stdout.contains("qmix on envs/matrix/nonmono.lua (payoff=easy), greedy, 20 episodes"), variant.stdout)
        XCTAssertTrue(variant.stdout.contains("return   mean 0  std 0"), "a B/C pair earns 0 in the easy payoff too\n\(variant.stdout)")
        let json = try runMarlSim(["eval", folder, "--episodes", "8", "--stochastic", "--json", "--seed", "3"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let parsed = try JSONValue.parse(json.stdout)
        XCTAssertEqual(parsed["mode"], .string("stochastic"))
        guard case let .array(returns)? = parsed["returns"] else { return XCTFail(json.stdout) }
        XCTAssertEqual(returns.count, 8)
        XCTAssertEqual(try runMarlSim(["eval", folder, "--episodes", "8", "--stochastic", "--json", "--seed", "3"]).stdout, json.stdout,
                       "seeded: the same text again")
        for (arguments, expected) in [(["eval", "nowhere"], "nowhere: not a run folder"),
                                      (["eval", folder, "--env", "payoff=hard"], "option 'payoff' must be one of qtran, easy, got 'hard'"),
                                      (["eval", folder, "--episodes", "0"], "--episodes must be at least 1")] {
            let result = try runMarlSim(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }

    /// Mistakes that used to pass silently: a world settings key no learner has, an option value of
    /// the wrong kind, and a world without render (no replay, said at the start).
    func testSilentMistakesAreNamed() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-silent-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let world = scratch + "/plain.lua"
        try """
        return function(options)
          local radius = options.radius or 0.5
          return {
            options = {radius = {default = 0.5, help = "a number"}, loud = {default = "false", help = "true or false"}},
            agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 2,
            reset = function(self) end,
            observe = function(self, i, out) out[1] = 0 end,
            step = function(self, a) return a[1] == 2 and 1 or 0, false end,
          }
        end
        """.write(toFile: world, atomically: true, encoding: .utf8)
        for (arguments, expected) in [([world, "--env", "radius=abc"], "option 'radius' takes a number (its default is 0.5), got 'abc'"),
                                      ([world, "--env", "loud=yes"], "option 'loud' must be one of true, false, got 'yes'"),
                                      ([world, "--env", "radus=1"], "unknown option 'radus' (did you mean radius?)"),
                                      (["Tests/MarlSimTests/Fixtures/broken/settings_unknown_key.lua", "--algo", "vdn"],
                                       "settings.qmix.lambda = 0.6: qmix has no setting 'lambda' (did you mean td_lambda?)")] {
            let result = try runMarlSim(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
        let trained = try runMarlSim([world, "--algo", "vdn", "--steps", "40", "--set", "batch_size=2", "--out", scratch + "/run"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("note: \(world) has no render function, so this run writes no replay.html"), trained.stdout)
    }

    func testABrokenRenderFailsTheRunCleanlyAfterSavingEverythingElse() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-render-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let world = "Tests/MarlSimTests/Fixtures/broken/render_bad_radius.lua"
        let result = try runMarlSim([world, "--algo", "qmix", "--steps", "200", "--set", "log_interval=100", "--out", folder])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.exitedNormally)
        XCTAssertTrue(result.stdout.contains("done after 200 steps") && result.stdout.contains("replay.html not written"), result.stdout)
        XCTAssertTrue(result.stderr.contains("error: \(world):13: in render: draw:circle: r must be a finite number"), result.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, ["checkpoint.bin", "checkpoint.previous.bin", "config.json", "curve.svg", "metrics.csv", "model.safetensors", "summary.json", "tb"])
    }

    /// A run whose losses blow up fails instead of reporting success with NaN weights, and a folder
    /// left by a run that failed to start (only its config.json) does not block `--out`.
    func testADivergedRunFailsAndAFailedStartDoesNotBlockItsFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-diverged-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let diverged = try runMarlSim(["envs/matrix/nonmono.lua", "--algo", "qmix", "--set", "lr=1e10", "--steps", "5000", "--out", folder])
        XCTAssertEqual(diverged.status, 1)
        XCTAssertTrue(diverged.stderr.contains("training stopped at step ") && diverged.stderr.contains("loss is "), diverged.stderr)
        XCTAssertTrue(diverged.stderr.contains("the weights are not saved"), diverged.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/model.safetensors"))
        XCTAssertEqual(try runMarlSim(["replay", folder]).status, 1, "no weights to replay")

        try FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "{}".write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
        let again = try runMarlSim(["envs/matrix/nonmono.lua", "--algo", "qmix", "--steps", "300", "--out", folder])
        XCTAssertEqual(again.status, 0, again.stderr)
    }

    func testUnknownSettingAndLearnerAreClearErrors() throws {
        let badKey = try runMarlSim(["envs/matrix/nonmono.lua", "--algo", "vdn", "--set", "batch=3"])
        XCTAssertEqual(badKey.status, 1)
        XCTAssertTrue(badKey.stderr.contains("unknown setting 'batch' (did you mean batch_size?); valid settings:"), badKey.stderr)
        let badAlgo = try runMarlSim(["envs/matrix/nonmono.lua", "--algo", "dqn"])
        XCTAssertEqual(badAlgo.status, 1)
        XCTAssertTrue(badAlgo.stderr.contains("unknown learner 'dqn' (did you mean vdn?); learners: qmix, vdn, soft-qmix, fsv, hasac"), badAlgo.stderr)
        let continuous = try runMarlSim(["envs/surfaces/quadratics.lua", "--algo", "qmix"])
        XCTAssertEqual(continuous.status, 1)
        XCTAssertTrue(continuous.stderr.contains("quadratics.lua: qmix handles discrete actions; this world's agents act continuously "
                                                 + "(agents 1, 2: observation 1, continuous(1)); learners that can: fsv, hasac"), continuous.stderr)
        let mixed = try runMarlSim(["envs/spotter.lua", "--algo", "vdn"])
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stderr.contains("spotter.lua: vdn cannot train a mixed team (agent 1 acts discretely, agent 2 acts continuously); "
                                            + "learners that can: hasac, masac"), mixed.stderr)
    }
}
