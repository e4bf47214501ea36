import Common
import Tensors

/// Feed-forward stochastic actors (docs/learners.md §4.2): a trunk MLP with ReLU and a final tanh,
/// then a tanh-squashed Gaussian head (continuous agents, §0.6) or masked logits sampled with
/// Gumbel straight-through (discrete agents, §0.7). One network per agent (HARL: no sharing by
/// default), or one per group of agents with equal spaces; each network has its agents' own sizes.
public final class StochasticActors {
    public let layout: EpisodeLayout
    let trunks: [MLP]
    let heads: [Linear]
    /// The log-σ heads of the continuous networks (nil for discrete ones).
    let logStds: [Linear?]
    /// Which network agent i acts with.
    let networkOf: [Int]
    /// The agents of each network.
    public let members: [[Int]]
    /// A LayerNorm on each network's input (HARL's feature normalisation), or none.
    let inputNorms: [LayerNorm]

    /// Actors with PyTorch's initialisation of the trunks and heads (the discrete logits orthogonal with
    /// gain 0.01), or with `orthogonal` HARL's: orthogonal trunks with ReLU's gain √2 and every head
    /// orthogonal with gain 0.01. `inputNorm` puts a LayerNorm before each trunk.
    public init(_ name: String, layout: EpisodeLayout, hidden: [Int], sharing: ParameterSharing = .none, orthogonal: Bool = false,
                inputNorm: Bool = false, rng: inout RandomSource) {
        self.layout = layout
        members = sharing == .groups ? layout.groups : (0..<layout.agents).map { [$0] }
        var networkOf = Array(repeating: 0, count: layout.agents)
        for (k, group) in members.enumerated() { for i in group { networkOf[i] = k } }
        self.networkOf = networkOf
        let first = members.map { $0[0] }
        let trunkGain: Float? = orthogonal ? Float(2).squareRoot() : nil
        trunks = first.enumerated().map { k, i in
            MLP("\(name)\(k).trunk", sizes: [layout.observationSizes[i]] + hidden, orthogonalGain: trunkGain, rng: &rng)
        }
        func head(_ headName: String, _ inputs: Int, _ outputs: Int, small: Bool) -> Linear {
            small ? Linear(headName, inputs, outputs, orthogonalGain: 0.01, rng: &rng) : Linear(headName, inputs, outputs, rng: &rng)
        }
        heads = first.enumerated().map { k, i in
            let H = hidden.last ?? layout.observationSizes[i]
            switch layout.actionSpaces[i] {
            case let .continuous(d): return head("\(name)\(k).mean", H, d, small: orthogonal)
            case let .discrete(n): return head("\(name)\(k).logits", H, n, small: true)
            }
        }
        logStds = first.enumerated().map { k, i in
            guard case let .continuous(d) = layout.actionSpaces[i] else { return nil }
            return head("\(name)\(k).log_std", hidden.last ?? layout.observationSizes[i], d, small: orthogonal)
        }
        inputNorms = inputNorm ? first.enumerated().map { k, i in LayerNorm("\(name)\(k).feature_norm", layout.observationSizes[i]) } : []
    }

    /// Every actor's parameters.
    public var parameters: [Parameter] { (0..<trunks.count).flatMap { networkParameters($0) } }

    /// How many networks there are (one per agent, or one per group).
    public var networkCount: Int { trunks.count }

    /// The network agent i acts with.
    public func network(of i: Int) -> Int { networkOf[i] }

    /// The parameters of network k.
    public func networkParameters(_ k: Int) -> [Parameter] {
        (inputNorms.isEmpty ? [] : inputNorms[k].parameters) + trunks[k].parameters + heads[k].parameters + (logStds[k]?.parameters ?? [])
    }

    private func features(_ i: Int, _ observations: Tensor) -> Tensor {
        let k = networkOf[i]
        return trunks[k](inputNorms.isEmpty ? observations : inputNorms[k](observations)).tanh()
    }

    /// A sample for agent i from observations [B, Oᵢ] (and availability [B, Aᵢ] when discrete):
    /// the action [B, Wᵢ] (values, or a one-hot carrying the Gumbel gradient) and log π [B, 1].
    /// Reparameterised, so gradients reach the actor when the graph records.
    public func sample(_ i: Int, observations: Tensor, available: Tensor?, rng: inout RandomSource) -> (action: Tensor, logProbability: Tensor) {
        if layout.actionSpaces[i].isContinuous { return gaussian(i, observations: observations).sample(rng: &rng) }
        let h = features(i, observations)
        let logits = heads[networkOf[i]](h)
        let gumbel = GumbelSoftmaxSample(logits: logits, mask: available, rng: &rng)
        return (gumbel.action, gumbel.logProbability(logits: logits, mask: available))
    }

    /// The noise agent i's `sample` draws for `rows` rows (Gaussian [rows, Dᵢ] or Gumbel [rows, Aᵢ]).
    public func noise(_ i: Int, rows: Int, graph: Graph, rng: inout RandomSource) -> Tensor {
        let shape = Shape(rows, layout.actionWidth(of: i))
        if layout.actionSpaces[i].isContinuous { return TanhGaussian.noise(shape, graph: graph, rng: &rng) }
        return GumbelSoftmaxSample.noise(shape, graph: graph, rng: &rng)
    }

    /// `sample` with the noise drawn ahead (`noise`).
    public func sample(_ i: Int, observations: Tensor, available: Tensor?, noise: Tensor) -> (action: Tensor, logProbability: Tensor) {
        if layout.actionSpaces[i].isContinuous { return gaussian(i, observations: observations).sample(noise: noise) }
        let logits = heads[networkOf[i]](features(i, observations))
        let gumbel = GumbelSoftmaxSample(logits: logits, mask: available, noise: noise)
        return (gumbel.action, gumbel.logProbability(logits: logits, mask: available))
    }

    /// A sample of every agent without gradient, as `sample` agent after agent would give (the noise is
    /// drawn first, agent by agent in order), with the agents' actors side by side on `pool`, each on
    /// `tapes[i]`. observations[i]: [B, Oᵢ]; available[i]: [B, Aᵢ] or nil.
    public func sampleEvery(observations: [Tensor], available: [Tensor?], rng: inout RandomSource, tapes: [Graph],
                            pool: WorkerPool?) -> [(action: Tensor, logProbability: Tensor)] {
        let N = layout.agents, g = observations[0].graph, rows = observations[0].shape[0]
        precondition(tapes.count == N, "one tape per agent")
        let noises = (0..<N).map { noise($0, rows: rows, graph: g, rng: &rng) }
        // Every branch sees every input; agent i reads its observations, its noise and its mask (if any).
        let masks = available.compactMap { $0 }
        var maskIndex = [Int?](repeating: nil, count: N), next = 2 * N
        for i in 0..<N where available[i] != nil { maskIndex[i] = next; next += 1 }
        let samples = g.withoutGradients {
            g.branches(observations + noises + masks, tapes: tapes, pool: pool) { i, inputs in
                let (action, logProbability) = sample(i, observations: inputs[i], available: maskIndex[i].map { inputs[$0] }, noise: inputs[N + i])
                return concat([action, logProbability], axis: -1)
            }
        }
        return (0..<N).map { i in
            let W = layout.actionWidth(of: i)
            return (samples[i].sliced(axis: -1, 0..<W), samples[i].sliced(axis: -1, W..<(W + 1)))
        }
    }

    /// Agent i's tanh-squashed Gaussian for observations [B, Oᵢ] (continuous agents), for methods
    /// that look at the policy's parameters rather than only at samples.
    public func gaussian(_ i: Int, observations: Tensor) -> TanhGaussian {
        let k = networkOf[i]
        guard let logStd = logStds[k] else { preconditionFailure("a Gaussian policy needs continuous actions") }
        let h = features(i, observations)
        return TanhGaussian(mean: heads[k](h), logStd: logStd(h))
    }

    /// The deterministic test action: tanh(μ), or the most probable available action as a one-hot.
    public func deterministic(_ i: Int, observations: Tensor, available: Tensor?) -> Tensor {
        let k = networkOf[i], h = features(i, observations)
        switch layout.actionSpaces[i] {
        case .continuous: return heads[k](h).tanh()
        case let .discrete(n): return MaskedCategorical(logits: heads[k](h), mask: available).greedy().oneHot(depth: n)
        }
    }

    /// Agent i's observations [B, Oᵢ] from rows laid out [B][N][observationSize].
    public func observations(_ data: UnsafeBufferPointer<Float>, agent i: Int, graph: Graph) -> Tensor {
        AgentColumns.observations(data, agent: i, layout: layout, graph: graph)
    }

    /// Agent i's availability [B, Aᵢ] from rows laid out [B][N][actions] (nil for a continuous agent).
    public func availability(_ data: UnsafeBufferPointer<Float>, agent i: Int, graph: Graph) -> Tensor? {
        guard case let .discrete(n) = layout.actionSpaces[i] else { return nil }
        return AgentColumns.of(data, agent: i, agents: layout.agents, stride: layout.actions, width: n, graph: graph)
    }

    /// Actions for one step of E instances ([E][N][O] observations), sampled or deterministic:
    /// discrete agents' ids in `discrete` [E·N], continuous agents' values in `continuous` [E·N·D].
    public func act(observations: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>, mode: ActingMode,
                    graph: Graph, rng: inout RandomSource) -> JointActions {
        let N = layout.agents, D = layout.actionDimensions
        let E = observations.count / (N * layout.observationSize)
        graph.reset()
        var joint = JointActions()
        joint.continuous = D > 0 ? Array(repeating: 0, count: E * N * D) : []
        joint.discrete = layout.actions > 0 ? Array(repeating: 0, count: E * N) : []
        graph.withoutGradients {
            for i in 0..<N {
                let obs = self.observations(observations, agent: i, graph: graph)
                let mask = availability(available, agent: i, graph: graph)
                let action = mode == .greedy ? deterministic(i, observations: obs, available: mask)
                                             : sample(i, observations: obs, available: mask, rng: &rng).action
                let W = layout.actionWidth(of: i)
                for e in 0..<E {
                    if layout.actionSpaces[i].isContinuous {
                        for d in 0..<W { joint.continuous[(e * N + i) * D + d] = action.storage[e * W + d] }
                    } else {
                        for a in 0..<W where action.storage[e * W + a] > 0.5 { joint.discrete[e * N + i] = Int32(a) }
                    }
                }
            }
        }
        return joint
    }
}
