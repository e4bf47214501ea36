import Foundation
import XCTest

/// Reads a training run's TensorBoard event file with TensorBoard's own reader (scripts/crosscheck/tensorboard).
final class TensorBoardCrosscheckTests: XCTestCase {
    func testTensorBoardReadsEveryMetricsColumnBack() throws {
        let probe = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import tensorboard"], timeout: 30)
        guard probe.status == 0 else { throw XCTSkip("python tensorboard not installed") }

        let script = Repository.root.appendingPathComponent("scripts/crosscheck/tensorboard").path
        let result = try runProgram(URL(fileURLWithPath: script), [Repository.binary.path], timeout: 60)
        XCTAssertFalse(result.timedOut, "the crosscheck hung\n\(result.stderr)")
        XCTAssertEqual(result.status, 0, "\(result.stdout)\n\(result.stderr)")
        let summary = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertNotNil(summary.range(of: #"^tensorboard crosscheck: [1-9][0-9]* scalars over [1-9][0-9]* steps match$"#,
                                      options: .regularExpression), "summary line: '\(summary)'\n\(result.stderr)")
    }
}
