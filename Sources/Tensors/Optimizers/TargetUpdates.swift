/// Target-network updates (docs/learners.md §0.3), matching parameters by position.
extension ParameterSet {
    /// Hard target update: copies values from `source`, matched by position (shapes must agree).
    public func copy(from source: ParameterSet) {
        precondition(source.parameters.count == parameters.count, "parameter sets differ in size")
        for (dst, src) in zip(parameters, source.parameters) {
            precondition(dst.shape == src.shape, "shape mismatch \(dst.name) \(dst.shape) vs \(src.name) \(src.shape)")
            dst.value.update(from: src.value, count: dst.count)
        }
    }

    /// Polyak target update: θ̄ ← (1 − τ) θ̄ + τ θ, matched by position.
    public func polyak(from source: ParameterSet, tau: Float) {
        precondition(source.parameters.count == parameters.count, "parameter sets differ in size")
        let keep = 1 - tau
        for (dst, src) in zip(parameters, source.parameters) {
            precondition(dst.shape == src.shape, "shape mismatch \(dst.name) vs \(src.name)")
            let d = dst.value, s = src.value
            for i in 0..<dst.count { d[i] = keep * d[i] + tau * s[i] }
        }
    }
}
