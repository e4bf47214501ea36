/// A fully connected layer y = x·Wᵀ + b with PyTorch's parameter layout (weight [out, in]).
public final class Linear {
    /// Weight [out, in].
    public let weight: Parameter
    /// Bias [out], if any.
    public let bias: Parameter?

    /// A layer with PyTorch's default initialisation; parameters are named "<name>.weight" and "<name>.bias".
    public init(_ name: String, _ inputs: Int, _ outputs: Int, bias hasBias: Bool = true, rng: inout RandomSource) {
        weight = Parameter(name: name + ".weight", shape: Shape(outputs, inputs))
        bias = hasBias ? Parameter(name: name + ".bias", shape: Shape(outputs)) : nil
        Initialization.pytorchLinear(weight: weight, bias: bias, rng: &rng)
    }

    /// A layer with orthogonal weights scaled by `gain` and zero bias (the usual actor-critic initialisation).
    public init(_ name: String, _ inputs: Int, _ outputs: Int, orthogonalGain gain: Float, rng: inout RandomSource) {
        weight = Parameter(name: name + ".weight", shape: Shape(outputs, inputs))
        bias = Parameter(name: name + ".bias", shape: Shape(outputs))
        Initialization.orthogonal(weight, gain: gain, rng: &rng)
    }

    /// Input width.
    public var inputs: Int { weight.shape[1] }
    /// Output width.
    public var outputs: Int { weight.shape[0] }

    /// The layer's parameters.
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// Applies the layer to the last axis of `x`.
    @inline(__always)
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let g = x.graph
        return linear(x, weight: g.param(weight), bias: bias.map { g.param($0) })
    }

    /// Applies the layer followed by `activation`; ReLU is fused into the same op.
    @inline(__always)
    public func callAsFunction(_ x: Tensor, then activation: Activation) -> Tensor {
        let g = x.graph
        if activation == .relu { return linear(x, weight: g.param(weight), bias: bias.map { g.param($0) }, relu: true) }
        return activation.apply(self(x))
    }
}
