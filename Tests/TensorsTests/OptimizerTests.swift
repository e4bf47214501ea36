import XCTest
@testable import Tensors

/// Optimisers against PyTorch's update rules computed by hand in Double, target updates, clipping.
final class OptimizerTests: XCTestCase {
    func testAdamMatchesPyTorchRule() {
        let p = Parameter(name: "p", shape: Shape(2), values: [1.0, -0.5])
        let adam = Adam(ParameterSet([p]), learningRate: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8)
        let gradients: [[Double]] = [[0.5, -2], [-1, 0.25], [0.3, 0.3]]
        var expected: [Double] = [1.0, -0.5], m = [0.0, 0.0], v = [0.0, 0.0]
        for (t, grad) in gradients.enumerated() {
            for i in 0..<2 { p.grad[i] = Float(grad[i]) }
            adam.step()
            let step = Double(t + 1)
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * grad[i]
                v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i]
                let mHat = m[i] / (1 - pow(0.9, step))
                let denominator = (v[i] / (1 - pow(0.999, step))).squareRoot() + 1e-8
                expected[i] -= 0.1 * mHat / denominator
                XCTAssertEqual(Double(p.values[i]), expected[i], accuracy: 1e-6)
            }
        }
        // First step of Adam moves every coordinate by exactly lr (sign of the gradient).
        XCTAssertEqual(adam.stepCount, 3)
    }

    func testAdamWeightDecay() {
        let p = Parameter(name: "p", shape: Shape(1), values: [2])
        let adam = Adam(ParameterSet([p]), learningRate: 0.01, weightDecay: 0.1)
        p.grad[0] = 0.5
        adam.step()
        // g' = 0.5 + 0.1·2 = 0.7; first step: θ − lr·g'/(|g'| + eps).
        XCTAssertEqual(Double(p.values[0]), 2 - 0.01 * 0.7 / (0.7 + 1e-8), accuracy: 1e-6)
    }

    func testRMSpropMatchesPyTorchRule() {
        let p = Parameter(name: "p", shape: Shape(2), values: [0.3, -0.7])
        let rms = RMSprop(ParameterSet([p]), learningRate: 5e-4, alpha: 0.99, eps: 1e-5)
        var expected: [Double] = [0.3, -0.7], v = [0.0, 0.0]
        for grad in [[1.0, -0.02], [-0.5, 0.04], [2.0, 0.0]] {
            for i in 0..<2 { p.grad[i] = Float(grad[i]) }
            rms.step()
            for i in 0..<2 {
                v[i] = 0.99 * v[i] + 0.01 * grad[i] * grad[i]
                expected[i] -= 5e-4 * grad[i] / (v[i].squareRoot() + 1e-5)
                XCTAssertEqual(Double(p.values[i]), expected[i], accuracy: 1e-6)
            }
        }
    }

    func testGradientClipping() {
        let a = Parameter(name: "a", shape: Shape(2)), b = Parameter(name: "b", shape: Shape(1))
        a.grad[0] = 3; a.grad[1] = 0; b.grad[0] = 4
        let set = ParameterSet([a, b])
        XCTAssertEqual(set.clipGradientNorm(maxNorm: 10), 5, accuracy: 1e-6)
        XCTAssertEqual(b.gradients, [4]) // under the limit: untouched
        let norm = set.clipGradientNorm(maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(Double(a.grad[0]), 3 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(Double(b.grad[0]), 4 / (5 + 1e-6), accuracy: 1e-6)
    }

    func testTargetUpdates() {
        let online = ParameterSet([Parameter(name: "w", shape: Shape(2), values: [1, 2])])
        let target = ParameterSet([Parameter(name: "tw", shape: Shape(2), values: [0, 0])])
        target.polyak(from: online, tau: 0.25)
        XCTAssertEqual(target.parameters[0].values, [0.25, 0.5])
        target.copy(from: online)
        XCTAssertEqual(target.parameters[0].values, [1, 2])
    }

    func testTrainingIsDeterministic() {
        func train() -> [Float] {
            var rng = RandomSource(seed: 42)
            let mlp = MLP("m", sizes: [4, 8, 2], rng: &rng)
            let adam = Adam(ParameterSet(mlp.parameters))
            let g = Graph()
            for _ in 0..<5 {
                g.reset()
                adam.zeroGrad()
                let x = g.constant(Shape(3, 4)) { b in for i in 0..<b.count { b[i] = rng.normal() } }
                g.backward(mlp(x).square().mean())
                adam.step()
            }
            return mlp.parameters.flatMap(\.values)
        }
        XCTAssertEqual(train(), train())
    }

    func testRandomSourceIsReproducibleAndUniform() {
        var a = RandomSource(seed: 7), b = RandomSource(seed: 7)
        for _ in 0..<10 { XCTAssertEqual(a.next(), b.next()) }
        var mean = 0.0, meanSquare = 0.0
        for _ in 0..<20000 { let n = Double(a.normal()); mean += n; meanSquare += n * n }
        XCTAssertEqual(mean / 20000, 0, accuracy: 0.03)
        XCTAssertEqual(meanSquare / 20000, 1, accuracy: 0.04)
        for _ in 0..<1000 { let u = a.uniform(); XCTAssertTrue(u >= 0 && u < 1); XCTAssertTrue((0..<5).contains(a.nextInt(below: 5))) }
    }
}

import Foundation
