@testable import Learners
import Tensors
import XCTest

/// The parts behind HARL's SMAC options (docs/learners.md §4.8).
final class HARLOptionsTests: XCTestCase {
    func testValueNormalizerKeepsDebiasedRunningMoments() {
        let normalizer = ValueNormalizer(beta: 0.9)
        let g = Graph()
        XCTAssertEqual(normalizer.mean, 0)
        let batches: [[Float]] = [[1, 3], [10, 14, 18], [-2]]
        var m = 0.0, s = 0.0, d = 0.0
        for batch in batches {
            normalizer.update(g.constant(batch, Shape(batch.count, 1)))
            let n = Double(batch.count)
            m = 0.9 * m + 0.1 * batch.reduce(0) { $0 + Double($1) } / n
            s = 0.9 * s + 0.1 * batch.reduce(0) { $0 + Double($1) * Double($1) } / n
            d = 0.9 * d + 0.1
        }
        let mean = m / d, variance = s / d - mean * mean
        XCTAssertEqual(Double(normalizer.mean), mean, accuracy: 1e-5)
        XCTAssertEqual(Double(normalizer.std), variance.squareRoot(), accuracy: 1e-5)
        let x = g.constant([-4, 0, 7.5], Shape(3, 1))
        let back = normalizer.denormalize(normalizer.normalize(x)).array
        for (a, b) in zip(back, x.array) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertEqual(normalizer.normalize(g.constant([Float(mean)], Shape(1, 1))).array[0], 0, accuracy: 1e-5)
    }

    func testValueNormalizerKeepsItsSpreadAboveATenth() {
        let normalizer = ValueNormalizer(), g = Graph()
        normalizer.update(g.constant([5, 5, 5], Shape(3, 1)))
        XCTAssertEqual(normalizer.mean, 5, accuracy: 1e-4)
        XCTAssertEqual(normalizer.std, 0.1, accuracy: 1e-6)
    }

    func testHuberLossIsQuadraticInsideDeltaAndLinearBeyond() {
        let g = Graph()
        let e = Parameter(name: "e", shape: Shape(4, 1))
        for (k, v) in [Float(-15), -3, 0.5, 12].enumerated() { e.value[k] = v }
        let loss = TwinCritic.huber(g.param(e), 10)
        XCTAssertEqual(loss.array, [100, 4.5, 0.125, 70])
        g.backward(loss.sum())
        XCTAssertEqual(e.gradients, [-10, -3, 0.5, 10])
    }
}
