/// ADER's entropy mixer f^H (docs/learners.md §5.2, reconstructed [R]: the official module is not
/// published): the QMIX mixer of §0.9 with N monotone heads instead of one, so that
/// [f^H(s, q)]_i = Q^{H,i}_JT. One hidden layer is shared by the heads:
///
///   h = ELU(qᵀ|W1| + b1),  out = h·|W2| + b2,  W1 [N×E], W2 [E×N], b2 [N]
///
/// with W1, W2 from two-layer ReLU hypernetworks on the state, b1 linear and b2 from a two-layer
/// hypernetwork (QMIX's b2 with N outputs). abs() keeps every output non-decreasing in every input.
public final class EntropyMixer {
    /// Number of agents N (inputs and outputs).
    public let agents: Int
    /// Embedding size E.
    public let embed: Int
    let hyperW1: MLP, hyperW2: MLP, hyperB1: Linear, hyperB2: MLP

    /// A mixer for `agents` agents and states of size `stateSize`, PyTorch default initialisation; with
    /// `layerNorm` the hypernetworks' hidden layers are normalised (they read the raw state).
    public init(_ name: String, agents: Int, stateSize: Int, embed: Int = 32, hypernetHidden: Int = 64, layerNorm: Bool = false,
                rng: inout RandomSource) {
        self.agents = agents
        self.embed = embed
        hyperW1 = MLP(name + ".hw1", sizes: [stateSize, hypernetHidden, agents * embed], layerNorm: layerNorm, rng: &rng)
        hyperW2 = MLP(name + ".hw2", sizes: [stateSize, hypernetHidden, embed * agents], layerNorm: layerNorm, rng: &rng)
        hyperB1 = Linear(name + ".hb1", stateSize, embed, rng: &rng)
        hyperB2 = MLP(name + ".hb2", sizes: [stateSize, embed, agents], layerNorm: layerNorm, rng: &rng)
    }

    /// All parameters (hw1, hw2, hb1, hb2).
    public var parameters: [Parameter] { hyperW1.parameters + hyperW2.parameters + hyperB1.parameters + hyperB2.parameters }

    /// Mixes per-agent values q [B, N] given states s [B, S] into N joint values [B, N].
    public func callAsFunction(_ q: Tensor, _ s: Tensor) -> Tensor {
        let N = agents, E = embed, B = q.count / N
        let w1 = hyperW1(s).abs().reshaped(Shape(B, N, E))
        let w2 = hyperW2(s).abs().reshaped(Shape(B, E, N))
        let hidden = (bmm(q.reshaped(Shape(B, 1, N)), w1).reshaped(Shape(B, E)) + hyperB1(s)).elu()
        return bmm(hidden.reshaped(Shape(B, 1, E)), w2).reshaped(Shape(B, N)) + hyperB2(s)
    }
}
