extension Graph {
    /// Row count of a tensor viewed as a matrix with `cols` columns.
    @inline(__always) func rows(_ id: Int32, cols: Int) -> Int { shape(id).count / Swift.max(cols, 1) }
}

/// Matrix product of two rank-2 tensors, optionally transposing either operand (one `cblas_sgemm`).
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    let sa = a.shape, sb = b.shape
    precondition(sa.rank == 2 && sb.rank == 2, "matmul needs rank-2 tensors, got \(sa) and \(sb)")
    return batchedProduct(a, b, transposeA, transposeB, batch: 1,
                          m: transposeA ? sa[1] : sa[0], k: transposeA ? sa[0] : sa[1],
                          kb: transposeB ? sb[1] : sb[0], n: transposeB ? sb[0] : sb[1], shape: Shape(transposeA ? sa[1] : sa[0], transposeB ? sb[0] : sb[1]))
}

/// Batched matrix product of rank-3 tensors [B, M, K] · [B, K, N] → [B, M, N], optionally transposing the matrices.
public func bmm(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    let sa = a.shape, sb = b.shape
    precondition(sa.rank == 3 && sb.rank == 3 && sa[0] == sb[0], "bmm needs [B,M,K]·[B,K,N], got \(sa) and \(sb)")
    let m = transposeA ? sa[2] : sa[1], k = transposeA ? sa[1] : sa[2]
    let kb = transposeB ? sb[2] : sb[1], n = transposeB ? sb[1] : sb[2]
    return batchedProduct(a, b, transposeA, transposeB, batch: sa[0], m: m, k: k, kb: kb, n: n, shape: Shape(sa[0], m, n))
}

private func batchedProduct(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool, batch: Int, m: Int, k: Int, kb: Int, n: Int, shape: Shape) -> Tensor {
    precondition(k == kb, "inner dimensions differ: \(a.shape) · \(b.shape)")
    let g = a.graph
    let out = g.add(shape, .matmul(a.id, b.id, transA: ta, transB: tb, batch: Int32(batch)), needsGrad: a.requiresGrad || b.requiresGrad)
    let pa = a.storage, pb = b.storage, pc = out.storage
    for i in 0..<batch {
        gemm(transA: ta, transB: tb, m: m, n: n, k: k, a: pa + i * m * k, lda: ta ? m : k,
             b: pb + i * k * n, ldb: tb ? k : n, beta: 0, c: pc + i * m * n, ldc: n)
    }
    return out
}

extension Graph {
    func matmulBackward(_ aId: Int32, _ bId: Int32, _ ta: Bool, _ tb: Bool, _ batch: Int, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        let sa = shape(aId), sb = shape(bId)
        let r = sa.rank
        let m = ta ? sa[r - 1] : sa[r - 2], k = ta ? sa[r - 2] : sa[r - 1]
        let n = tb ? sb[r - 2] : sb[r - 1]
        let a = value(aId), b = value(bId)
        if needs(aId) {
            let da = gradient(of: aId)
            for i in 0..<batch {
                let gi = g + i * m * n, bi = b + i * k * n, dai = da + i * m * k
                // C = op(A)·op(B): dA = dC·op(B)ᵀ, stored transposed when A was.
                if ta { gemm(transA: tb, transB: true, m: k, n: m, k: n, a: bi, lda: tb ? k : n, b: gi, ldb: n, beta: 1, c: dai, ldc: m) }
                else { gemm(transA: false, transB: !tb, m: m, n: k, k: n, a: gi, lda: n, b: bi, ldb: tb ? k : n, beta: 1, c: dai, ldc: k) }
            }
        }
        if needs(bId) {
            let db = gradient(of: bId)
            for i in 0..<batch {
                let gi = g + i * m * n, ai = a + i * m * k, dbi = db + i * k * n
                if tb { gemm(transA: true, transB: ta, m: n, n: k, k: m, a: gi, lda: n, b: ai, ldb: ta ? m : k, beta: 1, c: dbi, ldc: k) }
                else { gemm(transA: !ta, transB: false, m: k, n: n, k: m, a: ai, lda: ta ? m : k, b: gi, ldb: n, beta: 1, c: dbi, ldc: n) }
            }
        }
    }
}

/// Affine map y = x·Wᵀ + b over the last axis, W shaped [out, in] as in PyTorch; one op with one `cblas_sgemm`.
/// With `relu`, returns max(y, 0) from the same op.
public func linear(_ x: Tensor, weight w: Tensor, bias b: Tensor?, relu: Bool = false) -> Tensor {
    let g = x.graph
    let ws = w.shape
    precondition(ws.rank == 2 && x.shape.last == ws[1], "linear: input \(x.shape) does not match weight \(ws)")
    let outF = ws[0], inF = ws[1]
    let rows = x.count / Swift.max(inF, 1)
    var outShape = x.shape
    if outShape.rank == 0 { outShape = Shape(outF) } else { outShape[-1] = outF }
    let bid: Int32 = b?.id ?? -1
    let needsGrad = x.requiresGrad || w.requiresGrad || (b?.requiresGrad ?? false)
    let out = g.add(outShape, .linear(x: x.id, w: w.id, b: bid, relu: relu), needsGrad: needsGrad)
    let y = out.storage
    gemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: x.storage, lda: inF, b: w.storage, ldb: inF,
         beta: 0, c: y, ldc: outF)
    // Bias and activation in one pass over the product (cheaper than pre-filling the output with the bias).
    if let b {
        precondition(b.count == outF, "linear: bias \(b.shape) for \(outF) outputs")
        addRowBias(y, b.storage, rows: rows, cols: outF, relu: relu)
    } else if relu {
        reluForward(y, y, rows * outF)
    }
    return out
}

extension Graph {
    func linearBackward(_ xId: Int32, _ wId: Int32, _ bId: Int32, _ relu: Bool, _ node: Node, _ incoming: UnsafeMutablePointer<Float>) {
        let ws = shape(wId)
        let outF = ws[0], inF = ws[1]
        let rows = node.shape.count / Swift.max(outF, 1)
        var g = incoming
        let wantBias = bId >= 0 && needs(bId)
        if relu {
            // Gradient through the ReLU: zero where the output was clipped (output > 0 ⇔ pre-activation > 0);
            // the bias gradient (column sums) is gathered in the same pass.
            g = grads.allocate(rows * outF)
            reluMaskAndColumnSums(node.value, incoming, g, rows: rows, cols: outF, sums: wantBias ? gradient(of: bId) : nil)
        } else if wantBias {
            let db = gradient(of: bId)
            for r in 0..<rows { accumulate(db, g + r * outF, outF) }
        }
        if needs(xId) {
            let (dx, fresh) = gradientForWriting(of: xId)
            gemm(transA: false, transB: false, m: rows, n: inF, k: outF, a: g, lda: outF, b: value(wId), ldb: inF,
                 beta: fresh ? 0 : 1, c: dx, ldc: inF)
        }
        if needs(wId) {
            let (dw, fresh) = gradientForWriting(of: wId)
            gemm(transA: true, transB: false, m: outF, n: inF, k: rows, a: g, lda: outF, b: value(xId), ldb: inF,
                 beta: fresh ? 0 : 1, c: dw, ldc: inF)
        }
    }
}
