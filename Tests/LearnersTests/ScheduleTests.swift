import Learners
import XCTest

final class ScheduleTests: XCTestCase {
    func testLinearAnnealingThenHold() {
        let epsilon = LinearSchedule(start: 1, finish: 0.05, steps: 100)
        XCTAssertEqual(epsilon.value(at: 0), 1)
        XCTAssertEqual(epsilon.value(at: 50), 0.525, accuracy: 1e-12)
        XCTAssertEqual(epsilon.value(at: 100), 0.05, accuracy: 1e-12)
        XCTAssertEqual(epsilon.value(at: 10_000), 0.05, accuracy: 1e-12)
        XCTAssertEqual(LinearSchedule(start: 1, finish: 0.1, steps: 0).value(at: 0), 0.1)
    }
}
