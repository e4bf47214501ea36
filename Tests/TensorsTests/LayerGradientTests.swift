import XCTest
@testable import Tensors

/// Gradient checks and behaviour of layers, mixers and policy heads.
final class LayerGradientTests: XCTestCase {
    func testLinearLayerAndInits() {
        var rng = RandomSource(seed: 1)
        let layer = Linear("fc", 4, 3, rng: &rng)
        XCTAssertEqual(layer.weight.name, "fc.weight")
        XCTAssertTrue(layer.weight.values.allSatisfy { Swift.abs($0) <= 0.5 })
        let x = Check.param("x", Shape(2, 4), seed: 2)
        Check.gradients([x] + layer.parameters) { g in layer(g.param(x)) }

        let ortho = Linear("o", 6, 4, orthogonalGain: 2, rng: &rng)
        // Rows of a wide orthogonal matrix are orthogonal with norm = gain.
        let w = ortho.weight.values
        for i in 0..<4 {
            for j in 0..<4 {
                var dot: Float = 0
                for k in 0..<6 { dot += w[i * 6 + k] * w[j * 6 + k] }
                XCTAssertEqual(dot, i == j ? 4 : 0, accuracy: 1e-4)
            }
        }
        let tall = Linear("t", 3, 5, orthogonalGain: 1, rng: &rng).weight.values
        for i in 0..<3 {
            for j in 0..<3 {
                var dot: Float = 0
                for k in 0..<5 { dot += tall[k * 3 + i] * tall[k * 3 + j] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-4)
            }
        }
    }

    func testMLP() {
        var rng = RandomSource(seed: 3)
        let mlp = MLP("net", sizes: [3, 5, 4, 2], activation: .tanh, rng: &rng)
        XCTAssertEqual(mlp.parameters.map(\.name), ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias", "net.4.weight", "net.4.bias"])
        let x = Check.param("x", Shape(2, 3), seed: 4)
        Check.gradients([x] + mlp.parameters) { g in mlp(g.param(x)) }
        let relu = MLP("r", sizes: [3, 4, 2], activation: .elu, rng: &rng)
        Check.gradients([x] + relu.parameters) { g in relu(g.param(x)) }
    }

    func testGRUCellMatchesEquationsAndGradients() {
        var rng = RandomSource(seed: 5)
        let cell = GRUCell("rnn", inputs: 3, hidden: 4, rng: &rng)
        let x = Check.param("x", Shape(2, 3), seed: 6)
        let h = Check.param("h", Shape(2, 4), seed: 7)
        Check.gradients([x, h] + cell.parameters) { g in cell(g.param(x), g.param(h)) }
        Check.gradients([x, h] + cell.parameters) { g in cell.step(projected: cell.inputProjection(g.param(x)), g.param(h)) }

        // Reference: PyTorch GRUCell equations evaluated in Double.
        let g = Graph()
        let out = cell(g.param(x), g.param(h)).array
        let wih = cell.weightIH.values.map(Double.init), whh = cell.weightHH.values.map(Double.init)
        let bih = cell.biasIH.values.map(Double.init), bhh = cell.biasHH.values.map(Double.init)
        let xv = x.values.map(Double.init), hv = h.values.map(Double.init)
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        for b in 0..<2 {
            for j in 0..<4 {
                func gi(_ row: Int) -> Double { bih[row] + (0..<3).reduce(0.0) { $0 + wih[row * 3 + $1] * xv[b * 3 + $1] } }
                func gh(_ row: Int) -> Double { bhh[row] + (0..<4).reduce(0.0) { $0 + whh[row * 4 + $1] * hv[b * 4 + $1] } }
                let r = sigmoid(gi(j) + gh(j)), z = sigmoid(gi(4 + j) + gh(4 + j))
                let n = Foundation.tanh(gi(8 + j) + r * gh(8 + j))
                let expected = (1 - z) * n + z * hv[b * 4 + j]
                XCTAssertEqual(Double(out[b * 4 + j]), expected, accuracy: 1e-6)
            }
        }
    }

    func testGRUSequenceOpGradientsAndEquivalence() {
        var rng = RandomSource(seed: 30)
        for hidden in [4, 8] { // 8 exercises the vectorised gate loops, 4 the scalar tails
            let cell = GRUCell("rnn", inputs: 3, hidden: hidden, rng: &rng)
            let xs = Check.param("xs", Shape(4, 2, 3), seed: 31)
            let h0 = Check.param("h0", Shape(2, hidden), seed: 32)
            Check.gradients([xs, h0] + cell.parameters, h: 1e-3) { g in cell.unroll(g.param(xs), from: g.param(h0)) }
            let g = Graph()
            let fused = cell.unroll(g.param(xs), from: g.param(h0)).array
            var h = g.param(h0)
            var stepped: [Float] = []
            for t in 0..<4 { h = cell(g.param(xs)[t], h); stepped += h.array }
            for (a, b) in zip(fused, stepped) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
    }

    func testRecurrentAgentUnrollMatchesStepping() {
        var rng = RandomSource(seed: 8)
        let agent = RecurrentAgent("agent", inputs: 3, hidden: 4, actions: 2, rng: &rng)
        let xs = Check.param("xs", Shape(5, 2, 3), seed: 9)
        let g = Graph()
        let unrolled = agent.unroll(g.param(xs)).array
        var h = g.zeros(Shape(2, 4))
        var stepped: [Float] = []
        for t in 0..<5 {
            let (q, next) = agent.step(g.param(xs)[t], h)
            h = next
            stepped += q.array
        }
        for (a, b) in zip(unrolled, stepped) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let short = Check.param("short", Shape(3, 2, 3), seed: 10)
        Check.gradients([short] + agent.parameters, h: 1e-3) { g in agent.unroll(g.param(short)) }
    }

    func testLayerNorm() {
        let norm = LayerNorm("ln", 5)
        norm.weight.values = [1, 0.5, 2, -1, 1.5]
        norm.bias.values = [0, 0.1, -0.2, 0.3, 0]
        let x = Check.param("x", Shape(3, 5), seed: 11)
        Check.gradients([x] + norm.parameters) { g in norm(g.param(x)) }
        let g = Graph()
        let plain = LayerNorm("p", 4)
        let y = plain(g.constant([1, 2, 3, 4], Shape(1, 4))).array
        XCTAssertEqual(y.reduce(0, +), 0, accuracy: 1e-5)
        XCTAssertEqual(y[3], Float(1.5 / (1.25 + 1e-5).squareRoot()), accuracy: 1e-5)
        // 19 features: two 8-wide blocks and a 3-lane tail.
        let wide = LayerNorm("wide", 19)
        wide.weight.values = (0..<19).map { 0.5 + 0.1 * Float($0) }
        wide.bias.values = (0..<19).map { 0.05 * Float($0) - 0.4 }
        let xw = Check.param("xw", Shape(4, 19), seed: 12)
        Check.gradients([xw] + wide.parameters) { g in wide(g.param(xw)) }
    }

    func testLayerNormWithFusedReLUEqualsLayerNormThenReLU() {
        let norm = LayerNorm("wide", 19)
        norm.weight.values = (0..<19).map { 0.5 + 0.1 * Float($0) }
        norm.bias.values = (0..<19).map { 0.05 * Float($0) - 0.4 }
        let x = Check.param("x", Shape(4, 19), seed: 13)
        // h = 1e-3: the ReLU's kinks.
        Check.gradients([x] + norm.parameters, h: 1e-3) { g in norm(g.param(x), relu: true) }
        // Bit for bit the same values and gradients as the two ops apart (so fusing changes no run).
        func run(fused: Bool) -> [[Float]] {
            let g = Graph()
            let input = g.param(x), weights = (0..<19).map { Float($0 % 5) - 2 }
            let h = fused ? norm(input, relu: true) : norm(input).relu()
            for p in [x] + norm.parameters { p.zeroGrad() }
            g.backward((h * g.constant((0..<76).map { weights[$0 % 19] }, Shape(4, 19))).sum())
            return [h.array] + ([x] + norm.parameters).map(\.gradients)
        }
        let fused = run(fused: true), apart = run(fused: false)
        XCTAssertTrue(fused[0].contains(0) && fused[0].contains { $0 > 0 }, "the check must cover both sides of the kink")
        for (a, b) in zip(fused, apart) { XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern)) }
    }

    func testLayerNormedMLP() {
        var rng = RandomSource(seed: 5)
        let mlp = MLP("net", sizes: [3, 9, 8, 2], layerNorm: true, rng: &rng)
        XCTAssertEqual(mlp.parameters.map(\.name), ["net.0.weight", "net.0.bias", "net.1.weight", "net.1.bias", "net.3.weight", "net.3.bias",
                                                    "net.4.weight", "net.4.bias", "net.6.weight", "net.6.bias"])
        let x = Check.param("x", Shape(5, 3), seed: 6)
        // h = 1e-3: the ReLUs have kinks that a wider step can straddle.
        Check.gradients([x] + mlp.parameters, h: 1e-3) { g in mlp(g.param(x)) }
        // Standardised pre-activations bound the extrapolation: far along a ray the output stops changing.
        let g = Graph()
        let input: [Float] = [0.3, -1.2, 2.0]
        let a = mlp(g.constant(input.map { $0 * 1e4 }, Shape(1, 3))).array, b = mlp(g.constant(input.map { $0 * 1e5 }, Shape(1, 3))).array
        for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-2 * Swift.max(1, Swift.abs(u))) }
    }

    func testQMixerGradientsAndMonotonicity() {
        var rng = RandomSource(seed: 12)
        let mixer = QMixer("mixer", agents: 3, stateSize: 4, embed: 5, hypernetHidden: 6, rng: &rng)
        let q = Check.param("q", Shape(4, 3), seed: 13)
        let s = Check.param("s", Shape(4, 4), seed: 14)
        // h = 1e-3: the hypernetworks' ReLUs have kinks that a wider step can straddle.
        Check.gradients([q, s] + mixer.parameters, h: 1e-3) { g in mixer(g.param(q), g.param(s)) }
        XCTAssertEqual(mixer.parameters.count, 14)
        // Embedding sizes that are multiples of 8 take the vectorised path; 5 agents also exercise its fallback lanes.
        let wide = QMixer("wide", agents: 5, stateSize: 3, embed: 16, hypernetHidden: 4, rng: &rng)
        let q5 = Check.param("q5", Shape(3, 5), seed: 18)
        let s3 = Check.param("s3", Shape(3, 3), seed: 19)
        Check.gradients([q5, s3] + wide.parameters, h: 1e-3) { g in wide(g.param(q5), g.param(s3)) }
    }

    func testQMixerMatchesUnfusedReference() {
        for embed in [5, 8] { checkAgainstUnfused(embed: embed) }
    }

    func checkAgainstUnfused(embed: Int) {
        var rng = RandomSource(seed: 15)
        let mixer = QMixer("mixer", agents: 3, stateSize: 4, embed: embed, hypernetHidden: 6, rng: &rng)
        let g = Graph()
        let q = g.constant((0..<6).map { Float($0) * 0.3 - 0.8 }, Shape(2, 3))
        let s = g.constant((0..<8).map { Float($0) * 0.2 - 0.7 }, Shape(2, 4))
        let fused = mixer(q, s).array
        // The same computation spelled with bmm, abs, elu as in torch_reference.py.
        let w1 = mixer.hyperW1(s).abs().reshaped(Shape(2, 3, embed))
        let hidden = (bmm(q.reshaped(Shape(2, 1, 3)), w1) + mixer.hyperB1(s).reshaped(Shape(2, 1, embed))).elu()
        let w2 = mixer.hyperW2(s).abs().reshaped(Shape(2, embed, 1))
        let reference = (bmm(hidden, w2) + mixer.hyperB2(s).reshaped(Shape(2, 1, 1))).array
        for (a, b) in zip(fused, reference) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testQMixerJacobianMatchesAutodiff() {
        var rng = RandomSource(seed: 16)
        let mixer = QMixer("mixer", agents: 3, stateSize: 4, rng: &rng)
        let g = Graph()
        let qValues = (0..<15).map { _ in rng.normal() }
        let q = g.variable(qValues, Shape(5, 3))
        let s = g.constant((0..<20).map { _ in rng.normal() }, Shape(5, 4))
        let jacobian = mixer.jacobian(q, s).array
        // Rows are independent, so ∂(Σ_b Q_tot[b])/∂q[b, i] = ∂Q_tot[b]/∂q[b, i].
        g.backward(mixer(q, s).sum())
        let autodiff = q.gradient!
        for (a, b) in zip(jacobian, autodiff) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertTrue(jacobian.allSatisfy { $0 >= 0 })
        XCTAssertEqual(VDNMixer().jacobian(q).array, [Float](repeating: 1, count: 15))
    }

    func testVDNMixer() {
        let q = Check.param("q", Shape(2, 3), seed: 17)
        Check.gradients([q]) { g in VDNMixer()(g.param(q)) }
        let g = Graph()
        XCTAssertEqual(VDNMixer()(g.constant([1, 2, 3, 4, 5, 6], Shape(2, 3))).array, [6, 15])
    }
}

import Foundation
