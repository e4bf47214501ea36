/// A Float32, row-major tensor: a light handle to a node of a `Graph`, valid until the graph's next `reset()`.
public struct Tensor {
    /// The tape that owns this tensor's storage.
    public unowned(unsafe) let graph: Graph
    let id: Int32

    init(graph: Graph, id: Int32) {
        self.graph = graph
        self.id = id
    }

    /// The shape.
    @inline(__always) public var shape: Shape { graph.nodes[Int(id)].shape }
    /// Number of elements.
    @inline(__always) public var count: Int { shape.count }
    /// Whether gradients flow back through this tensor.
    public var requiresGrad: Bool { graph.nodes[Int(id)].needsGrad }

    /// Direct access to the values (valid until the graph resets; do not write into tensors that are part of a tape).
    @inline(__always) public var storage: UnsafeMutablePointer<Float> { graph.nodes[Int(id)].value }

    /// The values as an array (allocates).
    public var array: [Float] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    /// The single value of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar of a tensor with shape \(shape)")
        return storage[0]
    }

    /// The accumulated gradient after `backward`, if any reached this tensor.
    public var gradient: [Float]? {
        guard let g = graph.nodes[Int(id)].grad else { return nil }
        return Array(UnsafeBufferPointer(start: g, count: count))
    }

    /// The same values with no gradient flowing back (a stop-gradient); shares storage.
    public func detached() -> Tensor {
        graph.add(shape, .constant, needsGrad: false, value: storage)
    }

    /// The same values viewed with another shape of equal element count; shares storage.
    public func reshaped(_ newShape: Shape) -> Tensor {
        precondition(newShape.count == count, "cannot reshape \(shape) to \(newShape)")
        return graph.add(newShape, .view(parent: id, offset: 0), needsGrad: requiresGrad, value: storage)
    }
}
