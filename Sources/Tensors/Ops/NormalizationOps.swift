/// Layer normalisation over the last axis with affine `gamma`/`beta` (PyTorch `LayerNorm`, biased variance), one fused op;
/// with `relu` the ReLU that follows is fused in too (no extra tape entry, buffer or pass).
public func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float = 1e-5, relu: Bool = false) -> Tensor {
    let d = x.shape.last
    precondition(gamma.count == d && beta.count == d, "layerNorm: gamma/beta must have \(d) entries")
    let rows = x.count / Swift.max(d, 1)
    let g = x.graph
    let out = g.add(x.shape, .layerNorm(x.id, gamma: gamma.id, beta: beta.id, eps: eps, relu: relu),
                    needsGrad: x.requiresGrad || gamma.requiresGrad || beta.requiresGrad)
    let stats = g.values.allocate(2 * rows) // mean and 1/σ per row
    g.nodes[Int(out.id)].aux = stats
    let xp = x.storage, y = out.storage, gp = gamma.storage, bp = beta.storage
    let inverseWidth = 1 / Float(d)
    for r in 0..<rows {
        let xr = xp + r * d, yr = y + r * d
        let mean = rowSum(xr, d) * inverseWidth
        let variance = centredSquareSum(xr, mean, d) * inverseWidth
        let rstd = 1 / (variance + eps).squareRoot()
        stats[2 * r] = mean
        stats[2 * r + 1] = rstd
        var j = 0
        let m8 = SIMD8<Float>(repeating: mean), s8 = SIMD8<Float>(repeating: rstd)
        while j + 8 <= d { store8((load8(xr + j) - m8) * s8 * load8(gp + j) + load8(bp + j), yr + j); j += 8 }
        while j < d { yr[j] = (xr[j] - mean) * rstd * gp[j] + bp[j]; j += 1 }
        if relu { reluForward(yr, yr, d) }
    }
    return out
}

/// Σ x[j], eight partial sums.
@inline(__always) private func rowSum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0), j = 0
    while j + 8 <= n { acc += load8(x + j); j += 8 }
    var total = horizontalSum(acc)
    while j < n { total += x[j]; j += 1 }
    return total
}

/// Σ (x[j] − mean)², eight partial sums.
@inline(__always) private func centredSquareSum(_ x: UnsafePointer<Float>, _ mean: Float, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0), j = 0
    let m8 = SIMD8<Float>(repeating: mean)
    while j + 8 <= n { let c = load8(x + j) - m8; acc += c * c; j += 8 }
    var total = horizontalSum(acc)
    while j < n { let c = x[j] - mean; total += c * c; j += 1 }
    return total
}

extension Graph {
    /// With a fused ReLU the incoming gradient is masked by the output (y > 0 exactly where the
    /// normalised value was > 0), so every loop reads `passed` instead of g.
    func layerNormBackward(_ xId: Int32, _ gammaId: Int32, _ betaId: Int32, relu: Bool, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        let d = node.shape.last
        let rows = node.shape.count / Swift.max(d, 1)
        let stats = node.aux!
        let xp = value(xId), gp = value(gammaId), yp = node.value
        // The input's gradient is written, not accumulated, when this is its first contribution (no zeroing pass).
        let (dx, freshDx): (UnsafeMutablePointer<Float>?, Bool) = needs(xId) ? gradientForWriting(of: xId) : (nil, false)
        let dgamma: UnsafeMutablePointer<Float>? = needs(gammaId) ? gradient(of: gammaId) : nil
        let dbeta: UnsafeMutablePointer<Float>? = needs(betaId) ? gradient(of: betaId) : nil
        let inverseWidth = 1 / Float(d)
        let zero = SIMD8<Float>(repeating: 0)
        @inline(__always) func passed8(_ gr: UnsafePointer<Float>, _ yr: UnsafePointer<Float>, _ j: Int) -> SIMD8<Float> {
            relu ? zero.replacing(with: load8(gr + j), where: load8(yr + j) .> zero) : load8(gr + j)
        }
        @inline(__always) func passed(_ gr: UnsafePointer<Float>, _ yr: UnsafePointer<Float>, _ j: Int) -> Float {
            !relu || yr[j] > 0 ? gr[j] : 0
        }
        for r in 0..<rows {
            let mean = stats[2 * r], rstd = stats[2 * r + 1]
            let xr = xp + r * d, gr = UnsafePointer(g + r * d), yr = UnsafePointer(yp + r * d)
            var sums = SIMD8<Float>(repeating: 0), products = SIMD8<Float>(repeating: 0), j = 0
            let m8 = SIMD8<Float>(repeating: mean), s8 = SIMD8<Float>(repeating: rstd)
            while j + 8 <= d {
                let h = (load8(xr + j) - m8) * s8, dh = passed8(gr, yr, j) * load8(gp + j)
                sums += dh; products += dh * h
                j += 8
            }
            var sumDxhat = horizontalSum(sums), sumDxhatXhat = horizontalSum(products)
            while j < d {
                let h = (xr[j] - mean) * rstd, dh = passed(gr, yr, j) * gp[j]
                sumDxhat += dh; sumDxhatXhat += dh * h
                j += 1
            }
            // x̂ and ∂L/∂x̂ are recomputed below rather than stored: cheaper than a scratch row.
            if let dbeta {
                var k = 0
                while k + 8 <= d { store8(load8(dbeta + k) + passed8(gr, yr, k), dbeta + k); k += 8 }
                while k < d { dbeta[k] += passed(gr, yr, k); k += 1 }
            }
            if let dgamma {
                var k = 0
                while k + 8 <= d { store8(load8(dgamma + k) + passed8(gr, yr, k) * ((load8(xr + k) - m8) * s8), dgamma + k); k += 8 }
                while k < d { dgamma[k] += passed(gr, yr, k) * ((xr[k] - mean) * rstd); k += 1 }
            }
            if let dx {
                let dr = dx + r * d, a = sumDxhat * inverseWidth, b = sumDxhatXhat * inverseWidth
                let a8 = SIMD8<Float>(repeating: a), b8 = SIMD8<Float>(repeating: b)
                var k = 0
                while k + 8 <= d {
                    let change = s8 * (passed8(gr, yr, k) * load8(gp + k) - a8 - ((load8(xr + k) - m8) * s8) * b8)
                    store8(freshDx ? change : load8(dr + k) + change, dr + k)
                    k += 8
                }
                while k < d {
                    let change = rstd * (passed(gr, yr, k) * gp[k] - a - ((xr[k] - mean) * rstd) * b)
                    dr[k] = freshDx ? change : dr[k] + change
                    k += 1
                }
            }
        }
    }
}
