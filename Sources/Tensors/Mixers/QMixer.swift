import Foundation

/// QMIX's monotonic mixing network with two-layer hypernetworks (docs/learners.md §0.9):
/// W1 = |hw1(s)|, b1 = hb1(s), W2 = |hw2(s)|, b2 = hb2(s); Q_tot = ELU(qᵀW1 + b1)·W2 + b2.
/// Parameter names follow PyMARL-style modules: "<name>.hw1.0.weight", "<name>.hb1.weight", "<name>.hb2.2.bias", ….
public final class QMixer {
    /// Number of agents N.
    public let agents: Int
    /// Embedding size E.
    public let embed: Int
    /// Hypernetwork producing W1 (state → H_h → N·E).
    public let hyperW1: MLP
    /// Hypernetwork producing W2 (state → H_h → E).
    public let hyperW2: MLP
    /// Hypernetwork producing b1 (state → E).
    public let hyperB1: Linear
    /// Hypernetwork producing b2 (state → E → 1).
    public let hyperB2: MLP

    /// A mixer for `agents` agents and states of size `stateSize`, PyTorch default initialisation; with
    /// `layerNorm` the hypernetworks' hidden layers are normalised (they read the raw state).
    public init(_ name: String, agents: Int, stateSize: Int, embed: Int = 32, hypernetHidden: Int = 64, layerNorm: Bool = false,
                rng: inout RandomSource) {
        self.agents = agents
        self.embed = embed
        hyperW1 = MLP(name + ".hw1", sizes: [stateSize, hypernetHidden, agents * embed], layerNorm: layerNorm, rng: &rng)
        hyperW2 = MLP(name + ".hw2", sizes: [stateSize, hypernetHidden, embed], layerNorm: layerNorm, rng: &rng)
        hyperB1 = Linear(name + ".hb1", stateSize, embed, rng: &rng)
        hyperB2 = MLP(name + ".hb2", sizes: [stateSize, embed, 1], layerNorm: layerNorm, rng: &rng)
    }

    /// All parameters (hw1, hw2, hb1, hb2).
    public var parameters: [Parameter] { hyperW1.parameters + hyperW2.parameters + hyperB1.parameters + hyperB2.parameters }

    /// Mixes per-agent values q [..., N] given states s [..., stateSize] (same leading rows) into Q_tot [rows, 1].
    public func callAsFunction(_ q: Tensor, _ s: Tensor) -> Tensor {
        qmixMix(q: q, w1: hyperW1(s), b1: hyperB1(s), w2: hyperW2(s), b2: hyperB2(s))
    }

    /// The analytic Jacobian ∂Q_tot/∂q_i = Σ_k |W1[i,k]| · ELU′(z_k) · |W2[k]| [rows, N], computed without recording gradients.
    public func jacobian(_ q: Tensor, _ s: Tensor) -> Tensor {
        let g = q.graph
        return g.withoutGradients {
            let w1 = hyperW1(s), b1 = hyperB1(s), w2 = hyperW2(s)
            let rows = q.count / agents
            let out = g.add(Shape(rows, agents), .constant, needsGrad: false)
            let qp = q.storage, w1p = w1.storage, b1p = b1.storage, w2p = w2.storage, y = out.storage
            let slope = g.values.allocate(embed)
            for b in 0..<rows {
                for k in 0..<embed {
                    var z = b1p[b * embed + k]
                    for i in 0..<agents { z += qp[b * agents + i] * Swift.abs(w1p[(b * agents + i) * embed + k]) }
                    slope[k] = (z > 0 ? 1 : Foundation.exp(z)) * Swift.abs(w2p[b * embed + k])
                }
                for i in 0..<agents {
                    var s: Float = 0
                    for k in 0..<embed { s += Swift.abs(w1p[(b * agents + i) * embed + k]) * slope[k] }
                    y[b * agents + i] = s
                }
            }
            return out
        }
    }
}
