import Foundation
@testable import Training
import XCTest

/// The progress line names the phase and estimates the time left from the current phase's rate.
final class ProgressTests: XCTestCase {
    final class Clock: @unchecked Sendable {
        var now = 0.0
    }

    func testPhasesAndEstimates() {
        let clock = Clock()
        let progress = Progress(plainInterval: 1e9, terminal: false, clock: { clock.now })
        progress.update(phase: .testing, step: 0, totalSteps: 100_000, warmupSteps: 10_000, episodes: 0)
        XCTAssertTrue(progress.line().hasPrefix("testing  step 0/100000"), progress.line())
        progress.update(phase: .warmup, step: 0, totalSteps: 100_000, warmupSteps: 10_000, episodes: 0)
        clock.now = 2
        progress.update(phase: .warmup, step: 4000, totalSteps: 100_000, warmupSteps: 10_000, episodes: 80)
        let warmup = progress.line()
        XCTAssertTrue(warmup.hasPrefix("warm-up  step 4000/100000  80 episodes"), warmup)
        XCTAssertTrue(warmup.contains("2000 steps/s  warm-up ends in 3s (training rate not measured yet)"), warmup)
        XCTAssertFalse(warmup.contains("eta"), "no total estimate from the warm-up's rate: \(warmup)")

        clock.now = 5
        progress.update(phase: .training, step: 10_000, totalSteps: 100_000, warmupSteps: 10_000, episodes: 200)
        clock.now = 15
        progress.update(phase: .training, step: 12_000, totalSteps: 100_000, warmupSteps: 10_000, episodes: 240, returnMean: 1.5)
        let training = progress.line()
        XCTAssertTrue(training.contains("training  step 12000/100000  240 episodes  return 1.5  elapsed 15s  200 steps/s  eta 7m20s"), training)
        progress.warn("Q estimates diverge")
        XCTAssertTrue(progress.line().hasSuffix("⚠ Q estimates diverge"), progress.line())
        progress.finish()
    }
}
