/// Global gradient-norm clipping with PyTorch `clip_grad_norm_` semantics.
extension ParameterSet {
    /// The global L2 norm of all gradients.
    public func gradientNorm() -> Float {
        var total: Double = 0
        for p in parameters {
            var s: Float = 0
            for i in 0..<p.count { s += p.grad[i] * p.grad[i] }
            total += Double(s)
        }
        return Float(total.squareRoot())
    }

    /// Scales all gradients so their global norm is at most `maxNorm` (PyTorch `clip_grad_norm_`); returns the norm before clipping.
    @discardableResult
    public func clipGradientNorm(maxNorm: Float) -> Float {
        let norm = gradientNorm()
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for p in parameters { for i in 0..<p.count { p.grad[i] *= coefficient } }
        }
        return norm
    }
}
