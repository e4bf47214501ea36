import Tensors

/// The positive, joint-action-dependent credit weights λ_i(s, u) = Σ_h λ_{i,h} of FSV
/// (docs/learners.md §8.2, eqs. 14–15, Qatten-style): per head, λ_{i,h} = softmax over agents of
/// e_u,iᵀ W_k,hᵀ W_q,h e_s, with e_s a two-layer embedding of the state and e_u,i one of agent
/// i's action features (a one-hot for discrete actions, the values for continuous ones) and id.
/// Each λ_i lies in (0, heads).
public final class AttentionWeights {
    /// N, the width F of one agent's action features, and H.
    public let agents: Int, actionFeatures: Int, heads: Int
    let stateEmbedding: MLP, actionEmbedding: MLP
    let queries: [Linear], keys: [Linear]
    let keySize: Int

    public init(_ name: String, agents: Int, actionFeatures: Int, stateSize: Int, embed: Int = 64, heads: Int = 4, keySize: Int = 32,
                rng: inout RandomSource) {
        self.agents = agents
        self.actionFeatures = actionFeatures
        self.heads = heads
        self.keySize = keySize
        stateEmbedding = MLP(name + ".state", sizes: [stateSize, embed, embed], rng: &rng)
        actionEmbedding = MLP(name + ".action", sizes: [actionFeatures + agents, embed, embed], rng: &rng)
        queries = (0..<heads).map { Linear(name + ".query\($0)", embed, keySize, bias: false, rng: &rng) }
        keys = (0..<heads).map { Linear(name + ".key\($0)", embed, keySize, bias: false, rng: &rng) }
    }

    public var parameters: [Parameter] {
        stateEmbedding.parameters + actionEmbedding.parameters + queries.flatMap(\.parameters) + keys.flatMap(\.parameters)
    }

    /// λ [rows, N] for states [rows, S] and the agents' action features [rows·N, F] (row r is agent r mod N).
    public func callAsFunction(_ states: Tensor, actionFeatures features: Tensor) -> Tensor {
        let g = states.graph
        let rows = states.shape[0], N = agents
        precondition(features.shape == Shape(rows * N, actionFeatures), "action features are [rows·N, \(actionFeatures)]")
        let ids = g.constant(Shape(rows * N, N)) { out in
            out.update(repeating: 0)
            for r in 0..<(rows * N) { out[r * N + r % N] = 1 }
        }
        let es = stateEmbedding(states), eu = actionEmbedding(concat([features, ids], axis: -1))
        var total: Tensor?
        for h in 0..<heads {
            let logits = bmm(keys[h](eu).reshaped(Shape(rows, N, keySize)), queries[h](es).reshaped(Shape(rows, keySize, 1)))
            let weights = (logits.reshaped(Shape(rows, N)) / Float(keySize).squareRoot()).softmax()
            total = total.map { $0 + weights } ?? weights
        }
        return total!
    }
}

/// FOP's credit weights, the concrete form docs/learners.md §8.2 offers beside the attention: per
/// head λ_{i,h} = |k_h(s)| · sigmoid(a_h(s))_i · sigmoid(c_h([s, u]))_i, summed over heads. Unlike
/// the attention's softmax over agents, the weights do not sum to a constant, so they can scale
/// every agent's advantage up or down with the joint action.
public final class ProductWeights {
    /// N, the width F of one agent's action features, and H.
    public let agents: Int, actionFeatures: Int, heads: Int
    let scales: [Linear], agentGates: [Linear], actionGates: [Linear]

    public init(_ name: String, agents: Int, actionFeatures: Int, stateSize: Int, heads: Int = 4, rng: inout RandomSource) {
        self.agents = agents
        self.actionFeatures = actionFeatures
        self.heads = heads
        scales = (0..<heads).map { Linear(name + ".key\($0)", stateSize, 1, rng: &rng) }
        agentGates = (0..<heads).map { Linear(name + ".agents\($0)", stateSize, agents, rng: &rng) }
        actionGates = (0..<heads).map { Linear(name + ".action\($0)", stateSize + agents * actionFeatures, agents, rng: &rng) }
    }

    public var parameters: [Parameter] {
        scales.flatMap(\.parameters) + agentGates.flatMap(\.parameters) + actionGates.flatMap(\.parameters)
    }

    /// λ [rows, N] for states [rows, S] and the agents' action features [rows·N, F] (row r is agent r mod N).
    public func callAsFunction(_ states: Tensor, actionFeatures features: Tensor) -> Tensor {
        let rows = states.shape[0], N = agents
        precondition(features.shape == Shape(rows * N, actionFeatures), "action features are [rows·N, \(actionFeatures)]")
        let withActions = concat([states, features.reshaped(Shape(rows, N * actionFeatures))], axis: -1)
        var total: Tensor?
        for h in 0..<heads {
            let gate = agentGates[h](states).sigmoid() * actionGates[h](withActions).sigmoid()    // [rows, N]
            let scaled = bmm(scales[h](states).abs().reshaped(Shape(rows, 1, 1)), gate.reshaped(Shape(rows, 1, N))).reshaped(Shape(rows, N))
            total = total.map { $0 + scaled } ?? scaled
        }
        return total! + 1e-10
    }
}

/// FSV's λ_i(s, u): the attention of the paper or FOP's product form, over action features that
/// are one-hots of discrete actions or the values of continuous ones.
public enum CreditWeights {
    case attention(AttentionWeights)
    case product(ProductWeights)

    /// The `lambda_form` setting's choice: "attention" (FSV eq. 15) or "fop" (FOP's product form).
    public init(form: String, _ name: String, agents: Int, actionFeatures: Int, stateSize: Int, embed: Int, heads: Int,
                rng: inout RandomSource) {
        switch form {
        case "fop": self = .product(ProductWeights(name, agents: agents, actionFeatures: actionFeatures, stateSize: stateSize,
                                                   heads: heads, rng: &rng))
        case "attention": self = .attention(AttentionWeights(name, agents: agents, actionFeatures: actionFeatures, stateSize: stateSize,
                                                             embed: embed, heads: heads, rng: &rng))
        default: preconditionFailure("unknown lambda_form '\(form)'")
        }
    }

    /// The width F of one agent's action features.
    public var actionFeatures: Int {
        switch self {
        case let .attention(w): return w.actionFeatures
        case let .product(w): return w.actionFeatures
        }
    }

    public var parameters: [Parameter] {
        switch self {
        case let .attention(w): return w.parameters
        case let .product(w): return w.parameters
        }
    }

    /// λ [rows, N] for states [rows, S] and action features [rows·N, F] (row r is agent r mod N).
    public func callAsFunction(_ states: Tensor, actionFeatures: Tensor) -> Tensor {
        switch self {
        case let .attention(w): return w(states, actionFeatures: actionFeatures)
        case let .product(w): return w(states, actionFeatures: actionFeatures)
        }
    }

    /// λ for discrete actions [rows·N] (0-based), as one-hot features of width F = |A|.
    public func callAsFunction(_ states: Tensor, actions chosen: [Int32]) -> Tensor {
        let F = actionFeatures
        let oneHots = states.graph.constant(Shape(chosen.count, F)) { out in
            out.update(repeating: 0)
            for r in 0..<chosen.count { out[r * F + Int(chosen[r])] = 1 }
        }
        return self(states, actionFeatures: oneHots)
    }
}
