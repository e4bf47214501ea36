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
    /// Layer norms between each hidden Linear and its activation (empty: none).
    public let norms: [LayerNorm]

    /// An MLP with sizes [in, hidden…, out], PyTorch default initialisation (or, with `orthogonalGain`,
    /// orthogonal weights of that gain and zero biases). With `layerNorm` every hidden layer is Linear,
    /// LayerNorm, activation ("<name>.<3k>", "<name>.<3k+1>").
    public init(_ name: String, sizes: [Int], activation: Activation = .relu, layerNorm: Bool = false, orthogonalGain: Float? = nil,
                rng: inout RandomSource) {
        precondition(sizes.count >= 2, "an MLP needs at least input and output sizes")
        let stride = layerNorm ? 3 : 2
        var layers: [Linear] = []
        for i in 0..<(sizes.count - 1) {
            let layerName = "\(name).\(stride * i)"
            layers.append(orthogonalGain.map { Linear(layerName, sizes[i], sizes[i + 1], orthogonalGain: $0, rng: &rng) }
                          ?? Linear(layerName, sizes[i], sizes[i + 1], rng: &rng))
        }
        self.layers = layers
        self.activation = activation
        norms = layerNorm ? (1..<(sizes.count - 1)).map { LayerNorm("\(name).\(stride * ($0 - 1) + 1)", sizes[$0]) } : []
    }

    /// All parameters in order.
    public var parameters: [Parameter] {
        norms.isEmpty ? layers.flatMap(\.parameters)
            : layers.indices.flatMap { layers[$0].parameters + ($0 < norms.count ? norms[$0].parameters : []) }
    }

    /// Forward pass over the last axis.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for i in 0..<layers.count {
            if i == layers.count - 1 { h = layers[i](h) }
            else if norms.isEmpty { h = layers[i](h, then: activation) }
            else if activation == .relu { h = norms[i](layers[i](h), relu: true) }
            else { h = activation.apply(norms[i](layers[i](h))) }
        }
        return h
    }
}
