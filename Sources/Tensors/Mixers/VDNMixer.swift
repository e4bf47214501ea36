/// VDN's mixer: Q_tot is the sum of the agents' values (no parameters).
public struct VDNMixer {
    /// Creates the (stateless) mixer.
    public init() {}

    /// q [..., N] → [..., 1].
    public func callAsFunction(_ q: Tensor) -> Tensor { q.sum(axis: -1, keepDims: true) }

    /// ∂Q_tot/∂q_i = 1 for every agent.
    public func jacobian(_ q: Tensor) -> Tensor { q.graph.full(1, q.shape) }
}
