import Common
import Foundation
@testable import Training
import Worlds
import XCTest

/// Sweep specs: the TOML reader, the expansion into runs, the checks that name a spec's line before
/// any run starts, and the report's statistics. The world is written here, as a user would.
final class SweepSpecTests: XCTestCase {
    var scratch: String!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-sweep-spec-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try Self.signalWorld.write(toFile: world, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: scratch) }

    var world: String { scratch + "/signal.lua" }

    /// Two agents that see and do different things (observation sizes `targets` and 1, `targets` and
    /// 2 actions), with an option; no recommended settings.
    static let signalWorld = """
        local t, target = 0, 1
        return {
          options = {targets = {default = 3, help = "how many targets"}},
          build = function(options)
            local n = options.targets
            return {
              agents = 2, episode_limit = 4, observation_size = {n, 1}, actions = {{discrete = n}, {discrete = 2}},
              reset = function(self) t = 0; target = math.random(n) end,
              observe = function(self, i, out)
                if i == 1 then for k = 1, n do out[k] = (k == target) and 1 or 0 end else out[1] = t / 4 end
              end,
              step = function(self, a)
                t = t + 1
                return ((a[1] == target) and 1 or 0) + ((a[2] == 2) and 0.5 or 0), t >= 4
              end,
            }
          end,
        }
        """

    func write(_ name: String, _ text: String) throws -> String {
        let path = scratch + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: TOML

    func testTheTOMLReaderKeepsValuesAsWrittenAndNamesTheLineOfEachMistake() throws {
        var reader = TOMLReader(text: """
            # a comment
            title = "a \\"quoted\\" title" # trailing comment
            seeds = [1, 2,
              3,   # a list over lines
            ]
            lr = 1e-3
            big = 1_000
            hex = 0xff
            flag = true
            literal = 'C:\\path'
            [grid]
            "env.map" = ["3m", "2s3z"]
            a.b = { c = 1, d = [0.5] }

            [[experiment]]
            name = "one"
            [[experiment]]
            name = "two"
            [experiment.report]
            bins = { low = [-inf, 0] }
            """)
        guard case let .mapping(top, _) = try reader.read() else { return XCTFail("not a table") }
        func value(_ key: String) -> ConfigNode? { top.first { $0.key == key }?.value }
        XCTAssertEqual(value("title")?.text, "a \"quoted\" title")
        XCTAssertEqual(top.first { $0.key == "title" }?.line, 2)
        guard case let .list(seeds, _)? = value("seeds") else { return XCTFail("seeds") }
        XCTAssertEqual(seeds.compactMap(\.text), ["1", "2", "3"])
        XCTAssertEqual(value("lr")?.text, "1e-3")
        XCTAssertEqual(value("big")?.text, "1000")
        XCTAssertEqual(value("hex")?.text, "255")
        XCTAssertEqual(value("flag")?.text, "true")
        XCTAssertEqual(value("literal")?.text, "C:\\path")
        guard case let .mapping(grid, _)? = value("grid"), case let .list(maps, _) = grid[0].value else { return XCTFail("grid") }
        XCTAssertEqual(grid[0].key, "env.map")
        XCTAssertEqual(grid[0].line, 12)
        XCTAssertEqual(maps.compactMap(\.text), ["3m", "2s3z"])
        guard case let .mapping(a, _) = grid[1].value, case let .mapping(b, _) = a[0].value else { return XCTFail("a.b") }
        XCTAssertEqual(b.map(\.key), ["c", "d"])
        guard case let .list(experiments, _)? = value("experiment"), experiments.count == 2,
              case let .mapping(second, _) = experiments[1] else { return XCTFail("experiments") }
        XCTAssertEqual(second.first { $0.key == "name" }?.value.text, "two")
        XCTAssertEqual(second.first { $0.key == "report" }?.line, 19)

        for (text, line, words) in [
            ("a = 1\na = 2", 2, "'a' is given twice (first at line 1)"),
            ("a = \"open", 1, "not closed"),
            ("\n\nb = nope", 3, "is not a value"),
            ("d = 1979-05-27", 1, "dates and times"),
            ("[t]\nx = 1\n[t]", 3, "defined twice"),
            ("x = [1, 2", 1, "not closed with ]"),
            ("x = 1 y = 2", 1, "one key = value"),
            ("x = 1__0", 1, "is not a value"),
            ("x =", 1, "a value is missing"),
        ] {
            var broken = TOMLReader(text: text)
            XCTAssertThrowsError(try broken.read(), text) { error in
                guard let failure = error as? TOMLReader.Failure else { return XCTFail("\(error)") }
                XCTAssertEqual(failure.line, line, "\(text): \(failure.message)")
                XCTAssertTrue(failure.message.contains(words), "\(text): \(failure.message)")
            }
        }
    }

    // MARK: expansion

    func testASpecExpandsIntoGridsDrawsAndSeedsAndReadsTheSameInYAML() throws {
        let toml = try write("spec.toml", """
            seeds = [3, 5]
            settings = { steps = 500 }
            report.metric = "test_length_mean"

            [[experiment]]
            name = "grid"
            world = "\(world)"
            learners = ["qmix", "vdn"]
            grid = { lr = [0.001, 0.0005], "env.targets" = [2, 4] }

            [[experiment]]
            name = "drawn"
            world = { file = "\(world)", env = { targets = 5 } }
            learner = "hasac"
            seeds = 1
            random = { samples = 3, seed = 9, actor_lr = { log_uniform = [1e-4, 1e-2] }, hidden = { int_uniform = [8, 16] } }
            report.bar = "2"
            """)
        let yaml = try write("spec.yaml", """
            seeds: [3, 5]
            settings: {steps: 500}
            experiment:
              - name: grid
                world: \(world)
                learners: [qmix, vdn]
                grid: {lr: [0.001, 0.0005], env.targets: [2, 4]}
              - name: drawn
                world: {file: \(world), env: {targets: 5}}
                learner: hasac
                seeds: 1
                random: {samples: 3, seed: 9, actor_lr: {log_uniform: [1e-4, 1e-2]}, hidden: {int_uniform: [8, 16]}}
            """)
        let plan = try SweepPlan(spec: SweepSpec(path: toml))
        XCTAssertEqual(plan.runs.count, 2 * 2 * 2 * 2 + 3)
        // Report fields merge like settings: the experiment's bar keeps the top level's metric.
        XCTAssertEqual(plan.spec.experiments.map(\.report.metric), ["test_length_mean", "test_length_mean"])
        XCTAssertEqual(plan.spec.experiments.map { $0.report.bar?.description }, [nil, "2"])
        XCTAssertEqual(Set(plan.runs.map(\.name)).count, plan.runs.count)
        let first = plan.runs[0]
        XCTAssertEqual(first.name, "grid-signal-targets=2-qmix-lr=0.001-seed3")
        XCTAssertEqual(first.options.map { "\($0.0)=\($0.1)" }, ["targets=2"])
        XCTAssertEqual(first.settings.map { "\($0.0)=\($0.1)" }, ["steps=500", "lr=0.001", "threads=1"])
        XCTAssertEqual(first.group, "signal targets=2 qmix lr=0.001")
        XCTAssertEqual(first.threads, 1, "the spec's threads (default 1) is each run's CPUs")
        XCTAssertEqual(plan.runs.filter { $0.experiment == 0 }.map(\.seed), Array(repeating: [3, 5], count: 8).flatMap { $0 })
        // Launch order: the first seed of every configuration before any second seed.
        XCTAssertEqual(plan.launchOrder.prefix(8).map(\.seed), Array(repeating: 3, count: 8))

        let drawn = plan.runs.filter { $0.experiment == 1 }
        XCTAssertEqual(drawn.map(\.name), ["drawn-hasac-draw1-seed1", "drawn-hasac-draw2-seed1", "drawn-hasac-draw3-seed1"])
        for run in drawn {
            let lr = Double(run.settings.first { $0.0 == "actor_lr" }!.1)!, hidden = Int(run.settings.first { $0.0 == "hidden" }!.1)!
            XCTAssertTrue((1e-4...1e-2).contains(lr) && (8...16).contains(hidden), "\(run.settings)")
        }
        XCTAssertEqual(Set(drawn.map { $0.settings.map(\.1) }).count, 3, "three different draws")

        let again = try SweepPlan(spec: SweepSpec(path: yaml))
        XCTAssertEqual(again.runs.map { $0.arguments(folder: "x") }, plan.runs.map { $0.arguments(folder: "x") }, "YAML and TOML expand alike")
        XCTAssertEqual(try SweepPlan(spec: SweepSpec(path: toml)).runs.map { $0.arguments(folder: "x") }, plan.runs.map { $0.arguments(folder: "x") })
    }

    /// A configuration not yet timed starts first; then the longest by its finished runs' wall time.
    func testTheLocalBackendStartsUntimedConfigurationsThenTheLongest() throws {
        let spec = try write("order.toml", "world = \"\(world)\"\nlearners = [\"qmix\", \"vdn\", \"hasac\"]\nseeds = 3\n")
        let plan = try SweepPlan(spec: SweepSpec(path: spec))
        let folder = try SweepFolder(path: scratch + "/order", plan: plan)
        for (run, wall) in zip(plan.runs.filter { $0.seed == 1 && $0.learner != "hasac" }, [2.0, 9.0]) {
            let path = folder.folder(of: run)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try "{\"interrupted\":false,\"wall_seconds\":\(wall)}".write(toFile: path + "/summary.json", atomically: true, encoding: .utf8)
        }
        let durations = Durations(folder: folder)
        var queue = plan.launchOrder.filter { folder.status(of: $0) != .finished }
        var order: [String] = []
        while let next = durations.longest(in: queue) { order.append(queue.remove(at: next).name) }
        XCTAssertEqual(order, ["signal-hasac-seed1", "signal-hasac-seed2", "signal-hasac-seed3", "signal-vdn-seed2", "signal-vdn-seed3",
                               "signal-qmix-seed2", "signal-qmix-seed3"])
    }

    /// `--only`: globs pick runs in launch order; a glob that picks nothing is an error with a hint.
    func testOnlyPicksRunsByGlobAndRejectsAGlobThatMatchesNothing() throws {
        let spec = try write("only.toml", "world = \"\(world)\"\nlearners = [\"qmix\", \"vdn\", \"hasac\"]\nseeds = 3\n")
        let plan = try SweepPlan(spec: SweepSpec(path: spec))
        XCTAssertEqual(try plan.runs(matching: ["*-vdn-*", "signal-hasac-seed[23]"]).map(\.name),
                       ["signal-vdn-seed1", "signal-vdn-seed2", "signal-hasac-seed2", "signal-vdn-seed3", "signal-hasac-seed3"])
        XCTAssertEqual(try plan.runs(matching: ["*"]).map(\.name), plan.launchOrder.map(\.name))
        XCTAssertThrowsError(try plan.runs(matching: ["*-vdn-*", "signal-qmx-seed1"])) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("--only signal-qmx-seed1: no run") && text.contains("did you mean signal-qmix-seed1"), text)
        }
    }

    // MARK: mistakes

    func testEveryMistakeNamesTheSpecsLineBeforeAnyRunStarts() throws {
        let head = "world = \"\(world)\"\nlearners = [\"qmix\", \"hasac\"]\n"
        for (body, line, words) in [
            ("[[experiment]]\nlearners = [\"qmix\",\n  \"hasca\"]", 5, "unknown learner 'hasca' (did you mean hasac?)"),
            ("[[experiment]]\nlearner = \"vm3-ac\"", 4, "vm3-ac handles continuous actions"),
            ("learner = \"vdn\"", 3, "give learner or learners, not both"),
            ("[settings]\nsteps = 100\nlrr = 0.1", 5, "unknown setting 'lrr'"),
            ("[settings]\ngamma = 1.5", 4, "setting 'gamma' must be in [0, 1], got 1.5"),
            ("env = { targets = 2.5 }", 3, "option 'targets' takes a whole number"),
            ("[grid]\n\"env.targets\" = [4, 0.5]", 4, "option 'targets' takes a whole number"),
            ("env = { target = 2 }", 3, "unknown option 'target' (did you mean targets?)"),
            ("[grid]\nlr = 0.001", 4, "grid.lr must be a list of values"),
            ("[grid]\nlr = []", 4, "grid.lr is an empty list"),
            ("[grid]\nbatch_size = [32, 0]", 4, "setting 'batch_size' must be ≥ 1, got 0"),
            ("[grid]\nlr = [[1, 2]]", 4, "each value is a single value"),
            ("sedes = 3", 3, "unknown field 'sedes' (did you mean seeds?)"),
            ("seeds = 0", 3, "seeds is a count"),
            ("keep_checkpoints = \"maybe\"", 3, "keep_checkpoints must be true or false"),
            ("[random]\nsamples = 2\nlr = { normal = [0, 1] }", 5, "unknown distribution 'normal'"),
            ("[report]\nbar = \"random + oops\"", 4, "unknown name 'oops'"),
            ("[[experiment]]\nname = \"a\"\n[[experiment]]\nname = \"a\"", 5, "same name as experiment 1"),
        ] {
            let spec = try write("broken.toml", head + body)
            XCTAssertThrowsError(try SweepPlan(spec: SweepSpec(path: spec)), body) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("\(spec):\(line): "), "\(body)\n→ \(message)")
                XCTAssertTrue(message.contains(words), "\(body)\n→ \(message)")
            }
        }
        let missing = try write("missing.toml", "world = \"\(scratch!)/nowhere.lua\"\nlearner = \"qmix\"")
        XCTAssertThrowsError(try SweepPlan(spec: SweepSpec(path: missing))) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("\(missing):1: no world file"), "\(error)")
        }
        let broken = try write("broken.lua", "return {agents = 2,\n  oops(}")
        let brokenSpec = try write("broken-world.toml", "learner = \"qmix\"\nworld = \"\(broken)\"")
        XCTAssertThrowsError(try SweepPlan(spec: SweepSpec(path: brokenSpec))) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.hasPrefix("\(brokenSpec):2: the world broken does not load") && message.contains("broken.lua:2"), message)
        }
        let yaml = try write("broken.yaml", "world: \(world)\nlearner: qmix\nsettings:\n  steps: 100\n  gamma: 2")
        XCTAssertThrowsError(try SweepPlan(spec: SweepSpec(path: yaml))) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("\(yaml):5: setting 'gamma'"), "\(error)")
        }
    }

    // MARK: the report

    func testTheReportGivesMeanDeviationIntervalIQMBinsAndTheBarPerRow() throws {
        let spec = try write("report.toml", """
            world = "\(world)"
            learner = "vdn"
            seeds = 6
            [report]
            bins = { zero = 0, low = [0.5, 3] }
            bar = "max(2, 4 * random)"
            """)
        let plan = try SweepPlan(spec: SweepSpec(path: spec))
        let folder = try SweepFolder(path: scratch + "/sweep", plan: plan)
        // Seeds 1-5 finished with these final returns; seed 6 never ran.
        let finals = [0.0, 1, 2, 3, 100]
        for (run, final) in zip(plan.runs, finals) {
            let path = folder.folder(of: run)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try "{\"interrupted\":false,\"final_test_return_mean\":\(final),\"wall_seconds\":2.0,\"env_steps_per_s\":100.0}"
                .write(toFile: path + "/summary.json", atomically: true, encoding: .utf8)
            try "step,test_return_mean,wall_seconds\n0,0,0\n100,\(final / 2),1\n200,\(final),2\n".write(toFile: path + "/metrics.csv", atomically: true, encoding: .utf8)
        }
        let report = try SweepReport(folder: folder) { _, _, policy, episodes in
            XCTAssertEqual(policy, .random)
            XCTAssertEqual(episodes, 1000)
            return 0.75
        }
        XCTAssertEqual(report.rows.count, 1)
        let row = report.rows[0]
        XCTAssertEqual(row.finished, 5)
        XCTAssertEqual(row.finals, finals)
        XCTAssertEqual(row.mean, 21.2, accuracy: 1e-12)
        XCTAssertEqual(row.std, (finals.map { ($0 - 21.2) * ($0 - 21.2) }.reduce(0, +) / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(row.interquartileMean, 2, accuracy: 1e-12, "one dropped from each end: mean of 1, 2, 3")
        XCTAssertEqual(SweepReport.Row.interquartileMean([1, 2, 3, 4, 5, 6, 7, 8]), 4.5)
        XCTAssertTrue(row.interval.lowerBound >= 0 && row.interval.upperBound <= 100 && row.interval.lowerBound < row.mean && row.mean < row.interval.upperBound)
        XCTAssertEqual(row.bar, 3)
        let text = report.text
        XCTAssertTrue(text.contains("5/6"), text)
        // Bins: zero 1 (0), low 2 (1 and 2; 3 is outside [0.5, 3)), other 2; the bar 3 is reached by 3 and 100.
        let line = text.split(separator: "\n").first { $0.hasPrefix("vdn") }.map(String.init) ?? ""
        XCTAssertTrue(line.contains("  1  ") && line.contains("  2  ") && line.contains("2/5"), line)
        XCTAssertTrue(line.contains("200 100") && line.hasSuffix("0 1 2 3 100 pending"), line)
        XCTAssertTrue(text.contains("bar: max(2, 4 * random) = 3 (random play 0.75, 1000 episodes, seed 1)"), text)
        let csv = report.csv.split(separator: "\n")
        XCTAssertEqual(csv.count, 2)
        XCTAssertTrue(csv[0].hasPrefix("experiment,row,world,learner,metric,runs,finished,failed,mean,std,ci95_low,ci95_high,iqm"), String(csv[0]))
        XCTAssertTrue(csv[1].contains(",vdn,test_return_mean,6,5,0,21.2,"), String(csv[1]))
        let written = try report.write()
        XCTAssertEqual(written.map { ($0 as NSString).lastPathComponent }, ["report.md", "report.csv", "curves-signal.svg"])
    }
}
