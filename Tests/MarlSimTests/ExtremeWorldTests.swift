import Foundation
import XCTest

/// Legal but extreme worlds, written here: every command ends within 30 s with exit 0 or one clear
/// error (exit 1) — never a signal, a trap or a hang.
final class ExtremeWorldTests: XCTestCase {
    func world(_ name: String, _ source: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-extreme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("\(name).lua").path
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func assertOneClearError(_ result: CommandResult, contains expected: [String], _ label: String) {
        XCTAssertTrue(result.exitedNormally, "\(label): ended by a signal or timed out (\(result.seconds) s)\n\(result.stderr)")
        XCTAssertEqual(result.status, 1, "\(label)\n\(result.stderr)")
        XCTAssertEqual(result.stderr.components(separatedBy: "error: ").count - 1, 1, "\(label): one error\n\(result.stderr)")
        for text in expected { XCTAssertTrue(result.stderr.contains(text), "\(label): no '\(text)' in\n\(result.stderr)") }
    }

    /// A step stuck inside `string.find` (a pattern that backtracks for minutes) never returns to the
    /// Lua VM, so the stop hook cannot fire: the watchdog ends the command after its grace period, with
    /// the file and the rule, and a training run records the stop in summary.json.
    func testACallStuckInACFunctionEndsTheCommandWithOneError() throws {
        // Healthy for four episodes per instance (the memory estimate's random play takes three),
        // then stuck: training has begun when it hangs.
        let file = try world("backtracking", """
            local text = string.rep("a", 60000)
            local episodes = 0
            return {
              agents = 2, actions = {discrete = 3}, observation_size = 2, episode_limit = 10,
              reset = function(self) episodes = episodes + 1 end,
              observe = function(self, i, out) out[1] = 0; out[2] = i end,
              step = function(self, actions)
                if episodes <= 4 then return 0, false end
                return string.find(text, ".-.-.-.-.-.-.-.-.-x") and 1 or 0, false
              end,
            }
            """)
        let expected = [file, "inside a C library function", "rule: every call into the world finishes within the time budget (300 ms)"]
        assertOneClearError(try runMarlSim(["check", file, "--time-budget", "300"]), contains: expected, "check")
        assertOneClearError(try runMarlSim(["rollout", file, "--time-budget", "300"]), contains: expected, "rollout")
        for learner in ["qmix", "hasac"] {
            let out = (file as NSString).deletingLastPathComponent + "/run-\(learner)"
            let result = try runMarlSim([file, "--algo", learner, "--steps", "500", "--time-budget", "300", "--out", out])
            assertOneClearError(result, contains: expected + ["training stopped at step "], learner)
            let summary = try String(contentsOfFile: out + "/summary.json", encoding: .utf8)
            XCTAssertTrue(summary.contains("\"interrupted\":true") && summary.contains("inside a C library function"), summary)
        }
    }
}

extension ExtremeWorldTests {
    /// Sizes at the contract's bounds or far past what a laptop holds, an endless recursion: `check`,
    /// `rollout` and training with every learner that takes the team each end within 30 s with exit 0
    /// or one error, never a signal; the largest child stays under the memory limit given.
    func testLegalButExtremeWorldsEndCleanlyWithEveryCommand() throws {
        let corpus = [
            ("agents", "return {agents = 4096, actions = {discrete = 5}, observation_size = 20, episode_limit = 25, reset = function(self) end, observe = function(self, i, out) for k = 1, 20 do out[k] = k end end, step = function(self, a) return 0, false end}"),
            ("actions", "return {agents = 3, actions = {discrete = 1000000}, observation_size = 4, episode_limit = 25, reset = function(self) end, observe = function(self, i, out) for k = 1, 4 do out[k] = k end end, step = function(self, a) return 0, false end}"),
            ("continuous", "return {agents = 2, actions = {continuous = 4096}, observation_size = 3, episode_limit = 25, reset = function(self) end, observe = function(self, i, out) for k = 1, 3 do out[k] = k end end, step = function(self, a) return 0, false end}"),
            ("observation", "return {agents = 2, actions = {discrete = 4}, observation_size = 1000000, episode_limit = 5, reset = function(self) end, observe = function(self, i, out) for k = 1, 1000000 do out[k] = 0 end end, step = function(self, a) return 0, true end}"),
            ("limit", "local t = 0 return {agents = 2, actions = {discrete = 4}, observation_size = 3, episode_limit = 100000000, reset = function(self) t = 0 end, observe = function(self, i, out) out[1] = t % 7; out[2] = i; out[3] = 1 end, step = function(self, a) t = t + 1 return 1, t >= 20 end}"),
            ("recursion", "local function deeper(n) return deeper(n + 1) + 1 end return {agents = 2, actions = {discrete = 3}, observation_size = 2, episode_limit = 10, reset = function(self) end, observe = function(self, i, out) out[1] = 0; out[2] = 1 end, step = function(self, a) return deeper(1), false end}"),
        ]
        let learners = ["qmix", "vdn", "soft-qmix", "fsv", "hasac", "masac", "vm3-ac", "qmix-ddpg", "vdn-ddpg", "ader", "ser-marl"]
        for (name, source) in corpus {
            let file = try world(name, source)
            let folder = (file as NSString).deletingLastPathComponent
            var results = [("check", try runMarlSim(["check", file])), ("rollout", try runMarlSim(["rollout", file, "--episodes", "3"]))]
            for learner in learners {
                results.append((learner, try runMarlSim([file, "--algo", learner, "--steps", "300", "--set", "memory_limit_gib=2",
                                                         "--set", "replay_episodes=0", "--out", folder + "/run-\(learner)"])))
            }
            for (command, result) in results {
                let label = "\(command) on the \(name) world"
                XCTAssertTrue(result.exitedNormally, "\(label): a signal or a hang (\(result.seconds) s)\n\(result.stderr.suffix(2000))")
                XCTAssertTrue(result.status == 0 || result.status == 1, "\(label): exit \(result.status)")
                if result.status == 1 {
                    XCTAssertEqual(result.stderr.components(separatedBy: "error: ").count - 1, 1, "\(label): one error\n\(result.stderr.suffix(2000))")
                    XCTAssertTrue(result.stderr.contains("rule: "), "\(label)\n\(result.stderr.suffix(2000))")
                }
            }
        }
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        XCTAssertLessThan(usage.ru_maxrss, 2 * 1_048_576, "the largest child's resident memory, in KiB")
    }
}
