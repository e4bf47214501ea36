import Common
import Foundation
@testable import Learners
import Tensors
@testable import Training
import XCTest

/// The memory estimate (docs/design.md §4.4): exact parameter counts from small builds, and one
/// clear refusal for a world too large for the limit.
final class MemoryEstimateTests: XCTestCase {
    /// For every learner, the count fitted from small teams equals the count of a real build of a
    /// larger team it never saw, discrete and continuous.
    func testTheFittedParameterCountIsExactForEveryLearner() throws {
        let layouts = [EpisodeLayout(agents: 5, observationSize: 7, stateSize: 11, actions: 6, episodeLimit: 9),
                       EpisodeLayout(agents: 4, observationSize: 9, stateSize: 13, actions: 0, episodeLimit: 9, actionDimensions: 3)]
        var checked = 0
        for entry in LearnerRegistry.all {
            for layout in layouts {
                guard let variant = entry.variant(for: layout) else { continue }
                var settings = Settings(specs: TrainingSettings.specs + variant.settings)
                if settings.has("hidden") { try settings.apply([("hidden", "12")], from: "test") }
                let fitted = MemoryEstimate.parameterScalars(layout: layout, variant: variant, settings: settings)
                let before = Parameter.scalarsMade
                _ = variant.make(layout, settings, 3)
                let built = Parameter.scalarsMade - before
                XCTAssertEqual(fitted.rounded(), Double(built), "\(entry.name) on \(layout.agentSummary)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, LearnerRegistry.all.reduce(0) { $0 + ($1.discrete == nil ? 0 : 1) + ($1.continuous == nil ? 0 : 1) })
    }

    /// A world written here with 100 000 actions per agent: refused before anything large is
    /// allocated, with the estimate, its parts, the limit and what to lower; a lower buffer fits.
    func testAWorldTooLargeForTheLimitIsRefusedWithWhatToLower() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-wide-\(UUID().uuidString).lua").path
        try """
        return {agents = 3, actions = {discrete = 100000}, observation_size = 4, episode_limit = 25,
          reset = function(self) end,
          observe = function(self, i, out) for k = 1, 4 do out[k] = k end end,
          step = function(self, actions) return 0, false end}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        var message = ""
        do {
            _ = try TrainingRun(file: path, options: [], learner: "qmix", overrides: [("memory_limit_gib", "4")], seed: 1, folder: nil)
        } catch { message = "\(error)" }
        XCTAssertTrue(message.contains("\(path): this run would need about "), message)
        XCTAssertTrue(message.contains("over the limit of 4.0 GiB (memory_limit_gib); lower buffer_size"), message)
        XCTAssertTrue(message.contains("replay buffer ") && message.contains("networks "), message)
        let small = try TrainingRun(file: path, options: [], learner: "qmix",
                                    overrides: [("memory_limit_gib", "4"), ("buffer_size", "2"), ("batch_size", "1"), ("rnn_hidden", "4"), ("envs", "1")],
                                    seed: 1, folder: nil)
        XCTAssertLessThan(small.memoryEstimate.bytes, 4 * 1_073_741_824)
    }
}
