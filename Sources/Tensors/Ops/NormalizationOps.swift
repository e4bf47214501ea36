/// Layer normalisation over the last axis with affine `gamma`/`beta` (PyTorch `LayerNorm`, biased variance), one fused op.
public func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float = 1e-5) -> Tensor {
    let d = x.shape.last
    precondition(gamma.count == d && beta.count == d, "layerNorm: gamma/beta must have \(d) entries")
    let rows = x.count / Swift.max(d, 1)
    let g = x.graph
    let out = g.add(x.shape, .layerNorm(x.id, gamma: gamma.id, beta: beta.id, eps: eps),
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
    func layerNormBackward(_ xId: Int32, _ gammaId: Int32, _ betaId: Int32, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        let d = node.shape.last
        let rows = node.shape.count / Swift.max(d, 1)
        let stats = node.aux!
        let xp = value(xId), gp = value(gammaId)
        let dx: UnsafeMutablePointer<Float>? = needs(xId) ? gradient(of: xId) : nil
        let dgamma: UnsafeMutablePointer<Float>? = needs(gammaId) ? gradient(of: gammaId) : nil
        let dbeta: UnsafeMutablePointer<Float>? = needs(betaId) ? gradient(of: betaId) : nil
        let inverseWidth = 1 / Float(d)
        for r in 0..<rows {
            let mean = stats[2 * r], rstd = stats[2 * r + 1]
            let xr = xp + r * d, gr = g + r * d
            var sums = SIMD8<Float>(repeating: 0), products = SIMD8<Float>(repeating: 0), j = 0
            let m8 = SIMD8<Float>(repeating: mean), s8 = SIMD8<Float>(repeating: rstd)
            while j + 8 <= d {
                let h = (load8(xr + j) - m8) * s8, dh = load8(gr + j) * load8(gp + j)
                sums += dh; products += dh * h
                j += 8
            }
            var sumDxhat = horizontalSum(sums), sumDxhatXhat = horizontalSum(products)
            while j < d {
                let h = (xr[j] - mean) * rstd, dh = gr[j] * gp[j]
                sumDxhat += dh; sumDxhatXhat += dh * h
                j += 1
            }
            // x̂ and ∂L/∂x̂ are recomputed below rather than stored: cheaper than a scratch row.
            if let dbeta { accumulate(dbeta, gr, d) }
            if let dgamma { for k in 0..<d { dgamma[k] += gr[k] * ((xr[k] - mean) * rstd) } }
            if let dx {
                let dr = dx + r * d, a = sumDxhat * inverseWidth, b = sumDxhatXhat * inverseWidth
                for k in 0..<d { dr[k] += rstd * (gr[k] * gp[k] - a - ((xr[k] - mean) * rstd) * b) }
            }
        }
    }
}
