extension Tensor {
    /// Picks one entry per row along the last axis: `indices` holds integer positions (as Floats),
    /// one per row; the result has the indices' shape (like `torch.gather(x, -1, idx)`).
    public func gather(_ indices: Tensor) -> Tensor {
        let a = shape.last
        let rows = count / Swift.max(a, 1)
        precondition(indices.count == rows, "gather: \(indices.count) indices for \(rows) rows of \(shape)")
        let out = graph.add(indices.shape, .gather(id, index: indices.id), needsGrad: requiresGrad)
        let x = storage, idx = indices.storage, y = out.storage
        for r in 0..<rows {
            let k = Int(idx[r])
            precondition(k >= 0 && k < a, "gather index \(k) out of range 0..<\(a)")
            y[r] = x[r * a + k]
        }
        return out
    }

    /// Position of the largest entry along the last axis (first on ties), shaped like the input with last dimension 1; no gradient.
    public func argmax() -> Tensor {
        let a = shape.last
        let rows = count / Swift.max(a, 1)
        var s = shape
        if s.rank == 0 { s = Shape(1) } else { s[-1] = 1 }
        let out = graph.add(s, .constant, needsGrad: false)
        let x = storage, y = out.storage
        for r in 0..<rows {
            let xr = x + r * a
            var best = xr[0], k = 0
            for j in 1..<Swift.max(a, 1) where xr[j] > best { best = xr[j]; k = j }
            y[r] = Float(k)
        }
        return out
    }

    /// One-hot rows of width `depth` from integer `indices` (a constant; shape = indices' shape with last dimension `depth`
    /// when the last dimension is 1, otherwise with `depth` appended).
    public func oneHot(depth: Int) -> Tensor {
        var s = shape
        if s.rank > 0 && s.last == 1 { s[-1] = depth } else { s.append(depth) }
        let rows = count
        let out = graph.add(s, .constant, needsGrad: false)
        let idx = storage, y = out.storage
        y.update(repeating: 0, count: rows * depth)
        for r in 0..<rows {
            let k = Int(idx[r])
            precondition(k >= 0 && k < depth, "one-hot index \(k) out of range 0..<\(depth)")
            y[r * depth + k] = 1
        }
        return out
    }
}

extension Graph {
    func gatherBackward(_ xId: Int32, _ indexId: Int32, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        guard needs(xId) else { return }
        let a = shape(xId).last
        let idx = value(indexId), dx = gradient(of: xId)
        for r in 0..<node.shape.count { dx[r * a + Int(idx[r])] += g[r] }
    }

    /// A constant tensor of integer indices.
    public func indices(_ values: [Int], _ shape: Shape) -> Tensor {
        precondition(values.count == shape.count, "\(values.count) indices for shape \(shape)")
        let t = add(shape, .constant, needsGrad: false)
        let p = t.storage
        for (i, v) in values.enumerated() { p[i] = Float(v) }
        return t
    }
}
