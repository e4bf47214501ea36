import XCTest
@testable import Tensors

/// ADER's N-output entropy mixer: gradients against finite differences, monotone heads, and the
/// forward pass written out.
final class EntropyMixerTests: XCTestCase {
    func testGradientsMatchFiniteDifferences() {
        var rng = RandomSource(seed: 21)
        let mixer = EntropyMixer("entropy_mixer", agents: 3, stateSize: 4, embed: 5, hypernetHidden: 6, rng: &rng)
        let q = Check.param("q", Shape(2, 3), seed: 22)
        let s = Check.param("s", Shape(2, 4), seed: 23)
        // A small step: abs() on the hypernetwork outputs has a kink at 0 that a 1e−2 step can cross.
        Check.gradients([q, s] + mixer.parameters, h: 1e-3, atol: 3e-3) { g in mixer(g.param(q), g.param(s)) }
    }

    func testEveryHeadIsNonDecreasingInEveryAgentsValue() {
        var rng = RandomSource(seed: 24)
        let N = 3, B = 6
        let mixer = EntropyMixer("entropy_mixer", agents: N, stateSize: 4, rng: &rng)
        let qValues = (0..<(B * N)).map { _ in 3 * rng.normal() }, sValues = (0..<(B * 4)).map { _ in rng.normal() }
        for head in 0..<N {
            let g = Graph()
            let q = g.variable(qValues, Shape(B, N))
            // Rows are independent, so the gradient of Σ_b out[b, head] holds ∂out[b, head]/∂q[b, i].
            g.backward(mixer(q, g.constant(sValues, Shape(B, 4))).sliced(axis: 1, head..<(head + 1)).sum())
            XCTAssertTrue(q.gradient!.allSatisfy { $0 >= 0 }, "head \(head): \(q.gradient!)")
        }
    }

    func testForwardIsTheQMIXFormulaWithNHeads() {
        var rng = RandomSource(seed: 25)
        let N = 2, E = 4, S = 3
        let mixer = EntropyMixer("m", agents: N, stateSize: S, embed: E, hypernetHidden: 5, rng: &rng)
        let qValues: [Float] = [0.4, -1.2], sValues: [Float] = [0.3, -0.7, 1.1]
        let g = Graph()
        let s = g.constant(sValues, Shape(1, S))
        let out = mixer(g.constant(qValues, Shape(1, N)), s).array
        let w1 = mixer.hyperW1(s).array, w2 = mixer.hyperW2(s).array, b1 = mixer.hyperB1(s).array, b2 = mixer.hyperB2(s).array
        for head in 0..<N {
            var expected = b2[head]
            for k in 0..<E {
                var z = b1[k]
                for i in 0..<N { z += qValues[i] * Swift.abs(w1[i * E + k]) }
                expected += (z > 0 ? z : Foundation.exp(z) - 1) * Swift.abs(w2[k * N + head])
            }
            XCTAssertEqual(out[head], expected, accuracy: 1e-5)
        }
    }
}
