import Foundation
@testable import Training
import XCTest

/// A value learner whose Q estimates leave the range the rewards allow is named in a warning.
final class DivergenceWatchTests: XCTestCase {
    let world = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/defaults/meet.lua").path

    func testTheBoundFollowsTheRewardsTheDiscountAndStandardisation() throws {
        let run = try TrainingRun(file: world, options: [], learner: "qmix", overrides: [("gamma", "0.9"), ("standardise_rewards", "false")],
                                  seed: 1, folder: NSTemporaryDirectory() + "never-written-\(getpid())")
        let rewards = (lowest: 0.0, highest: 1.0)                                    // bound: 1 / (1 − 0.9) = 10
        XCTAssertNil(run.divergence(in: [("loss", 1), ("q_taken_mean", 99)], rewards: rewards, standardization: nil))
        XCTAssertNil(run.divergence(in: [("q_taken_mean", .nan)], rewards: rewards, standardization: nil), "no updates in the interval")
        XCTAssertNil(run.divergence(in: [("q_taken_mean", 1e6)], rewards: (.infinity, -.infinity), standardization: nil), "no rewards yet")
        let warning = try XCTUnwrap(run.divergence(in: [("q_taken_mean", 12_139)], rewards: rewards, standardization: nil))
        XCTAssertTrue(warning.contains("Q estimates diverge: q_taken_mean = 1.214e+04, but rewards (|r| ≤ 1, γ = 0.9) allow at most 10"), warning)
        XCTAssertNotNil(run.divergence(in: [("q_taken_mean", .infinity)], rewards: rewards, standardization: nil))
        // Standardised: r = 1 is (1 − 0.1) / 0.3 = 3 deviations, so the bound is 30 and 299 passes.
        XCTAssertNil(run.divergence(in: [("q_taken_mean", 299)], rewards: rewards, standardization: (0.1, 0.3)))
        let standardised = try XCTUnwrap(run.divergence(in: [("q_taken_mean", -301)], rewards: rewards, standardization: (0.1, 0.3)))
        XCTAssertTrue(standardised.contains("standardised rewards"), standardised)
    }
}
