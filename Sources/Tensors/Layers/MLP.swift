/// Hidden-layer activation of an `MLP`.
public enum Activation {
    case relu, tanh, elu

    @inline(__always) func apply(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: return x.relu()
        case .tanh: return x.tanh()
        case .elu: return x.elu()
        }
    }
}

/// A multilayer perceptron: Linear, activation, …, Linear (no activation after the last layer).
/// Parameter names follow `nn.Sequential`: "<name>.0.weight", "<name>.2.weight", ….
public final class MLP {
    /// The layers in order.
    public let layers: [Linear]
    /// The hidden activation.
    public let activation: Activation

    /// An MLP with sizes [in, hidden…, out], PyTorch default initialisation.
    public init(_ name: String, sizes: [Int], activation: Activation = .relu, rng: inout RandomSource) {
        precondition(sizes.count >= 2, "an MLP needs at least input and output sizes")
        var layers: [Linear] = []
        for i in 0..<(sizes.count - 1) { layers.append(Linear("\(name).\(2 * i)", sizes[i], sizes[i + 1], rng: &rng)) }
        self.layers = layers
        self.activation = activation
    }

    /// All parameters in order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Forward pass over the last axis.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for i in 0..<layers.count {
            h = i < layers.count - 1 ? layers[i](h, then: activation) : layers[i](h)
        }
        return h
    }
}
