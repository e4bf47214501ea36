import Common
@testable import Training
import Worlds
import XCTest

/// What a run leaves to look at: replay.html and curve.svg, and `ReopenedRun` rebuilding a run's
/// learner from its folder.
final class ReplayOutputTests: XCTestCase {
    static func world(_ relative: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(relative).path
    }

    func trainedFolder(_ world: String, _ algo: String, _ overrides: [(String, String)]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-replay-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        _ = try TrainingRun(file: Self.world(world), options: [], learner: algo, overrides: overrides, seed: 2, folder: folder).run()
        return folder
    }

    func testTheReplayOfAReopenedRunIsTheOneItWroteAtItsEnd() throws {
        // Continuous actions put the weights' exact outputs into the picture (the action's dot).
        let cases = [("envs/surfaces/quadratics.lua", "masac", [("steps", "1500"), ("warmup_steps", "500"), ("log_interval", "500")]),
                     ("envs/matrix/nonmono.lua", "qmix", [("steps", "1500"), ("log_interval", "500")])]
        for (world, algo, overrides) in cases {
            let folder = try trainedFolder(world, algo, overrides)
            let written = try String(contentsOfFile: folder + "/replay.html", encoding: .utf8)
            let reopened = try ReopenedRun(folder: folder)
            XCTAssertEqual(reopened.trainedSteps, 1504, "summary.json's count: 8 one-step games per collection")
            XCTAssertFalse(reopened.worldChanged)
            let episodes = try reopened.run.recordReplay(episodes: 3, worldSeed: reopened.run.replaySeed)
            XCTAssertEqual(reopened.run.replayPage(episodes, trainedSteps: 1504, worldSeed: reopened.run.replaySeed), written, "\(algo)")
            XCTAssertEqual(episodes.count, 3)
            XCTAssertTrue(episodes.allSatisfy { $0.frames.count == 2 }, "one-step games: the reset and the step")

            // A learner with its initial weights films something else (so the page depends on the loaded weights).
            if algo == "masac" {
                let fresh = try TrainingRun(file: Self.world(world), options: [], learner: algo, overrides: overrides, seed: 2, folder: nil)
                XCTAssertNotEqual(try fresh.recordReplay(episodes: 3, worldSeed: fresh.replaySeed), episodes)
            }
            let curve = try String(contentsOfFile: folder + "/curve.svg", encoding: .utf8)
            XCTAssertTrue(curve.hasPrefix("<svg") && curve.hasSuffix("</svg>\n"))
        }
    }

    /// A mixed team's run reopens with its groups and films the same episodes; a run folder written
    /// before `share_parameters` (HASAC's `share_actor`) still reopens.
    func testHeterogeneousRunsAndOlderRunFoldersReopen() throws {
        let folder = try trainedFolder("envs/spotter.lua", "hasac", [("steps", "600"), ("warmup_steps", "200"), ("log_interval", "300"),
                                                                     ("batch_size", "16"), ("hidden", "8")])
        let written = try String(contentsOfFile: folder + "/replay.html", encoding: .utf8)
        let reopened = try ReopenedRun(folder: folder)
        XCTAssertEqual(reopened.run.layout.actionSpaces, [.discrete(4), .continuous(2)])
        let episodes = try reopened.run.recordReplay(episodes: 3, worldSeed: reopened.run.replaySeed)
        XCTAssertEqual(reopened.run.replayPage(episodes, trainedSteps: reopened.trainedSteps, worldSeed: reopened.run.replaySeed), written)

        let configPath = folder + "/config.json"
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
        XCTAssertTrue(config.contains("\"share_parameters\":\"auto\""), config)
        try config.replacingOccurrences(of: "\"share_parameters\":\"auto\"", with: "\"share_actor\":false")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ReopenedRun(folder: folder).run.settings.string("share_parameters"), "auto")
    }

    func testTheBootstrapIntervalBracketsTheMeanAndIsSeeded() {
        let values = (0..<40).map { Double(($0 * 37) % 11) }
        let mean = values.reduce(0, +) / 40
        let interval = Evaluation.bootstrapInterval(values, resamples: 2000)
        XCTAssertTrue(interval.contains(mean) && interval.lowerBound > values.min()! && interval.upperBound < values.max()!, "\(interval)")
        // The standard error is about 3.2/sqrt(40) = 0.5, so the 95 % interval spans about 2.
        XCTAssertEqual(interval.upperBound - interval.lowerBound, 2, accuracy: 0.5)
        XCTAssertEqual(Evaluation.bootstrapInterval(values, resamples: 2000), interval)
        XCTAssertEqual(Evaluation.bootstrapInterval([4, 4, 4], resamples: 100), 4 ... 4)
    }

    func testBrokenRunFoldersAreClearErrors() throws {
        let folder = try trainedFolder("envs/matrix/nonmono.lua", "qmix", [("steps", "300"), ("log_interval", "300")])
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            XCTFail("expected an error")
            return ""
        }
        XCTAssertTrue(message { _ = try ReopenedRun(folder: folder + "/nowhere") }.contains("not a run folder"))

        let model = folder + "/model.safetensors"
        let weights = try Data(contentsOf: URL(fileURLWithPath: model))
        try weights.prefix(weights.count / 2).write(to: URL(fileURLWithPath: model))
        let truncated = message { _ = try ReopenedRun(folder: folder) }
        XCTAssertTrue(truncated.hasPrefix(model + ": "), truncated)
        XCTAssertTrue(truncated.contains("rule: "), truncated)
        try weights.write(to: URL(fileURLWithPath: model))
        XCTAssertNoThrow(try ReopenedRun(folder: folder))

        let configPath = folder + "/config.json"
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
        try config.replacingOccurrences(of: "\"learner\":\"qmix\"", with: "\"learner\":\"vdn\"").write(toFile: configPath, atomically: true, encoding: .utf8)
        let otherLearner = message { _ = try ReopenedRun(folder: folder) }
        XCTAssertTrue(otherLearner.contains("config.json"), otherLearner)
        try String(config.dropLast(20)).write(toFile: configPath, atomically: true, encoding: .utf8)
        let cut = message { _ = try ReopenedRun(folder: folder) }
        XCTAssertTrue(cut.hasPrefix(configPath + ": "), cut)
    }

    /// Seeds that logged a few steps apart (as episodes end) still draw one line: each run is read on
    /// the union of their steps by linear interpolation.
    func testRunsLoggedAtSlightlyDifferentStepsMeetOnACommonGrid() {
        let runs: [(label: String, steps: [Double], values: [Double])] = [
            ("qmix", [0, 10158, 20316], [0, 10, 20]), ("qmix", [0, 10156, 20312], [2, 12, 22]),
            ("vdn", [0, 10150], [1, 1]), ("vdn", [0, 10160], [3, 5]),
        ]
        let chart = LearningCurve.comparing(title: "t", valueLabel: "v", runs: runs)
        XCTAssertEqual(chart.series[0].steps, [0, 10156, 10158, 20312])
        XCTAssertEqual(chart.series[0].values[0], 1)
        let qmixAtEnd: Double = (32.0 + 10.0 * 10154.0 / 10158.0) / 2.0, vdnAtEnd: Double = (4.0 + 2.0 * 10150.0 / 10160.0) / 2.0
        XCTAssertEqual(chart.series[0].values[3], qmixAtEnd, accuracy: 1e-9, "the first run interpolated at 20312")
        XCTAssertEqual(chart.series[1].steps, [0, 10150], "up to the earliest last step")
        XCTAssertEqual(chart.series[1].values[1], vdnAtEnd, accuracy: 1e-9)
        let svg = chart.svg()
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2, "both learners' lines are drawn")
    }

    func testCurveLeavesGapsAtMissingValuesAndLabelsRoundTicks() {
        let steps = (0...4).map { Double($0) * 250_000 }
        let curve = LearningCurve.ofRun(title: "a & b", steps: steps, trainReturns: [.nan, 1, 2, 3, 4], testReturns: [-3, 2, .nan, 6, 8])
        let svg = curve.svg()
        let polylines = svg.components(separatedBy: "<polyline").count - 1
        XCTAssertEqual(polylines, 3, "training: one run of 4 points; test: 0–250k and 750k–1M")
        XCTAssertEqual(svg.components(separatedBy: "<polygon").count - 1, 0, "one run has no band")
        XCTAssertTrue(svg.contains(">a &amp; b</text>"))
        XCTAssertTrue(svg.contains(">1M</text>") && svg.contains(">200k</text>"))
        XCTAssertEqual(LearningCurve.ticks(-3, 8), [-5, 0, 5, 10])
        XCTAssertEqual(LearningCurve.ticks(0, 1_000_000), [0, 200_000, 400_000, 600_000, 800_000, 1_000_000])
        XCTAssertEqual(LearningCurve.label(2500), "2.5k")
        XCTAssertEqual(LearningCurve.label(-0.5), "-0.5")
    }

    func testComparingGroupsRunsByLabelOverTheStepsAllOfThemLogged() {
        let chart = LearningCurve.comparing(title: "t", valueLabel: "v", runs: [
            ("hasac", [0, 10, 20], [1, 5, 9]),
            ("masac", [0, 10], [2, 2]),
            ("hasac", [0, 10], [3, .nan]),
            ("hasac", [0, 10, 20], [2, 8, 7]),
        ])
        XCTAssertEqual(chart.series.map(\.name), ["hasac (3 runs)", "masac"])
        let hasac = chart.series[0]
        XCTAssertEqual(hasac.steps, [0, 10], "20 is missing from the second hasac run")
        XCTAssertEqual(hasac.values, [2, 6.5], "the NaN at 10 is left out of the mean")
        XCTAssertEqual(hasac.low, [1, 5])
        XCTAssertEqual(hasac.high, [3, 8])
        XCTAssertNil(chart.series[1].low)
        XCTAssertNotNil(chart.note)
        XCTAssertEqual(chart.svg().components(separatedBy: "<polygon").count - 1, 1, "one band, hasac's")
    }

    func testMetricsReadBackAsWrittenAndMalformedFilesNameTheLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-metrics-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try RunFolder(path: path, config: .object([("seed", .int(1))]))
        try run.appendMetrics([("step", 0), ("return_mean", .nan)])
        try run.appendMetrics([("step", 100), ("return_mean", -1.5), ("test_won_mean", 0.25)])
        let columns = try RunFolder.readMetrics(folder: path)
        XCTAssertEqual(columns["step"], [0, 100])
        XCTAssertEqual(columns["return_mean"]?[1], -1.5)
        XCTAssertTrue(columns["return_mean"]![0].isNaN)
        XCTAssertTrue(columns["test_won_mean"]![0].isNaN)
        XCTAssertEqual(columns["test_won_mean"]?[1], 0.25)
        try "step,x\n1,2\n3,oops\n".write(toFile: path + "/metrics.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFolder.readMetrics(folder: path)) { error in
            XCTAssertTrue("\(error)".hasSuffix("metrics.csv:3: 'oops' in column x is not a number"), "\(error)")
        }
        XCTAssertThrowsError(try RunFolder.readMetrics(folder: path + "/none")) { error in
            XCTAssertTrue("\(error)".contains("not a run folder"), "\(error)")
        }
    }
}
