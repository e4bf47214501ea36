/// A GRU cell with PyTorch's parameters (weight_ih [3H, in], weight_hh [3H, H], bias_ih, bias_hh; gates r, z, n),
/// evaluated as one fused op per step.
public final class GRUCell {
    /// Input-to-hidden weights [3H, in].
    public let weightIH: Parameter
    /// Hidden-to-hidden weights [3H, H].
    public let weightHH: Parameter
    /// Input bias [3H].
    public let biasIH: Parameter
    /// Hidden bias [3H].
    public let biasHH: Parameter

    /// A cell initialised like PyTorch (every entry U(−1/√H, 1/√H)); names "<name>.weight_ih" etc.
    public init(_ name: String, inputs: Int, hidden: Int, rng: inout RandomSource) {
        weightIH = Parameter(name: name + ".weight_ih", shape: Shape(3 * hidden, inputs))
        weightHH = Parameter(name: name + ".weight_hh", shape: Shape(3 * hidden, hidden))
        biasIH = Parameter(name: name + ".bias_ih", shape: Shape(3 * hidden))
        biasHH = Parameter(name: name + ".bias_hh", shape: Shape(3 * hidden))
        let bound = 1 / Float(hidden).squareRoot()
        for p in [weightIH, weightHH, biasIH, biasHH] { Initialization.uniform(p, bound: bound, rng: &rng) }
    }

    /// Hidden size H.
    public var hidden: Int { weightHH.shape[1] }
    /// Input size.
    public var inputs: Int { weightIH.shape[1] }

    /// The cell's parameters in PyTorch order.
    public var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    /// One step: x [B, in], h [B, H] → h' [B, H].
    @inline(__always)
    public func callAsFunction(_ x: Tensor, _ h: Tensor) -> Tensor {
        let g = x.graph
        return gruCell(x, h, inputWeight: g.param(weightIH), hiddenWeight: g.param(weightHH),
                       inputBias: g.param(biasIH), hiddenBias: g.param(biasHH))
    }

    /// x·W_ihᵀ + b_ih for many steps at once (e.g. [T, B, in] → [T, B, 3H]); feed slices to `step(projected:_:)`.
    public func inputProjection(_ x: Tensor) -> Tensor {
        let g = x.graph
        return linear(x, weight: g.param(weightIH), bias: g.param(biasIH))
    }

    /// One step from a precomputed input projection [B, 3H].
    @inline(__always)
    public func step(projected gi: Tensor, _ h: Tensor) -> Tensor {
        let g = gi.graph
        return gruCell(gi, h, inputWeight: nil, hiddenWeight: g.param(weightHH), inputBias: nil, hiddenBias: g.param(biasHH))
    }

    /// Unrolls over xs [T, B, in] from h0 [B, H]; returns all hidden states [T, B, H].
    /// The input projection of all steps is one matrix product and the recurrence one fused op.
    public func unroll(_ xs: Tensor, from h0: Tensor) -> Tensor {
        let g = xs.graph
        let products = linear(xs, weight: g.param(weightIH), bias: nil)
        return gruSequence(projected: products, h0: h0, hiddenWeight: g.param(weightHH), inputBias: g.param(biasIH),
                           hiddenBias: g.param(biasHH))
    }
}
