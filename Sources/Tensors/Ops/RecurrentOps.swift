import Foundation

/// One fused GRU cell step with PyTorch's gate layout (rows of the weights ordered r, z, n):
///   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz),
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h.
/// With `inputWeight == nil`, `x` is taken to be the precomputed input projection x·W_ihᵀ + b_ih ([B, 3H]),
/// which lets an unroll compute that projection for all time steps in one matrix product.
public func gruCell(_ x: Tensor, _ h: Tensor, inputWeight wih: Tensor?, hiddenWeight whh: Tensor,
                    inputBias bih: Tensor?, hiddenBias bhh: Tensor) -> Tensor {
    let g = x.graph
    let hs = h.shape
    let hidden = hs.last
    let batch = h.count / Swift.max(hidden, 1)
    let three = 3 * hidden
    precondition(whh.shape == Shape(three, hidden), "gru: hidden weight \(whh.shape) for hidden size \(hidden)")
    precondition(bhh.count == three, "gru: hidden bias \(bhh.shape)")
    if let wih {
        precondition(wih.shape.rank == 2 && wih.shape[0] == three && x.shape.last == wih.shape[1], "gru: input \(x.shape) vs weight \(wih.shape)")
        precondition(bih?.count ?? three == three, "gru: input bias shape")
    } else {
        precondition(x.count == batch * three, "gru: precomputed projection \(x.shape) should be [\(batch), \(three)]")
    }
    var needsGrad = x.requiresGrad || h.requiresGrad || whh.requiresGrad || bhh.requiresGrad
    needsGrad = needsGrad || (wih?.requiresGrad ?? false) || (bih?.requiresGrad ?? false)
    let out = g.add(hs, .gru(x: x.id, h: h.id, wih: wih?.id ?? -1, whh: whh.id, bih: bih?.id ?? -1, bhh: bhh.id), needsGrad: needsGrad)
    let aux = g.values.allocate(batch * 4 * hidden)
    g.nodes[Int(out.id)].aux = aux

    // Biases are added inside the gate loop rather than copied into the products' outputs first.
    let gi: UnsafeMutablePointer<Float>
    var inputBias: UnsafeMutablePointer<Float>
    if let wih {
        gi = g.values.allocate(batch * three)
        let inF = wih.shape[1]
        gemm(transA: false, transB: true, m: batch, n: three, k: inF, a: x.storage, lda: inF, b: wih.storage, ldb: inF,
             beta: 0, c: gi, ldc: three)
        inputBias = bih?.storage ?? g.values.allocateZeroed(three)
    } else {
        gi = x.storage
        inputBias = g.values.allocateZeroed(three)
    }
    let gh = g.values.allocate(batch * three)
    gemm(transA: false, transB: true, m: batch, n: three, k: hidden, a: h.storage, lda: hidden, b: whh.storage, ldb: hidden,
         beta: 0, c: gh, ldc: three)

    let hp = h.storage, y = out.storage, hiddenBias = bhh.storage
    for b in 0..<batch {
        gruGates(gi: gi + b * three, gh: gh + b * three, inputBias: inputBias, hiddenBias: hiddenBias, hPrev: hp + b * hidden,
                 aux: aux + b * 4 * hidden, out: y + b * hidden, hidden: hidden)
    }
    return out
}

extension Graph {
    func gruBackward(_ xId: Int32, _ hId: Int32, _ wihId: Int32, _ whhId: Int32, _ bihId: Int32, _ bhhId: Int32,
                     _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        let hidden = node.shape.last
        let batch = node.shape.count / Swift.max(hidden, 1)
        let three = 3 * hidden
        let aux = node.aux!
        let hp = value(hId)
        let dgi = grads.allocate(batch * three)
        let dgh = grads.allocate(batch * three)
        let needH = needs(hId)
        let dh: UnsafeMutablePointer<Float>? = needH ? gradient(of: hId) : nil
        for b in 0..<batch {
            gruGatesBackward(go: g + b * hidden, hPrev: hp + b * hidden, aux: aux + b * 4 * hidden, dgi: dgi + b * three,
                             dgh: dgh + b * three, dhPrev: dh.map { $0 + b * hidden }, overwriteHidden: false, hidden: hidden)
        }
        if let dh {
            gemm(transA: false, transB: false, m: batch, n: hidden, k: three, a: dgh, lda: three, b: value(whhId), ldb: hidden,
                 beta: 1, c: dh, ldc: hidden)
        }
        if needs(whhId) {
            gemm(transA: true, transB: false, m: three, n: hidden, k: batch, a: dgh, lda: three, b: hp, ldb: hidden,
                 beta: 1, c: gradient(of: whhId), ldc: hidden)
        }
        if needs(bhhId) { addColumnSums(dgh, rows: batch, cols: three, into: gradient(of: bhhId)) }
        if wihId < 0 {
            if needs(xId) {
                let dx = gradient(of: xId)
                for i in 0..<(batch * three) { dx[i] += dgi[i] }
            }
            return
        }
        let inF = shape(wihId)[1]
        if needs(xId) {
            gemm(transA: false, transB: false, m: batch, n: inF, k: three, a: dgi, lda: three, b: value(wihId), ldb: inF,
                 beta: 1, c: gradient(of: xId), ldc: inF)
        }
        if needs(wihId) {
            gemm(transA: true, transB: false, m: three, n: inF, k: batch, a: dgi, lda: three, b: value(xId), ldb: inF,
                 beta: 1, c: gradient(of: wihId), ldc: inF)
        }
        if bihId >= 0 && needs(bihId) { addColumnSums(dgi, rows: batch, cols: three, into: gradient(of: bihId)) }
    }

    @inline(__always)
    func addColumnSums(_ m: UnsafeMutablePointer<Float>, rows: Int, cols: Int, into d: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { accumulate(d, m + r * cols, cols) }
    }
}
