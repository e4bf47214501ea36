/// Layer normalisation over the last axis with learned scale and shift (PyTorch `nn.LayerNorm`).
public final class LayerNorm {
    /// Scale γ [D], initialised to 1.
    public let weight: Parameter
    /// Shift β [D], initialised to 0.
    public let bias: Parameter
    /// Variance epsilon.
    public let eps: Float

    /// Parameters named "<name>.weight" and "<name>.bias".
    public init(_ name: String, _ features: Int, eps: Float = 1e-5) {
        weight = Parameter(name: name + ".weight", shape: Shape(features), values: [Float](repeating: 1, count: features))
        bias = Parameter(name: name + ".bias", shape: Shape(features))
        self.eps = eps
    }

    /// The layer's parameters.
    public var parameters: [Parameter] { [weight, bias] }

    /// Normalises the last axis of `x` (then applies ReLU, fused, when `relu`).
    public func callAsFunction(_ x: Tensor, relu: Bool = false) -> Tensor {
        let g = x.graph
        return layerNorm(x, gamma: g.param(weight), beta: g.param(bias), eps: eps, relu: relu)
    }
}
