import Common
import Foundation
@testable import Learners
import Tensors
import XCTest

/// ADER's target-entropy arithmetic (eq. B.7, B.8; docs/learners.md §9.6) and the learner's budget bookkeeping.
final class ADERTests: XCTestCase {
    func randomVectors(_ count: Int, agents: Int, seed: UInt64) -> [[Double]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in (0..<agents).map { _ in 3 * generator.nextUnit() } }
    }

    func assertProbabilityVector(_ beta: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(beta.reduce(0, +), 1, accuracy: 1e-12, message, file: file, line: line)
        XCTAssertTrue(beta.allSatisfy { $0 > 0 && $0 < 1 }, "\(message): \(beta)", file: file, line: line)
    }

    func testSharesAreProbabilityVectorsForBothMetricsAndSigns() {
        for (k, g) in randomVectors(50, agents: 4, seed: 1).enumerated() {
            for total in [-4.0, 0.6] {
                assertProbabilityVector(ADERTargetEntropy.paperShares(meanContributions: g, scale: 10, totalEntropy: total), "paper \(k)")
            }
        }
        let perSample = randomVectors(64, agents: 3, seed: 2)
        assertProbabilityVector(ADERTargetEntropy.codeShares(perSample: perSample, scale: 10, totalEntropy: -3), "code")
    }

    func testBudgetIsKeptAfterManyEMAUpdates() {
        let total = -2.0
        for newWeightIsXi in [false, true] {
            var ema = [0.25, 0.25, 0.25, 0.25]
            for g in randomVectors(20_000, agents: 4, seed: 3) {
                let beta = ADERTargetEntropy.paperShares(meanContributions: g, scale: 10, totalEntropy: total)
                ema = ADERTargetEntropy.smoothed(ema, toward: beta, xi: 0.9, newWeightIsXi: newWeightIsXi)
            }
            XCTAssertEqual(ema.map { $0 * total }.reduce(0, +), total, accuracy: 1e-12)
            assertProbabilityVector(ema, "EMA, new weight ξ: \(newWeightIsXi)")
        }
    }

    func testSignFlipReversesTheRankingSoLowContributionAlwaysMeansMoreEntropy() {
        let g = [0.5, 2.0, 1.0]
        let positive = ADERTargetEntropy.paperShares(meanContributions: g, scale: 10, totalEntropy: 1)
        let negative = ADERTargetEntropy.paperShares(meanContributions: g, scale: 10, totalEntropy: -1)
        // Shares: decreasing in g for H₀ ≥ 0, increasing for H₀ < 0.
        XCTAssertEqual(positive.indices.sorted { positive[$0] > positive[$1] }, [0, 2, 1])
        XCTAssertEqual(negative.indices.sorted { negative[$0] > negative[$1] }, [1, 2, 0])
        // Targets Hᵢ = βᵢ·H₀: in both cases the smallest contribution gets the highest target entropy.
        for (shares, total) in [(positive, 1.0), (negative, -1.0)] {
            let targets = shares.map { $0 * total }
            XCTAssertEqual(targets.indices.sorted { targets[$0] > targets[$1] }, [0, 2, 1], "H₀ = \(total)")
        }
        // Same for the code metric's per-sample form.
        let code = ADERTargetEntropy.codeShares(perSample: [g, g], scale: 10, totalEntropy: -1)
        XCTAssertEqual(code.indices.sorted { code[$0] > code[$1] }, [1, 2, 0])
    }

    func testPaperMetricNormalisesBeforeTheSoftmax() {
        // ĝ = κ·g/max g: scaling every contribution by a constant leaves β unchanged.
        let g = [0.3, 0.9, 0.6]
        let beta = ADERTargetEntropy.paperShares(meanContributions: g, scale: 10, totalEntropy: 2)
        let scaled = ADERTargetEntropy.paperShares(meanContributions: g.map { $0 * 40 }, scale: 10, totalEntropy: 2)
        for (a, b) in zip(beta, scaled) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // And equals softmax(−10·g/0.9) written out.
        let e = g.map { Foundation.exp(-10 * $0 / (0.9 + 1e-5)) }
        for (a, b) in zip(beta, e.map { $0 / e.reduce(0, +) }) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }

    func testCodeMetricAveragesAfterTheSoftmax() {
        let rows = [[1.0, 0.0], [0.0, 1.0]]
        // Each row's softmax is (σ, 1 − σ) or its mirror; the mean is uniform, unlike a softmax of the mean row.
        XCTAssertEqual(ADERTargetEntropy.codeShares(perSample: rows, scale: 10, totalEntropy: 1), [0.5, 0.5])
        let first = ADERTargetEntropy.codeShares(perSample: [rows[0]], scale: 10, totalEntropy: 1)
        XCTAssertEqual(first[0], 1 / (1 + Foundation.exp(10 / (1 + 1e-4) * 1)), accuracy: 1e-9)
    }

    func testEMANewWeight() {
        let ema = [0.5, 0.5], beta = [1.0, 0.0]
        XCTAssertEqual(ADERTargetEntropy.smoothed(ema, toward: beta, xi: 0.9, newWeightIsXi: false)[0], 0.55, accuracy: 1e-12)  // code
        XCTAssertEqual(ADERTargetEntropy.smoothed(ema, toward: beta, xi: 0.9, newWeightIsXi: true)[0], 0.95, accuracy: 1e-12)   // eq. B.8 as printed
    }

    func testLogOneMinusTanhSquaredMatchesTheDirectFormula() {
        for u: Float in [-3, -0.5, 0, 0.2, 1.7] {
            let direct = Foundation.log(1 - Foundation.pow(Foundation.tanh(Double(u)), 2))
            XCTAssertEqual(ADER.logOneMinusTanhSquared(u), direct, accuracy: 1e-9)
        }
    }

    // MARK: - The learner

    let layout = EpisodeLayout(agents: 3, observationSize: 2, stateSize: 3, actions: 0, episodeLimit: 4, actionDimensions: 2)

    /// A buffer of random 4-step episodes (truncated and terminated), so that bootstraps are exercised.
    func batch(seed: UInt64) -> TransitionBatch {
        var generator = SeededGenerator(seed: seed)
        let buffer = TransitionBuffer(layout: layout, capacity: 200, steps: 2, gamma: 0.9)
        for e in 0..<20 {
            let record = EpisodeRecord(layout: layout)
            for t in 0...4 {
                let observations = (0..<6).map { _ in Float(generator.nextUnit()) }, state = (0..<3).map { _ in Float(generator.nextUnit()) }
                observations.withUnsafeBufferPointer { o in state.withUnsafeBufferPointer { s in
                    [UInt8]().withUnsafeBufferPointer { record.observe(observations: o, state: s, available: $0) }
                } }
                if t < 4 { record.act(continuous: (0..<6).map { _ in Float(2 * generator.nextUnit() - 1) }, reward: generator.nextUnit()) }
            }
            record.finish(terminated: e % 2 == 0)
            buffer.insert(record)
        }
        let batch = TransitionBatch(layout: layout, size: 32)
        buffer.sample(into: batch, using: &generator)
        return batch
    }

    func settings(_ specs: [SettingSpec], _ overrides: [(String, String)]) throws -> Settings {
        var settings = Settings(specs: specs)
        let names = Set(specs.map(\.name))
        try settings.apply(([("hidden", "8")] + overrides).filter { names.contains($0.0) }, from: "test")
        return settings
    }

    func testADERKeepsTheBudgetWhileItsTargetsMove() throws {
        for metric in ["paper", "code"] {
            let learner = ADER(layout: layout, settings: try settings(ADER.settings, [("ader_metric", metric), ("ema_xi", "0.5")]), seed: 7, adaptive: true)
            let total = -6.0    // N · dim A · (−1)
            let data = batch(seed: 8)
            for step in 0..<30 {
                let logged = learner.train(data, step: step)
                XCTAssertTrue(logged.allSatisfy { $0.1.isFinite }, "\(metric): \(logged)")
            }
            XCTAssertEqual(learner.targetEntropies.reduce(0, +), total, accuracy: 1e-9, metric)
            XCTAssertNotEqual(learner.targetEntropies, [-2, -2, -2], "\(metric): the targets adapt")
            let stored = learner.budget.shares.values.map(Double.init)    // kept as Float in the checkpoint parameter
            XCTAssertEqual(stored.reduce(0, +), 1, accuracy: 1e-6, metric)
            XCTAssertTrue(stored.allSatisfy { $0 > 0 && $0 < 1 }, "\(metric): \(stored)")
        }
    }

    func testSERKeepsEqualOrGivenTargets() throws {
        let equal = ADER(layout: layout, settings: try settings(ADER.baselineSettings, []), seed: 7, adaptive: false)
        let different = ADER(layout: layout, settings: try settings(ADER.baselineSettings, [("target_entropies", "-0.5, -1.5,-4")]), seed: 7, adaptive: false)
        let data = batch(seed: 9)
        for step in 0..<5 {
            _ = equal.train(data, step: step)
            _ = different.train(data, step: step)
        }
        XCTAssertEqual(equal.targetEntropies, [-2, -2, -2])
        for (a, b) in zip(different.targetEntropies, [-0.5, -1.5, -4]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertNotNil(ADER.problem(with: try settings(ADER.baselineSettings, [("target_entropies", "-1,-1")]), layout: layout))
        XCTAssertNil(ADER.problem(with: try settings(ADER.baselineSettings, [("target_entropies", "-1,-1,-2")]), layout: layout))
    }

    // MARK: - The discrete learner

    let discreteLayout = EpisodeLayout(agents: 3, observationSize: 2, stateSize: 3, actions: 4, episodeLimit: 5)

    /// Random episodes of lengths 1…5 (padded in the batch) where action 3 is unavailable on odd steps.
    func episodeBatch(seed: UInt64) -> EpisodeBatch {
        var generator = SeededGenerator(seed: seed)
        let buffer = EpisodeBuffer(layout: discreteLayout, capacity: 50)
        for e in 0..<12 {
            let record = EpisodeRecord(layout: discreteLayout), length = 1 + e % 5
            for t in 0...length {
                let observations = (0..<6).map { _ in Float(generator.nextUnit()) }, state = (0..<3).map { _ in Float(generator.nextUnit()) }
                let available = (0..<12).map { UInt8($0 % 4 == 3 && t % 2 == 1 ? 0 : 1) }
                observations.withUnsafeBufferPointer { o in state.withUnsafeBufferPointer { s in
                    available.withUnsafeBufferPointer { record.observe(observations: o, state: s, available: $0) }
                } }
                if t < length { record.act((0..<3).map { _ in Int32(generator.nextInt(below: 3)) }, reward: generator.nextUnit()) }
            }
            record.finish(terminated: e % 2 == 0)
            buffer.insert(record)
        }
        let batch = EpisodeBatch(layout: discreteLayout, episodes: 8)
        buffer.sample(into: batch, using: &generator)
        return batch
    }

    func testDiscreteADERKeepsTheBudgetForEveryMetricAndPolicyForm() throws {
        let total = 3 * Foundation.log(4.0) * 0.1    // N · log|A| · k_ratio
        for (metric, floor) in [("paper", "false"), ("code", "false"), ("paper", "true")] {
            let settings = try self.settings(DiscreteADER.settings, [("ader_metric", metric), ("pi_eps_floor_in_learner", floor), ("ema_xi", "0.5"),
                                                                     ("rnn_hidden", "8"), ("critic_hidden", "8")])
            let learner = DiscreteADER(layout: discreteLayout, settings: settings, seed: 3, adaptive: true)
            let data = episodeBatch(seed: 4)
            for step in 0..<20 {
                let logged = learner.train(data, step: step, episodes: step)
                XCTAssertTrue(logged.allSatisfy { $0.1.isFinite }, "\(metric), floor \(floor): \(logged)")
            }
            XCTAssertEqual(learner.targetEntropies.reduce(0, +), total, accuracy: 1e-9, metric)
            XCTAssertNotEqual(learner.targetEntropies.map { ($0 * 1e6).rounded() }, [Double](repeating: (total / 3 * 1e6).rounded(), count: 3),
                              "\(metric): the targets adapt")
        }
    }
}
