import Common
import Tensors

/// One feed-forward network per agent (or per group of agents with equal spaces), f_i(x_i) →
/// [B, outputs], each with a Polyak-averaged target copy: FSV's per-agent Q_i(o_i, u_i) and V_i(o_i),
/// the DDPG-style baselines' critics Q_i(o_i, u_i) and (with a tanh on top) their deterministic actors μ_i(o_i).
public final class AgentNetworks {
    let networks: [MLP], targets: [MLP]
    /// Which network serves agent i.
    let networkOf: [Int]
    public let online: ParameterSet, target: ParameterSet

    /// N networks of sizes [inputs, hidden…, outputs] (LayerNorm before each hidden activation with
    /// `layerNorm`); the targets start as copies.
    public convenience init(_ name: String, agents: Int, inputs: Int, hidden: [Int], outputs: Int = 1, layerNorm: Bool = false,
                            rng: inout RandomSource) {
        self.init(name, inputs: Array(repeating: inputs, count: agents), hidden: hidden, outputs: Array(repeating: outputs, count: agents),
                  layerNorm: layerNorm, rng: &rng)
    }

    /// Networks of sizes [inputs[i], hidden…, outputs[i]] for agents of their own sizes: one per agent,
    /// or one per group in `groups` (agents of one group have equal sizes), named `name0`, `name1`, ….
    public init(_ name: String, inputs: [Int], hidden: [Int], outputs: [Int], layerNorm: Bool = false, groups: [[Int]]? = nil,
                rng: inout RandomSource) {
        let members = groups ?? inputs.indices.map { [$0] }
        var networkOf = Array(repeating: 0, count: inputs.count)
        for (k, group) in members.enumerated() { for i in group { networkOf[i] = k } }
        self.networkOf = networkOf
        let sizes = members.map { [inputs[$0[0]]] + hidden + [outputs[$0[0]]] }
        networks = sizes.indices.map { MLP("\(name)\($0)", sizes: sizes[$0], layerNorm: layerNorm, rng: &rng) }
        targets = sizes.indices.map { MLP("target_\(name)\($0)", sizes: sizes[$0], layerNorm: layerNorm, rng: &rng) }
        online = ParameterSet(networks.flatMap(\.parameters))
        target = ParameterSet(targets.flatMap(\.parameters))
        target.copy(from: online)
        target.setRequiresGrad(false)
    }

    /// Agent i's online output for inputs [B, inputs].
    public func callAsFunction(_ i: Int, _ inputs: Tensor) -> Tensor { networks[networkOf[i]](inputs) }

    /// Agent i's target output for inputs [B, inputs].
    public func target(_ i: Int, _ inputs: Tensor) -> Tensor { targets[networkOf[i]](inputs) }

    /// Freezes or unfreezes the online networks (a phase that only reads them must not record their gradients).
    public func setTrainable(_ flag: Bool) { online.setRequiresGrad(flag) }

    /// θ̄ ← (1 − τ) θ̄ + τ θ.
    public func updateTargets(tau: Float) { target.polyak(from: online, tau: tau) }

    /// Everything a checkpoint holds.
    public var parameters: ParameterSet { online + target }
}

extension AgentColumns {
    /// Per-agent [B, W] blocks laid back out as the [B·N, W] rows of `[B][N][W]` data (row r is agent r mod N).
    public static func interleaved(_ blocks: [Tensor]) -> Tensor {
        let N = blocks.count, B = blocks[0].shape[0], W = blocks[0].shape[1], g = blocks[0].graph
        return g.constant(Shape(B * N, W)) { out in
            for (i, block) in blocks.enumerated() {
                for b in 0..<B { for k in 0..<W { out[(b * N + i) * W + k] = block.storage[b * W + k] } }
            }
        }
    }
}

extension AgentNetworks: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("online", online)
        try archive.parameters("target", target)
    }
}
