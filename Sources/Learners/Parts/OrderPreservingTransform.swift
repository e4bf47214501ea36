import Tensors

/// A state-conditioned, strictly increasing transformation applied element-wise to every action
/// value of an agent (Soft-QMIX §6.2, eq. 8):
///
///   OPT(x; s) = Σ_k |w2_k(s)| · ELU(|w1_k(s)| · x + b1_k(s)) + b2(s)  [+ x with the residual]
///
/// with one set of weights per agent produced by hypernetworks from the state. `hidden = 0`
/// gives the affine form |w(s)| · x + b(s). Because every weight is non-negative and ELU is
/// increasing, the order of an agent's action values is kept, so argmax is unchanged (IGM).
public final class OrderPreservingTransform {
    public let agents: Int
    public let hidden: Int
    public let residual: Bool
    let weight1: MLP?, bias1: Linear?, weight2: MLP, bias2: MLP

    public init(_ name: String, agents: Int, stateSize: Int, hidden: Int, hypernetHidden: Int = 64, residual: Bool,
                rng: inout RandomSource) {
        self.agents = agents
        self.hidden = hidden
        self.residual = residual
        if hidden > 0 {
            weight1 = MLP(name + ".w1", sizes: [stateSize, hypernetHidden, hidden * agents], rng: &rng)
            bias1 = Linear(name + ".b1", stateSize, hidden * agents, rng: &rng)
            weight2 = MLP(name + ".w2", sizes: [stateSize, hypernetHidden, hidden * agents], rng: &rng)
        } else {
            weight1 = nil
            bias1 = nil
            weight2 = MLP(name + ".w", sizes: [stateSize, hypernetHidden, agents], rng: &rng)
        }
        bias2 = MLP(name + ".b" + (hidden > 0 ? "2" : ""), sizes: [stateSize, hypernetHidden, agents], rng: &rng)
    }

    public var parameters: [Parameter] {
        (weight1?.parameters ?? []) + (bias1?.parameters ?? []) + weight2.parameters + bias2.parameters
    }

    /// x [rows·N, A] (rows of N agents), states [rows, S] → transformed values [rows·N, A].
    public func callAsFunction(_ x: Tensor, _ states: Tensor) -> Tensor {
        let g = x.graph
        let rows = states.shape[0], N = agents, A = x.shape.last
        let values = x.reshaped(Shape(rows * N, A, 1))
        let ones = g.full(1, Shape(rows * N, A, 1))
        var out: Tensor
        if hidden > 0, let weight1, let bias1 {
            let K = hidden
            // [x, 1] · [[|w1|], [b1]] gives |w1_k|·x + b1_k for every action and unit k.
            let layer1 = concat([weight1(states).abs().reshaped(Shape(rows * N, 1, K)),
                                 bias1(states).reshaped(Shape(rows * N, 1, K))], axis: 1)
            let h = bmm(concat([values, ones], axis: -1), layer1).elu()                      // [rows·N, A, K]
            let layer2 = concat([weight2(states).abs().reshaped(Shape(rows * N, K, 1)),
                                 bias2(states).reshaped(Shape(rows * N, 1, 1))], axis: 1)
            out = bmm(concat([h, ones], axis: -1), layer2)                                     // [rows·N, A, 1]
        } else {
            let affine = concat([weight2(states).abs().reshaped(Shape(rows * N, 1, 1)),
                                 bias2(states).reshaped(Shape(rows * N, 1, 1))], axis: 1)
            out = bmm(concat([values, ones], axis: -1), affine)
        }
        if residual { out = out + values }
        return out.reshaped(Shape(rows * N, A))
    }
}
