import Foundation

/// The finite stand-in for log(0) that masked log-softmax writes at unavailable actions;
/// finite so that 0 · logπ stays 0 in entropies and expectations.
public let maskedLogProbability: Float = -1e10

extension Tensor {
    func softmaxOp(mask: Tensor?, log: Bool) -> Tensor {
        let g = graph
        let a = shape.last
        let rows = count / Swift.max(a, 1)
        if let mask { precondition(mask.count == count, "mask \(mask.shape) does not match logits \(shape)") }
        let out = g.add(shape, .softmax(id, mask: mask?.id ?? -1, log: log), needsGrad: requiresGrad)
        let x = storage, y = out.storage
        let m = mask?.storage
        for r in 0..<rows {
            let xr = x + r * a, yr = y + r * a
            let mr = m.map { $0 + r * a }
            var best = -Float.infinity
            for j in 0..<a where mr == nil || mr![j] != 0 { best = Swift.max(best, xr[j]) }
            if best == -Float.infinity {
                // Every action unavailable (e.g. a padded time step): contribute nothing, not NaN.
                yr.update(repeating: 0, count: a)
                continue
            }
            var total: Float = 0
            for j in 0..<a {
                if mr == nil || mr![j] != 0 { let e = Foundation.exp(xr[j] - best); yr[j] = e; total += e } else { yr[j] = 0 }
            }
            if log {
                let logTotal = Foundation.log(total) + best
                for j in 0..<a { yr[j] = (mr == nil || mr![j] != 0) ? xr[j] - logTotal : maskedLogProbability }
            } else {
                let inv = 1 / total
                for j in 0..<a { yr[j] *= inv }
            }
        }
        return out
    }

    /// Softmax over the last axis; where `mask` is 0 the action is unavailable and gets probability 0.
    /// Rows with no available action give all zeros.
    public func softmax(mask: Tensor? = nil) -> Tensor { softmaxOp(mask: mask, log: false) }

    /// Log-softmax over the last axis with an optional availability mask; unavailable entries get
    /// `maskedLogProbability` and no gradient, rows with no available action give zeros.
    public func logSoftmax(mask: Tensor? = nil) -> Tensor { softmaxOp(mask: mask, log: true) }
}

extension Graph {
    func softmaxBackward(_ xId: Int32, _ maskId: Int32, _ log: Bool, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        guard needs(xId) else { return }
        let a = node.shape.last
        let rows = node.shape.count / Swift.max(a, 1)
        let y = node.value, dx = gradient(of: xId)
        let m: UnsafeMutablePointer<Float>? = maskId >= 0 ? value(maskId) : nil
        for r in 0..<rows {
            let yr = y + r * a, gr = g + r * a, dr = dx + r * a
            let mr = m.map { $0 + r * a }
            if log {
                var any = false
                var gs: Float = 0
                for j in 0..<a where mr == nil || mr![j] != 0 { gs += gr[j]; any = true }
                if !any { continue }
                for j in 0..<a where mr == nil || mr![j] != 0 { dr[j] += gr[j] - Foundation.exp(yr[j]) * gs }
            } else {
                var dot: Float = 0
                for j in 0..<a { dot += gr[j] * yr[j] }
                for j in 0..<a { dr[j] += yr[j] * (gr[j] - dot) }
            }
        }
    }
}
