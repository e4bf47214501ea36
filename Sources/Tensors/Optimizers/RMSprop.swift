/// RMSprop with PyTorch semantics (no momentum, not centred): v ← αv + (1 − α)g², θ ← θ − lr·g/(√v + eps).
public final class RMSprop {
    /// The parameters updated by `step()`.
    public let parameters: ParameterSet
    /// Learning rate.
    public var learningRate: Float
    /// Smoothing constant (PyMARL uses 0.99).
    public let alpha: Float
    /// Denominator epsilon, added outside the square root (PyMARL uses 1e−5).
    public let eps: Float
    var squareAverages: [UnsafeMutablePointer<Float>] = []

    /// An optimiser over `parameters`.
    public init(_ parameters: ParameterSet, learningRate: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.alpha = alpha
        self.eps = eps
        for p in parameters.parameters {
            let v = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(p.count, 1))
            v.initialize(repeating: 0, count: p.count)
            squareAverages.append(v)
        }
    }

    deinit { for p in squareAverages { p.deallocate() } }

    /// Zeroes the gradients of all parameters.
    public func zeroGrad() { parameters.zeroGrad() }

    /// One update from the accumulated gradients.
    public func step() {
        let a = alpha, oneMinusA = 1 - alpha, eps = self.eps, lr = learningRate
        for (index, p) in parameters.parameters.enumerated() {
            let v = squareAverages[index], w = p.value, gr = p.grad
            for i in 0..<p.count {
                let gradient = gr[i]
                v[i] = a * v[i] + oneMinusA * gradient * gradient
                w[i] -= lr * gradient / (v[i].squareRoot() + eps)
            }
        }
    }
}
