/// PyMARL's recurrent agent network (docs/learners.md §0.10): x → Linear + ReLU → GRUCell → Linear.
/// Parameter names: "<name>.fc1.*", "<name>.rnn.*", "<name>.fc2.*" (as PyMARL's RNNAgent).
public final class RecurrentAgent {
    /// Input layer.
    public let fc1: Linear
    /// Recurrent cell.
    public let rnn: GRUCell
    /// Output layer (Q-values or logits).
    public let fc2: Linear

    /// An agent network with PyTorch default initialisation.
    public init(_ name: String, inputs: Int, hidden: Int = 64, actions: Int, rng: inout RandomSource) {
        fc1 = Linear(name + ".fc1", inputs, hidden, rng: &rng)
        rnn = GRUCell(name + ".rnn", inputs: hidden, hidden: hidden, rng: &rng)
        fc2 = Linear(name + ".fc2", hidden, actions, rng: &rng)
    }

    /// All parameters.
    public var parameters: [Parameter] { fc1.parameters + rnn.parameters + fc2.parameters }

    /// Hidden size.
    public var hidden: Int { rnn.hidden }

    /// One step: x [B, in], h [B, H] → (outputs [B, A], h' [B, H]).
    public func step(_ x: Tensor, _ h: Tensor) -> (output: Tensor, hidden: Tensor) {
        let next = rnn(fc1(x, then: .relu), h)
        return (fc2(next), next)
    }

    /// Unrolls over a whole sequence xs [T, B, in] from a zero hidden state: returns outputs [T, B, A].
    /// Mathematically the same as stepping, but the input layers of all steps run as single matrix products.
    public func unroll(_ xs: Tensor) -> Tensor {
        let batch = xs.shape[1]
        let h0 = xs.graph.zeros(Shape(batch, hidden))
        let hs = rnn.unroll(fc1(xs, then: .relu), from: h0)
        return fc2(hs)
    }
}
