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
    for r in 0..<rows {
        let xr = xp + r * d, yr = y + r * d
        var mean: Float = 0
        for j in 0..<d { mean += xr[j] }
        mean /= Float(d)
        var variance: Float = 0
        for j in 0..<d { let c = xr[j] - mean; variance += c * c }
        variance /= Float(d)
        let rstd = 1 / (variance + eps).squareRoot()
        stats[2 * r] = mean
        stats[2 * r + 1] = rstd
        for j in 0..<d { yr[j] = (xr[j] - mean) * rstd * gp[j] + bp[j] }
    }
    return out
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
        for r in 0..<rows {
            let mean = stats[2 * r], rstd = stats[2 * r + 1]
            let xr = xp + r * d, gr = g + r * d
            var sumDxhat: Float = 0, sumDxhatXhat: Float = 0
            for j in 0..<d {
                let xhat = (xr[j] - mean) * rstd
                let dxhat = gr[j] * gp[j]
                sumDxhat += dxhat
                sumDxhatXhat += dxhat * xhat
                dgamma?[j] += gr[j] * xhat
                dbeta?[j] += gr[j]
            }
            if let dx {
                let inv = 1 / Float(d)
                let dr = dx + r * d
                for j in 0..<d {
                    let xhat = (xr[j] - mean) * rstd
                    dr[j] += rstd * (gr[j] * gp[j] - sumDxhat * inv - xhat * sumDxhatXhat * inv)
                }
            }
        }
    }
}
