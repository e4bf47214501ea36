import Foundation
import XCTest

/// Settings with types and ranges, the settings table, config files and declared world options, as
/// a user meets them on the command line.
final class WorkbenchTests: XCTestCase {
    var scratch: String!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-workbench-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// A world nobody tuned for, declaring its options once: the host applies the defaults and
    /// converts --env values to the defaults' types (the world refuses anything else itself).
    let declaredWorld = """
        return {
          options = {
            size = {default = 3, help = "observation values"},
            radius = {default = 0.5, help = "a number"},
            loud = {default = false, help = "a flag"},
            mode = {default = "calm", choices = {"calm", "wild"}, help = "a choice"},
          },
          build = function(options)
            assert(math.type(options.size) == "integer", "size arrived as " .. tostring(options.size))
            assert(type(options.radius) == "number" and type(options.loud) == "boolean", "radius or loud of the wrong type")
            assert(options.mode == "calm" or options.mode == "wild", "mode arrived as " .. tostring(options.mode))
            return {
              agents = 2, actions = {discrete = options.loud and 3 or 2}, observation_size = options.size, episode_limit = 3,
              reset = function(self) end,
              observe = function(self, i, out) for k = 1, options.size do out[k] = options.radius end end,
              step = function(self, a) return a[1] == 2 and 1 or 0, false end,
            }
          end,
        }
        """

    func testOutOfRangeSettingsAndWrongOptionsNameTheKeyTheValueAndWhatIsAllowed() throws {
        let world = scratch + "/declared.lua"
        try declaredWorld.write(toFile: world, atomically: true, encoding: .utf8)
        let game = "envs/matrix/nonmono.lua"
        for (arguments, expected) in [
            ([game, "--algo", "qmix", "--set", "lr=-1"], "setting 'lr' must be > 0, got -1"),
            ([game, "--algo", "qmix", "--set", "gamma=1.5"], "setting 'gamma' must be in [0, 1], got 1.5"),
            ([game, "--algo", "qmix", "--set", "batch_size=0"], "setting 'batch_size' must be ≥ 1, got 0"),
            ([game, "--algo", "hasac", "--set", "polyak=0"], "setting 'polyak' must be in (0, 1], got 0"),
            ([world, "--algo", "vdn", "--env", "radius=abc"], "option 'radius' takes a number (its default is 0.5), got 'abc'"),
            ([world, "--algo", "vdn", "--env", "size=2.5"], "option 'size' takes a whole number (its default is 3), got '2.5'"),
            ([world, "--algo", "vdn", "--env", "loud=maybe"], "option 'loud' takes true or false (its default is false), got 'maybe'"),
            ([world, "--algo", "vdn", "--env", "mode=mild"], "option 'mode' must be one of calm, wild, got 'mild'"),
            (["check", world, "--env", "sise=4"], "unknown option 'sise' (did you mean size?)"),
        ] {
            let result = try runMarlSim(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertTrue(result.exitedNormally, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
        // The defaults arrive without --env, and a given value arrives converted to the default's type.
        for env in [[], ["--env", "size=5", "--env", "loud=true", "--env", "radius=2", "--env", "mode=wild"]] {
            let checked = try runMarlSim(["check", world] + env)
            XCTAssertEqual(checked.status, 0, "\(env): \(checked.stderr)")
            XCTAssertTrue(checked.stdout.contains("observe    \(env.isEmpty ? 3 : 5) values per agent"), checked.stdout)
            XCTAssertTrue(checked.stdout.contains("discrete(\(env.isEmpty ? 2 : 3)) per agent"), checked.stdout)
        }
    }

    func testHelpSettingsPrintsTheTableAndOldNamesStillWorkWithAWarning() throws {
        let table = try runMarlSim(["help", "settings", "hasac"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertEqual(table.stdout, try runMarlSim(["settings", "hasac"]).stdout)
        for line in ["hasac (discrete and continuous actions)", "name", "type", "default", "allowed",
                     "gamma ", "number", "[0, 1]", "hidden ", "integer", "discrete_target_entropy", "scaled | available | harl-legacy",
                     "steps ", "≥ 1"] {
            XCTAssertTrue(table.stdout.contains(line), "missing \(line)\n\(table.stdout)")
        }
        let unknown = try runMarlSim(["help", "settings", "hasca"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("unknown learner 'hasca' (did you mean hasac?)"), unknown.stderr)

        let renamed = try runMarlSim(["envs/matrix/nonmono.lua", "--algo", "ader", "--steps", "60", "--set", "mixer_embed=8",
                                      "--set", "batch_size=2", "--set", "replay_episodes=0", "--out", scratch + "/renamed"])
        XCTAssertEqual(renamed.status, 0, renamed.stderr)
        XCTAssertTrue(renamed.stderr.contains("warning: --set: setting 'mixer_embed' is now called 'mixing_embed'"), renamed.stderr)
        let config = try String(contentsOfFile: scratch + "/renamed/config.json", encoding: .utf8)
        XCTAssertTrue(config.contains("\"mixing_embed\":8") && !config.contains("mixer_embed"), config)
    }

    /// Rerunning from a run's config.json reproduces its metrics (but wall time) and weights byte for
    /// byte; a YAML config is the same layer; --set still wins over a config file.
    func testAConfigFileRerunsARunExactly() throws {
        let game = "envs/matrix/nonmono.lua"
        let first = try runMarlSim([game, "--algo", "qmix", "--seed", "4", "--steps", "3000", "--set", "log_interval=500",
                                    "--out", scratch + "/first"], timeout: 120)
        XCTAssertEqual(first.status, 0, first.stderr)
        let again = try runMarlSim([game, "--config", scratch + "/first/config.json", "--out", scratch + "/again"], timeout: 120)
        XCTAssertEqual(again.status, 0, again.stderr)
        try """
            # the same run as a YAML config
            learner: qmix
            seed: 4
            settings:
              steps: 3000
              log_interval: 500
            """.write(toFile: scratch + "/run.yaml", atomically: true, encoding: .utf8)
        let yaml = try runMarlSim([game, "--config", scratch + "/run.yaml", "--out", scratch + "/yaml"], timeout: 120)
        XCTAssertEqual(yaml.status, 0, yaml.stderr)
        try """
            # the same run as a TOML config
            learner = "qmix"
            seed = 4
            [settings]
            steps = 3_000
            log_interval = 500
            """.write(toFile: scratch + "/run.toml", atomically: true, encoding: .utf8)
        let toml = try runMarlSim([game, "--config", scratch + "/run.toml", "--out", scratch + "/toml"], timeout: 120)
        XCTAssertEqual(toml.status, 0, toml.stderr)
        for folder in ["again", "yaml", "toml"] {
            XCTAssertEqual(try metricsWithoutWallTime(scratch + "/" + folder), try metricsWithoutWallTime(scratch + "/first"), folder)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: scratch + "/\(folder)/model.safetensors")),
                           try Data(contentsOf: URL(fileURLWithPath: scratch + "/first/model.safetensors")), folder)
        }
        let config = try String(contentsOfFile: scratch + "/yaml/config.json", encoding: .utf8)
        XCTAssertTrue(config.contains("\"steps\":\"\(scratch!)/run.yaml\""), config)

        let overridden = try runMarlSim([game, "--config", scratch + "/run.yaml", "--set", "steps=1000", "--out", scratch + "/over"])
        XCTAssertEqual(overridden.status, 0, overridden.stderr)
        XCTAssertTrue(overridden.stdout.contains("1000 steps"), overridden.stdout)

        try "learner: qmix\nsettngs:\n  lr: 0.1\n".write(toFile: scratch + "/typo.yaml", atomically: true, encoding: .utf8)
        try "learner: qmix\nsettings:\n  lr: -0.1\n".write(toFile: scratch + "/range.yaml", atomically: true, encoding: .utf8)
        try "learner: [qmix\n".write(toFile: scratch + "/broken.yaml", atomically: true, encoding: .utf8)
        try "learner = \"qmix\"\n[settings]\nlr = 0.1\nlr = 0.2\n".write(toFile: scratch + "/twice.toml", atomically: true, encoding: .utf8)
        for (name, expected) in [("typo.yaml", "typo.yaml:2: unknown field 'settngs' (did you mean settings?)"),
                                 ("range.yaml", "range.yaml: setting 'lr' must be > 0, got -0.1"),
                                 ("broken.yaml", "broken.yaml: not valid YAML"),
                                 ("twice.toml", "twice.toml:4: not valid TOML: 'lr' is given twice (first at line 3)"),
                                 ("missing.yaml", "missing.yaml: no such config file")] {
            let result = try runMarlSim([game, "--config", scratch + "/" + name, "--out", scratch + "/never"])
            XCTAssertEqual(result.status, 1, name)
            XCTAssertTrue(result.stderr.contains(expected), "\(name): \(result.stderr)")
        }
    }

    func metricsWithoutWallTime(_ folder: String) throws -> [[Substring]] {
        let rows = try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let wall = try XCTUnwrap(rows.first?.firstIndex(of: "wall_seconds"))
        return rows.map { row in row.enumerated().filter { $0.offset != wall }.map(\.element) }
    }

    /// qmix and vdn seeds 1–2 that logged at different steps: both lines drawn, random play dashed,
    /// an interrupted run counted in its legend entry.
    func testCurvesDrawEveryLearnerOnACommonGridWithABaseline() throws {
        var folders: [String] = []
        for (learner, seed, interval) in [("qmix", 1, 96), ("qmix", 2, 104), ("vdn", 1, 88), ("vdn", 2, 120)] {
            let folder = scratch + "/\(learner)-\(seed)"
            let result = try runMarlSim(["envs/matrix/nonmono.lua", "--algo", learner, "--seed", "\(seed)", "--steps", "600",
                                         "--set", "log_interval=\(interval)", "--set", "batch_size=8", "--set", "replay_episodes=0", "--out", folder])
            XCTAssertEqual(result.status, 0, result.stderr)
            folders.append(folder)
        }
        // The last vdn run as if stopped by Ctrl-C.
        let summary = folders[3] + "/summary.json"
        try String(contentsOfFile: summary, encoding: .utf8).replacingOccurrences(of: "\"interrupted\":false", with: "\"interrupted\":true")
            .write(toFile: summary, atomically: true, encoding: .utf8)
        let curves = try runMarlSim(["curves"] + folders + ["--baseline", "random", "--out", scratch + "/curves.svg"])
        XCTAssertEqual(curves.status, 0, curves.stderr)
        XCTAssertEqual(curves.stdout, "3 curves from 4 runs → \(scratch!)/curves.svg\n")
        let svg = try String(contentsOfFile: scratch + "/curves.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains(">qmix (2 runs)<") && svg.contains(">vdn (2 runs, 1 unfinished)<"), svg)
        XCTAssertTrue(svg.contains(">random play ("), svg)
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 3, "both learners' lines and the baseline")
        XCTAssertEqual(svg.components(separatedBy: "stroke-dasharray").count - 1, 2, "the baseline and its legend entry are dashed")
        let bad = try runMarlSim(["curves", folders[0], "--baseline", "chance"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--baseline takes a number or 'random', got 'chance'"), bad.stderr)
    }

    /// A glob --metric on a team of 11 that no bundled world has: one line per matching per-agent
    /// column, alpha_2 before alpha_10, each named with its learner when there are two.
    func testCurvesDrawAGlobOfPerAgentColumnsInNaturalOrder() throws {
        let file = scratch + "/eleven.lua"
        try """
            local t = 0
            return {
              agents = 11, actions = {discrete = 2}, observation_size = 2, episode_limit = 4,
              reset = function(self) t = 0 end,
              observe = function(self, i, out) out[1] = i / 11; out[2] = t end,
              step = function(self, a) t = t + 1; return a[1] == a[11] and 1 or 0, false end,
            }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        var folders: [String] = []
        for (learner, seed) in [("ader", 1), ("ader", 2), ("ser-marl", 1)] {
            let folder = scratch + "/\(learner)-\(seed)"
            let result = try runMarlSim([file, "--algo", learner, "--seed", "\(seed)", "--steps", "160", "--set", "log_interval=40",
                                         "--set", "batch_size=2", "--set", "replay_episodes=0", "--out", folder])
            XCTAssertEqual(result.status, 0, result.stderr)
            folders.append(folder)
        }
        let ader = try runMarlSim(["curves", folders[0], folders[1], "--metric", "alpha_*", "--out", scratch + "/alpha.svg"])
        XCTAssertEqual(ader.status, 0, ader.stderr)
        XCTAssertEqual(ader.stdout, "11 curves from 2 runs → \(scratch!)/alpha.svg\n")
        let svg = try String(contentsOfFile: scratch + "/alpha.svg", encoding: .utf8)
        let second = try XCTUnwrap(svg.range(of: ">alpha_2 (2 runs)<")), tenth = try XCTUnwrap(svg.range(of: ">alpha_10 (2 runs)<"))
        XCTAssertLessThan(second.lowerBound, tenth.lowerBound, "natural order in the legend")

        let both = try runMarlSim(["curves", folders[0], folders[2], "--metric", "alpha_1?", "--out", scratch + "/both.svg"])
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertEqual(both.stdout, "4 curves from 2 runs → \(scratch!)/both.svg\n")
        let named = try String(contentsOfFile: scratch + "/both.svg", encoding: .utf8)
        XCTAssertTrue(named.contains(">ader: alpha_10<") && named.contains(">ser-marl: alpha_11<"), named)

        let none = try runMarlSim(["curves", folders[0], "--metric", "beta_*"])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("metrics.csv: no column 'beta_*'; columns: "), none.stderr)
    }
}
