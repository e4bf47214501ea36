import Common
import Training
import XCTest

final class RunFolderTests: XCTestCase {
    func testFilesAreCompleteAndMetricsGrowColumns() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try RunFolder(path: path, config: .object([("seed", .int(3))]))
        try run.appendMetrics([("step", 100), ("episodes", 10), ("return_mean", -4.5)])
        try run.appendMetrics([("step", 200), ("episodes", 20), ("return_mean", 1.25), ("test_won_mean", 0.5)])
        try run.write(.object([("steps", .int(200))]), to: "summary.json")
        let csv = try String(contentsOfFile: path + "/metrics.csv", encoding: .utf8)
        XCTAssertEqual(csv, "step,episodes,return_mean,test_won_mean\n100,10,-4.5,\n200,20,1.25,0.5\n")
        XCTAssertEqual(try JSONValue.parse(String(contentsOfFile: path + "/config.json", encoding: .utf8))["seed"], .int(3))
        let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        XCTAssertEqual(names, ["config.json", "metrics.csv", "summary.json", "tb"], "no partial files left behind")
        XCTAssertThrowsError(try RunFolder(path: path, config: .null), "a folder that holds a run is not overwritten")
    }
}
