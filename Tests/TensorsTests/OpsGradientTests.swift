import XCTest
@testable import Tensors

/// Finite-difference gradient checks for every primitive op.
final class OpsGradientTests: XCTestCase {
    func testBinaryOpsWithBroadcasting() {
        let a = Check.param("a", Shape(3, 4), seed: 1)
        let b = Check.param("b", Shape(4), seed: 2, awayFromZero: 0.5)
        let c = Check.param("c", Shape(3, 4), seed: 3, awayFromZero: 0.5)
        let s = Check.param("s", Shape(1), seed: 4, awayFromZero: 0.5)
        Check.gradients([a, b]) { g in g.param(a) + g.param(b) }
        Check.gradients([a, b]) { g in g.param(b) - g.param(a) }
        Check.gradients([a, b]) { g in g.param(a) * g.param(b) }
        Check.gradients([a, b]) { g in g.param(a) / g.param(b) }
        Check.gradients([a, c]) { g in g.param(c) / g.param(a).affine(scale: 0.1, shift: 3) }
        Check.gradients([a, s]) { g in g.param(a) * g.param(s) }
        Check.gradients([a, c]) { g in g.param(a) - g.param(c) }
        Check.gradients([a]) { g in (g.param(a) * 2 + 1 - 0.5) / 4 }
        Check.gradients([a]) { g in 3 - g.param(a) }
        let g = Graph()
        XCTAssertEqual((g.constant([2], .scalar) * g.constant([3], Shape(1))).scalar, 6)
        XCTAssertEqual((g.constant([1, 2], Shape(1, 2)) + g.constant([10, 20], Shape(2))).shape, Shape(1, 2))
        XCTAssertEqual((g.constant([1, 2, 3, 4], Shape(2, 2)) - g.constant([1, 1], Shape(1, 2))).array, [0, 1, 2, 3])
    }

    func testElementwiseMinMax() {
        let a = Check.param("a", Shape(2, 5), seed: 5)
        let b = Check.param("b", Shape(2, 5), seed: 6)
        Check.gradients([a, b]) { g in minimum(g.param(a), g.param(b)) }
        Check.gradients([a, b]) { g in maximum(g.param(a), g.param(b)) }
    }

    func testUnaryOps() {
        let x = Check.param("x", Shape(2, 6), seed: 7, awayFromZero: 0.1)
        let positive = Check.param("p", Shape(2, 6), seed: 8, scale: 0.3, offset: 2)
        Check.gradients([x]) { g in -g.param(x) }
        Check.gradients([x]) { g in g.param(x).exp() }
        Check.gradients([positive]) { g in g.param(positive).log() }
        Check.gradients([positive]) { g in g.param(positive).sqrt() }
        Check.gradients([x]) { g in g.param(x).abs() }
        Check.gradients([x]) { g in g.param(x).square() }
        Check.gradients([x]) { g in g.param(x).relu() }
        Check.gradients([x]) { g in g.param(x).elu() }
        Check.gradients([x]) { g in g.param(x).tanh() }
        Check.gradients([x]) { g in g.param(x).sigmoid() }
        Check.gradients([x]) { g in g.param(x).softplus() }
        Check.gradients([x]) { g in g.param(x).clamped(-0.5, 0.7) }
    }

    func testStableSoftplusAndSigmoidAtExtremes() {
        let g = Graph()
        let x = g.constant([-100, -20, 0, 20, 100], Shape(5))
        let sp = x.softplus().array
        XCTAssertEqual(sp[0], 0, accuracy: 1e-30)
        XCTAssertEqual(sp[2], Float(log(2.0)), accuracy: 1e-6)
        XCTAssertEqual(sp[4], 100, accuracy: 1e-4)
        let sg = x.sigmoid().array
        XCTAssertEqual(sg[0], 0, accuracy: 1e-30)
        XCTAssertEqual(sg[4], 1, accuracy: 1e-6)
        XCTAssertFalse(x.tanh().array.contains { $0.isNaN })
        XCTAssertEqual(x.tanh().array[4], 1, accuracy: 1e-6)
    }

    func testFastTranscendentalsAccuracy() {
        var worstTanh: Float = 0, worstSigmoid: Float = 0
        for i in -2000...2000 {
            let x = Float(i) / 100
            worstTanh = Swift.max(worstTanh, Swift.abs(fastTanh(x) - Float(Foundation.tanh(Double(x)))))
            worstSigmoid = Swift.max(worstSigmoid, Swift.abs(fastSigmoid(x) - Float(1 / (1 + Foundation.exp(-Double(x))))))
        }
        XCTAssertLessThan(worstTanh, 3e-7)
        XCTAssertLessThan(worstSigmoid, 3e-7)
    }

    func testReductions() {
        let x = Check.param("x", Shape(3, 4, 2), seed: 9)
        // Distinct, well-separated values so finite differences never cross a max/min tie.
        x.values = (0..<24).map { Float(($0 * 7) % 24) * 0.1 - 1.2 }
        Check.gradients([x]) { g in g.param(x).sum() }
        Check.gradients([x]) { g in g.param(x).mean() }
        Check.gradients([x]) { g in g.param(x).max() }
        Check.gradients([x]) { g in g.param(x).min() }
        for axis in [0, 1, 2, -1] {
            Check.gradients([x]) { g in g.param(x).sum(axis: axis) }
            Check.gradients([x]) { g in g.param(x).mean(axis: axis, keepDims: true) }
            Check.gradients([x]) { g in g.param(x).max(axis: axis) }
            Check.gradients([x]) { g in g.param(x).min(axis: axis, keepDims: true) }
        }
        let g = Graph()
        let t = g.constant([1, 5, 3, -2, 0, 4], Shape(2, 3))
        XCTAssertEqual(t.max(axis: 1).array, [5, 4])
        XCTAssertEqual(t.min(axis: 0).array, [-2, 0, 3])
        XCTAssertEqual(t.sum(axis: 1, keepDims: true).shape, Shape(2, 1))
        XCTAssertEqual(t.mean().scalar, 11.0 / 6, accuracy: 1e-6)
    }

    func testMatmulAllTransposes() {
        let a = Check.param("a", Shape(3, 4), seed: 10)
        let at = Check.param("at", Shape(4, 3), seed: 11)
        let b = Check.param("b", Shape(4, 5), seed: 12)
        let bt = Check.param("bt", Shape(5, 4), seed: 13)
        Check.gradients([a, b]) { g in matmul(g.param(a), g.param(b)) }
        Check.gradients([at, b]) { g in matmul(g.param(at), g.param(b), transposeA: true) }
        Check.gradients([a, bt]) { g in matmul(g.param(a), g.param(bt), transposeB: true) }
        Check.gradients([at, bt]) { g in matmul(g.param(at), g.param(bt), transposeA: true, transposeB: true) }
        let g = Graph()
        let m = matmul(g.constant([1, 2, 3, 4], Shape(2, 2)), g.constant([5, 6, 7, 8], Shape(2, 2)))
        XCTAssertEqual(m.array, [19, 22, 43, 50])
    }

    func testBatchedMatmul() {
        let a = Check.param("a", Shape(2, 3, 4), seed: 14)
        let b = Check.param("b", Shape(2, 4, 2), seed: 15)
        let bt = Check.param("bt", Shape(2, 2, 4), seed: 16)
        let at = Check.param("at", Shape(2, 4, 3), seed: 17)
        Check.gradients([a, b]) { g in bmm(g.param(a), g.param(b)) }
        Check.gradients([a, bt]) { g in bmm(g.param(a), g.param(bt), transposeB: true) }
        Check.gradients([at, b]) { g in bmm(g.param(at), g.param(b), transposeA: true) }
        Check.gradients([at, bt]) { g in bmm(g.param(at), g.param(bt), transposeA: true, transposeB: true) }
    }

    func testLinearOp() {
        let x = Check.param("x", Shape(2, 3, 4), seed: 18)
        let w = Check.param("w", Shape(5, 4), seed: 19)
        let b = Check.param("b", Shape(5), seed: 20)
        Check.gradients([x, w, b]) { g in linear(g.param(x), weight: g.param(w), bias: g.param(b)) }
        Check.gradients([x, w]) { g in linear(g.param(x), weight: g.param(w), bias: nil) }
        Check.gradients([x, w, b], h: 1e-3) { g in linear(g.param(x), weight: g.param(w), bias: g.param(b), relu: true) }
        let g = Graph()
        let fused = linear(g.param(x), weight: g.param(w), bias: g.param(b), relu: true).array
        let separate = linear(g.param(x), weight: g.param(w), bias: g.param(b)).relu().array
        XCTAssertEqual(fused, separate)
    }

    func testMaskedSoftmaxAndLogSoftmax() {
        let x = Check.param("x", Shape(3, 4), seed: 21)
        let maskValues: [Float] = [1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0]
        Check.gradients([x]) { g in g.param(x).softmax() }
        Check.gradients([x]) { g in g.param(x).logSoftmax() }
        Check.gradients([x]) { g in g.param(x).softmax(mask: g.constant(maskValues, Shape(3, 4))) }
        Check.gradients([x]) { g in g.param(x).logSoftmax(mask: g.constant(maskValues, Shape(3, 4))) }
    }

    func testAllMaskedRowsGiveZerosNotNaN() {
        let g = Graph()
        let x = g.variable([1, 2, 3, 4, 5, 6], Shape(2, 3))
        let mask = g.constant([0, 0, 0, 1, 0, 1], Shape(2, 3))
        let p = x.softmax(mask: mask), lp = x.logSoftmax(mask: mask)
        XCTAssertEqual(Array(p.array[0..<3]), [0, 0, 0])
        XCTAssertEqual(Array(lp.array[0..<3]), [0, 0, 0])
        XCTAssertEqual(p.array[4], 0)
        XCTAssertEqual(p.array[3] + p.array[5], 1, accuracy: 1e-6)
        XCTAssertEqual(lp.array[4], maskedLogProbability)
        let entropy = -(p * lp).sum()
        g.backward(entropy)
        XCTAssertFalse(entropy.scalar.isNaN)
        XCTAssertFalse(x.gradient!.contains { $0.isNaN || $0.isInfinite })
        XCTAssertEqual(Array(x.gradient![0..<3]), [0, 0, 0])
    }

    func testGatherOneHotArgmax() {
        let x = Check.param("x", Shape(2, 3, 4), seed: 22)
        Check.gradients([x]) { g in g.param(x).gather(g.indices([0, 3, 2, 1, 1, 0], Shape(2, 3, 1))) }
        let g = Graph()
        let t = g.constant([0.1, 0.9, 0.3, 0.7, 0.2, 0.0], Shape(2, 3))
        XCTAssertEqual(t.argmax().array, [1, 0])
        XCTAssertEqual(t.argmax().shape, Shape(2, 1))
        XCTAssertEqual(t.argmax().oneHot(depth: 3).array, [0, 1, 0, 1, 0, 0])
        XCTAssertEqual(g.indices([2, 0], Shape(2)).oneHot(depth: 3).shape, Shape(2, 3))
        XCTAssertEqual(t.gather(g.indices([2, 1], Shape(2, 1))).array, [0.3, 0.2])
    }

    func testShapeOps() {
        let a = Check.param("a", Shape(2, 3), seed: 23)
        let b = Check.param("b", Shape(2, 2), seed: 24)
        let c = Check.param("c", Shape(3, 3), seed: 25)
        Check.gradients([a, b]) { g in concat([g.param(a), g.param(b)], axis: 1) }
        Check.gradients([a, c]) { g in concat([g.param(a), g.param(c)], axis: 0) }
        Check.gradients([a, c]) { g in stack([g.param(a), g.param(c).sliced(axis: 0, 1..<3)]) }
        Check.gradients([c]) { g in g.param(c).sliced(axis: 1, 1..<3) }
        Check.gradients([c]) { g in g.param(c).sliced(axis: 0, 1..<2) * 2 }
        Check.gradients([c]) { g in g.param(c)[2] * 3 }
        Check.gradients([a]) { g in g.param(a).reshaped(Shape(3, 2)).transposed() }
        Check.gradients([a]) { g in g.param(a).transposed() }
        let g = Graph()
        let t = g.constant([1, 2, 3, 4, 5, 6], Shape(2, 3))
        XCTAssertEqual(t.transposed().array, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(concat([t, t], axis: 1).array, [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        XCTAssertEqual(stack([t, t]).shape, Shape(2, 2, 3))
        XCTAssertEqual(t.sliced(axis: 1, 1..<3).array, [2, 3, 5, 6])
        XCTAssertEqual(t[1].array, [4, 5, 6])
    }

    func testDetachStopsGradient() {
        let g = Graph()
        let x = g.variable([1, 2], Shape(2))
        let y = (x * x.detached()).sum()
        g.backward(y)
        XCTAssertEqual(x.gradient!, [1, 2])
        let g2 = Graph()
        let x2 = g2.variable([3], Shape(1))
        let z = g2.withoutGradients { x2 * 2 }
        XCTAssertFalse(z.requiresGrad)
    }

    func testStraightThroughRoutesGradient() {
        let g = Graph()
        let soft = g.variable([0.2, 0.8], Shape(2))
        let hard = g.constant([0, 1], Shape(2))
        let st = hard.straightThrough(gradientTo: soft)
        XCTAssertEqual(st.array, [0, 1])
        g.backward((st * g.constant([3, 5], Shape(2))).sum())
        XCTAssertEqual(soft.gradient!, [3, 5])
    }

    func testGraphReuseKeepsNodeCountAndValues() {
        let w = Check.param("w", Shape(3, 2), seed: 26)
        let g = Graph()
        var previous: [Float] = []
        for _ in 0..<3 {
            g.reset()
            w.zeroGrad()
            let y = linear(g.constant([1, 2], Shape(1, 2)), weight: g.param(w), bias: nil).square().sum()
            g.backward(y)
            if !previous.isEmpty { XCTAssertEqual(previous, w.gradients) }
            previous = w.gradients
            XCTAssertEqual(g.nodeCount, 5)
        }
    }

    func testBackwardTwiceAccumulates() {
        let w = Parameter(name: "w", shape: Shape(1), values: [2])
        let g = Graph()
        let y = g.param(w).square()
        g.backward(y.sum())
        g.backward((y * 3).sum())
        XCTAssertEqual(w.gradients, [16]) // 2w + 3·2w
    }
}

import Foundation
