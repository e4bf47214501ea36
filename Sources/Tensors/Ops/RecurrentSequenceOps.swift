/// A whole GRU unroll as one op: states h_t = GRU(x_t, h_{t−1}) for t = 0..<T from the input products
/// `projected` [T, B, 3H] (x_t·W_ihᵀ, without bias) and `h0` [B, H]; returns all states [T, B, H].
/// Same equations as `gruCell`; one tape entry instead of T, biases added inside the gate loop, and the backward
/// pass forms ∂W_hh with one large matrix product over all steps instead of T small ones.
public func gruSequence(projected gi: Tensor, h0: Tensor, hiddenWeight whh: Tensor, inputBias bih: Tensor?, hiddenBias bhh: Tensor) -> Tensor {
    let g = gi.graph
    let hidden = h0.shape.last
    let batch = h0.count / Swift.max(hidden, 1)
    let three = 3 * hidden
    let steps = gi.shape[0]
    precondition(gi.count == steps * batch * three, "gruSequence: projections \(gi.shape) should be [T, \(batch), \(three)]")
    precondition(whh.shape == Shape(three, hidden) && bhh.count == three, "gruSequence: hidden weight \(whh.shape) / bias \(bhh.shape)")
    precondition(bih == nil || bih!.count == three, "gruSequence: input bias \(bih!.shape)")
    let needsGrad = gi.requiresGrad || h0.requiresGrad || whh.requiresGrad || bhh.requiresGrad || (bih?.requiresGrad ?? false)
    let out = g.add(Shape(steps, batch, hidden), .gruSequence(projected: gi.id, h0: h0.id, whh: whh.id, bih: bih?.id ?? -1, bhh: bhh.id),
                    needsGrad: needsGrad)
    let stride = batch * 4 * hidden
    let aux = g.values.allocate(steps * stride)
    g.nodes[Int(out.id)].aux = aux
    let gh = g.values.allocate(batch * three)
    let inputBias = bih?.storage ?? g.values.allocateZeroed(three)
    let w = whh.storage, hiddenBias = bhh.storage, y = out.storage
    var hPrev = h0.storage
    for t in 0..<steps {
        gemm(transA: false, transB: true, m: batch, n: three, k: hidden, a: hPrev, lda: hidden, b: w, ldb: hidden,
             beta: 0, c: gh, ldc: three)
        let git = gi.storage + t * batch * three, auxt = aux + t * stride, yt = y + t * batch * hidden
        for b in 0..<batch {
            gruGates(gi: git + b * three, gh: gh + b * three, inputBias: inputBias, hiddenBias: hiddenBias,
                     hPrev: hPrev + b * hidden, aux: auxt + b * 4 * hidden, out: yt + b * hidden, hidden: hidden)
        }
        hPrev = yt
    }
    return out
}

/// Gate arithmetic of one row: aux = [r, z, n, W_hn h + b_hn], out = h'. `gi`/`gh` are the bias-free products.
@inline(__always)
func gruGates(gi: UnsafeMutablePointer<Float>, gh: UnsafeMutablePointer<Float>, inputBias bi: UnsafeMutablePointer<Float>,
              hiddenBias bh: UnsafeMutablePointer<Float>, hPrev: UnsafeMutablePointer<Float>,
              aux: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, hidden: Int) {
    let rz = aux, n = aux + 2 * hidden, hn = aux + 3 * hidden
    let h2 = 2 * hidden
    var j = 0
    while j + 8 <= h2 {
        store8(sigmoid8((load8(gi + j) + load8(bi + j)) + (load8(gh + j) + load8(bh + j))), rz + j)
        j += 8
    }
    while j < h2 { rz[j] = fastSigmoid((gi[j] + bi[j]) + (gh[j] + bh[j])); j += 1 }
    j = 0
    while j + 8 <= hidden {
        let hnj = load8(gh + h2 + j) + load8(bh + h2 + j)
        store8(hnj, hn + j)
        let nj = tanh8(load8(gi + h2 + j) + load8(bi + h2 + j) + load8(rz + j) * hnj)
        store8(nj, n + j)
        store8(nj + load8(rz + hidden + j) * (load8(hPrev + j) - nj), out + j)
        j += 8
    }
    while j < hidden {
        hn[j] = gh[h2 + j] + bh[h2 + j]
        n[j] = fastTanh(gi[h2 + j] + bi[h2 + j] + rz[j] * hn[j])
        out[j] = n[j] + rz[hidden + j] * (hPrev[j] - n[j])
        j += 1
    }
}

/// Backward gate arithmetic of one row from ∂h' (`go`): writes ∂gi and ∂gh,
/// and writes (with `overwriteHidden`) or adds go ⊙ z into ∂h.
@inline(__always)
func gruGatesBackward(go: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, aux: UnsafePointer<Float>,
                      dgi: UnsafeMutablePointer<Float>, dgh: UnsafeMutablePointer<Float>,
                      dhPrev: UnsafeMutablePointer<Float>?, overwriteHidden: Bool, hidden: Int) {
    let rp = aux, zp = aux + hidden, np = aux + 2 * hidden, hnp = aux + 3 * hidden
    var j = 0
    while j + 8 <= hidden {
        let r = load8(rp + j), z = load8(zp + j), n = load8(np + j), g = load8(go + j)
        let dn = g * (1 - z) * (1 - n * n)
        let dz = g * (load8(hPrev + j) - n) * z * (1 - z)
        let dr = dn * load8(hnp + j) * r * (1 - r)
        store8(dr, dgi + j); store8(dz, dgi + hidden + j); store8(dn, dgi + 2 * hidden + j)
        store8(dr, dgh + j); store8(dz, dgh + hidden + j); store8(dn * r, dgh + 2 * hidden + j)
        if let dhPrev { store8(overwriteHidden ? g * z : load8(dhPrev + j) + g * z, dhPrev + j) }
        j += 8
    }
    while j < hidden {
        let r = rp[j], z = zp[j], n = np[j], g = go[j]
        let dn = g * (1 - z) * (1 - n * n)
        let dz = g * (hPrev[j] - n) * z * (1 - z)
        let dr = dn * hnp[j] * r * (1 - r)
        dgi[j] = dr; dgi[hidden + j] = dz; dgi[2 * hidden + j] = dn
        dgh[j] = dr; dgh[hidden + j] = dz; dgh[2 * hidden + j] = dn * r
        if let dhPrev { dhPrev[j] = overwriteHidden ? g * z : dhPrev[j] + g * z }
        j += 1
    }
}

extension Graph {
    func gruSequenceBackward(_ giId: Int32, _ h0Id: Int32, _ whhId: Int32, _ bihId: Int32, _ bhhId: Int32,
                             _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        let steps = node.shape[0], batch = node.shape[1], hidden = node.shape[2]
        let three = 3 * hidden
        let auxStride = batch * 4 * hidden
        let aux = node.aux!, hs = node.value, h0 = value(h0Id), w = value(whhId)
        let needGi = needs(giId), needInputBias = bihId >= 0 && needs(bihId)
        // ∂gi of every step goes straight into the products' gradient when wanted (overwriting it when this op is the
        // first contribution); it is also what ∂b_ih sums.
        var dgiAll: UnsafeMutablePointer<Float>, freshGi = true
        if needGi { (dgiAll, freshGi) = gradientForWriting(of: giId) } else { dgiAll = grads.allocate(steps * batch * three) }
        let dghAll = grads.allocate(steps * batch * three)
        let dgiScratch = freshGi ? dgiAll : grads.allocate(steps * batch * three)
        // carry = ∂L/∂h_t flowing back from later steps; ping-pong between two buffers.
        var carry = grads.allocateZeroed(batch * hidden)
        var next = grads.allocate(batch * hidden)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            accumulate(carry, g + t * batch * hidden, batch * hidden)
            let hPrev = t == 0 ? h0 : hs + (t - 1) * batch * hidden
            let dgh = dghAll + t * batch * three
            for b in 0..<batch {
                let row = (t * batch + b) * three
                gruGatesBackward(go: carry + b * hidden, hPrev: hPrev + b * hidden, aux: aux + t * auxStride + b * 4 * hidden,
                                 dgi: dgiScratch + row, dgh: dgh + b * three,
                                 dhPrev: next + b * hidden, overwriteHidden: true, hidden: hidden)
            }
            // ∂h_{t−1} = ∂h_t ⊙ z + ∂gh_t · W_hh
            gemm(transA: false, transB: false, m: batch, n: hidden, k: three, a: dgh, lda: three, b: w, ldb: hidden,
                 beta: 1, c: next, ldc: hidden)
            swap(&carry, &next)
        }
        if !freshGi { accumulate(dgiAll, dgiScratch, steps * batch * three) }
        if needInputBias { addColumnSums(dgiScratch, rows: steps * batch, cols: three, into: gradient(of: bihId)) }
        if needs(h0Id) { accumulate(gradient(of: h0Id), carry, batch * hidden) }
        if needs(whhId) {
            let dw = gradient(of: whhId)
            gemm(transA: true, transB: false, m: three, n: hidden, k: batch, a: dghAll, lda: three, b: h0, ldb: hidden,
                 beta: 1, c: dw, ldc: hidden)
            if steps > 1 {
                gemm(transA: true, transB: false, m: three, n: hidden, k: (steps - 1) * batch, a: dghAll + batch * three, lda: three,
                     b: hs, ldb: hidden, beta: 1, c: dw, ldc: hidden)
            }
        }
        if needs(bhhId) { addColumnSums(dghAll, rows: steps * batch, cols: three, into: gradient(of: bhhId)) }
    }
}
