extension Tensor {
    /// Elements `range` along `axis` (a zero-copy view when the slice is contiguous).
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let s = shape
        let a = s.axisIndex(axis)
        let (outer, n, inner) = s.split(at: a)
        precondition(range.lowerBound >= 0 && range.upperBound <= n, "slice \(range) out of 0..<\(n) on axis \(axis) of \(s)")
        var outShape = s
        outShape[a] = range.count
        let g = graph
        if outer == 1 {
            let offset = range.lowerBound * inner
            return g.add(outShape, .view(parent: id, offset: Int32(offset)), needsGrad: requiresGrad, value: storage + offset)
        }
        let out = g.add(outShape, .slice(id, outer: Int32(outer), n: Int32(n), inner: Int32(inner), start: Int32(range.lowerBound)),
                        needsGrad: requiresGrad)
        let len = range.count * inner
        let x = storage, y = out.storage
        for o in 0..<outer { (y + o * len).update(from: x + (o * n + range.lowerBound) * inner, count: len) }
        return out
    }

    /// Element `index` of the leading axis, without that axis (a view).
    public subscript(index: Int) -> Tensor {
        let s = shape
        return sliced(axis: 0, index..<(index + 1)).reshaped(s.removing(axis: 0))
    }

    /// Swaps the last two axes (copies).
    public func transposed() -> Tensor {
        let s = shape
        precondition(s.rank >= 2, "transpose needs rank ≥ 2, got \(s)")
        let rows = s[-2], cols = s[-1]
        let batch = s.count / Swift.max(rows * cols, 1)
        var outShape = s
        outShape[-2] = cols
        outShape[-1] = rows
        let out = graph.add(outShape, .transpose(id, batch: Int32(batch), rows: Int32(rows), cols: Int32(cols)), needsGrad: requiresGrad)
        let x = storage, y = out.storage
        for b in 0..<batch {
            let xb = x + b * rows * cols, yb = y + b * rows * cols
            for i in 0..<rows { for j in 0..<cols { yb[j * rows + i] = xb[i * cols + j] } }
        }
        return out
    }
}

/// Joins tensors along `axis`; all other dimensions must agree. Reuse the array across steps to stay allocation-free.
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat of nothing")
    let first = tensors[0].shape
    let a = first.axisIndex(axis)
    var total = 0
    for t in tensors {
        var s = t.shape
        precondition(s.rank == first.rank, "concat: rank mismatch \(s) vs \(first)")
        total += s[a]
        s[a] = first[a]
        precondition(s == first, "concat: shapes \(t.shape) and \(first) differ off axis \(axis)")
    }
    var outShape = first
    outShape[a] = total
    let (outer, _, inner) = first.split(at: a)
    return joined(tensors, outShape, outer: outer, inner: inner, axisOf: { $0.shape[a] })
}

/// Stacks equally shaped tensors along a new leading axis.
public func stack(_ tensors: [Tensor]) -> Tensor {
    precondition(!tensors.isEmpty, "stack of nothing")
    let s = tensors[0].shape
    for t in tensors { precondition(t.shape == s, "stack: shapes \(t.shape) and \(s) differ") }
    return joined(tensors, s.inserting(tensors.count, at: 0), outer: 1, inner: s.count, axisOf: { _ in 1 })
}

@inline(__always)
private func joined(_ tensors: [Tensor], _ outShape: Shape, outer: Int, inner: Int, axisOf: (Tensor) -> Int) -> Tensor {
    let g = tensors[0].graph
    let start = g.lists.count
    var needsGrad = false
    for t in tensors { g.lists.append(t.id); needsGrad = needsGrad || t.requiresGrad }
    let out = g.add(outShape, .concat(listStart: Int32(start), listCount: Int32(tensors.count), outer: Int32(outer), inner: Int32(inner)),
                    needsGrad: needsGrad)
    let y = out.storage
    let rowLength = outShape.count / Swift.max(outer, 1)
    var column = 0
    for t in tensors {
        let len = axisOf(t) * inner
        let x = t.storage
        for o in 0..<outer { (y + o * rowLength + column).update(from: x + o * len, count: len) }
        column += len
    }
    return out
}

extension Graph {
    func sliceBackward(_ xId: Int32, _ outer: Int, _ n: Int, _ inner: Int, _ start: Int, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        guard needs(xId) else { return }
        let dx = gradient(of: xId)
        let len = node.shape.count / Swift.max(outer, 1)
        for o in 0..<outer {
            let d = dx + (o * n + start) * inner, go = g + o * len
            for i in 0..<len { d[i] += go[i] }
        }
    }

    func concatBackward(_ listStart: Int, _ listCount: Int, _ outer: Int, _ inner: Int, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        let rowLength = node.shape.count / Swift.max(outer, 1)
        var column = 0
        for i in listStart..<(listStart + listCount) {
            let id = lists[i]
            let len = shape(id).count / Swift.max(outer, 1)
            if needs(id) {
                let dx = gradient(of: id)
                for o in 0..<outer {
                    let d = dx + o * len, go = g + o * rowLength + column
                    for j in 0..<len { d[j] += go[j] }
                }
            }
            column += len
        }
    }

    func transposeBackward(_ xId: Int32, _ batch: Int, _ rows: Int, _ cols: Int, _ g: UnsafeMutablePointer<Float>) {
        guard needs(xId) else { return }
        let dx = gradient(of: xId)
        for b in 0..<batch {
            let db = dx + b * rows * cols, gb = g + b * rows * cols
            for i in 0..<rows { for j in 0..<cols { db[i * cols + j] += gb[j * rows + i] } }
        }
    }
}

extension Tensor {
    /// Forward value of `self` with the gradient routed to `gradientSource` (straight-through: h − sg(y) + y).
    public func straightThrough(gradientTo gradientSource: Tensor) -> Tensor {
        precondition(count == gradientSource.count, "straight-through shapes \(shape) and \(gradientSource.shape)")
        let out = graph.add(shape, .straightThrough(value: id, gradientTo: gradientSource.id), needsGrad: gradientSource.requiresGrad)
        out.storage.update(from: storage, count: count)
        return out
    }
}
