extension Tensor {
    func reduce(_ kind: ReduceKind, axis: Int?, keepDims: Bool) -> Tensor {
        let s = shape
        var outer = 1, n = s.count, inner = 1
        var outShape = Shape.scalar
        if let axis {
            let a = s.axisIndex(axis)
            (outer, n, inner) = s.split(at: a)
            outShape = s
            if keepDims { outShape[a] = 1 } else { outShape = s.removing(axis: a) }
        } else if keepDims {
            outShape = s
            for i in 0..<s.rank { outShape[i] = 1 }
        }
        precondition(n > 0 || kind == .sum, "reduction over an empty axis")
        let g = graph
        let out = g.add(outShape, .reduce(kind, id, outer: Int32(outer), n: Int32(n), inner: Int32(inner)), needsGrad: requiresGrad)
        let x = storage, y = out.storage
        let outCount = outer * inner
        switch kind {
        case .sum where inner == 1, .mean where inner == 1:
            // Rows reduced to one value each: accumulate in registers, 8 lanes at a time.
            for o in 0..<outer {
                let xr = x + o * n
                var lanes = SIMD8<Float>()
                var k = 0
                while k + 8 <= n { lanes += load8(xr + k); k += 8 }
                var total = horizontalSum(lanes)
                while k < n { total += xr[k]; k += 1 }
                y[o] = kind == .mean ? total / Float(n) : total
            }
        case .sum, .mean:
            y.update(repeating: 0, count: outCount)
            for o in 0..<outer {
                let yo = y + o * inner
                for k in 0..<n {
                    let xr = x + (o * n + k) * inner
                    for i in 0..<inner { yo[i] += xr[i] }
                }
            }
            if kind == .mean { let scale = 1 / Float(n); for i in 0..<outCount { y[i] *= scale } }
        case .max, .min:
            // Remember which element won so the gradient goes only there (first one on ties).
            let arg = g.values.allocate(outCount)
            g.nodes[Int(out.id)].aux = arg
            let isMax = kind == .max
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = x[o * n * inner + i], bestK = 0
                    for k in 1..<Swift.max(n, 1) {
                        let v = x[(o * n + k) * inner + i]
                        if isMax ? v > best : v < best { best = v; bestK = k }
                    }
                    y[o * inner + i] = best
                    arg[o * inner + i] = Float(bestK)
                }
            }
        }
        return out
    }

    /// Sum of all elements (scalar).
    public func sum() -> Tensor { reduce(.sum, axis: nil, keepDims: false) }
    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { reduce(.sum, axis: axis, keepDims: keepDims) }
    /// Mean of all elements (scalar).
    public func mean() -> Tensor { reduce(.mean, axis: nil, keepDims: false) }
    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { reduce(.mean, axis: axis, keepDims: keepDims) }
    /// Largest element (scalar).
    public func max() -> Tensor { reduce(.max, axis: nil, keepDims: false) }
    /// Largest element along an axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { reduce(.max, axis: axis, keepDims: keepDims) }
    /// Smallest element (scalar).
    public func min() -> Tensor { reduce(.min, axis: nil, keepDims: false) }
    /// Smallest element along an axis.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { reduce(.min, axis: axis, keepDims: keepDims) }
}

extension Graph {
    func reduceBackward(_ kind: ReduceKind, _ xId: Int32, _ node: Node, _ g: UnsafeMutablePointer<Float>, _ outer: Int, _ n: Int, _ inner: Int) {
        guard needs(xId) else { return }
        let dx = gradient(of: xId)
        switch kind {
        case .sum where inner == 1, .mean where inner == 1:
            let scale: Float = kind == .mean ? 1 / Float(n) : 1
            for o in 0..<outer {
                let v = scale * g[o], dr = dx + o * n
                for k in 0..<n { dr[k] += v }
            }
        case .sum, .mean:
            let scale: Float = kind == .mean ? 1 / Float(n) : 1
            for o in 0..<outer {
                let go = g + o * inner
                for k in 0..<n {
                    let dr = dx + (o * n + k) * inner
                    for i in 0..<inner { dr[i] += scale * go[i] }
                }
            }
        case .max, .min:
            let arg = node.aux!
            for o in 0..<outer {
                for i in 0..<inner {
                    let k = Int(arg[o * inner + i])
                    dx[(o * n + k) * inner + i] += g[o * inner + i]
                }
            }
        }
    }
}
