/// A tensor shape of rank 0...4, stored inline so creating one never touches the heap.
public struct Shape: Equatable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// Number of dimensions (0 for a scalar).
    public private(set) var rank: Int
    private var d0 = 1, d1 = 1, d2 = 1, d3 = 1

    /// The largest rank supported; four covers [time, batch, agents, features].
    public static let maxRank = 4

    /// A scalar shape.
    public static let scalar = Shape()

    public init() { rank = 0 }
    public init(_ a: Int) { rank = 1; d0 = a }
    public init(_ a: Int, _ b: Int) { rank = 2; d0 = a; d1 = b }
    public init(_ a: Int, _ b: Int, _ c: Int) { rank = 3; d0 = a; d1 = b; d2 = c }
    public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int) { rank = 4; d0 = a; d1 = b; d2 = c; d3 = d }
    public init(_ dims: [Int]) {
        precondition(dims.count <= Shape.maxRank, "rank \(dims.count) exceeds \(Shape.maxRank)")
        rank = 0
        for d in dims { append(d) }
    }
    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// Dimension `i`; negative indices count from the end.
    public subscript(i: Int) -> Int {
        get {
            let j = i < 0 ? rank + i : i
            precondition(j >= 0 && j < rank, "axis \(i) out of range for rank \(rank)")
            switch j { case 0: return d0; case 1: return d1; case 2: return d2; default: return d3 }
        }
        set {
            let j = i < 0 ? rank + i : i
            precondition(j >= 0 && j < rank, "axis \(i) out of range for rank \(rank)")
            switch j { case 0: d0 = newValue; case 1: d1 = newValue; case 2: d2 = newValue; default: d3 = newValue }
        }
    }

    /// Number of elements.
    @inline(__always) public var count: Int {
        switch rank { case 0: return 1; case 1: return d0; case 2: return d0 * d1; case 3: return d0 * d1 * d2; default: return d0 * d1 * d2 * d3 }
    }

    /// The dimensions as an array (allocates; not for hot paths).
    public var dims: [Int] { (0..<rank).map { self[$0] } }

    /// Size of the last dimension (1 for scalars).
    @inline(__always) public var last: Int { rank == 0 ? 1 : self[rank - 1] }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    /// Appends a trailing dimension.
    public mutating func append(_ d: Int) {
        precondition(rank < Shape.maxRank, "rank exceeds \(Shape.maxRank)")
        precondition(d >= 0, "negative dimension")
        rank += 1
        self[rank - 1] = d
    }

    /// Normalises a possibly negative axis.
    @inline(__always) func axisIndex(_ axis: Int) -> Int {
        let a = axis < 0 ? rank + axis : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(self)")
        return a
    }

    /// Splits the shape around `axis` into (product before, size of axis, product after).
    func split(at axis: Int) -> (outer: Int, n: Int, inner: Int) {
        var outer = 1, inner = 1
        for i in 0..<axis { outer *= self[i] }
        for i in (axis + 1)..<rank { inner *= self[i] }
        return (outer, self[axis], inner)
    }

    /// The shape with `axis` removed.
    func removing(axis: Int) -> Shape {
        var s = Shape()
        for i in 0..<rank where i != axis { s.append(self[i]) }
        return s
    }

    /// The shape with a new dimension inserted before position `axis`.
    func inserting(_ d: Int, at axis: Int) -> Shape {
        var s = Shape()
        for i in 0...rank {
            if i == axis { s.append(d) }
            if i < rank { s.append(self[i]) }
        }
        return s
    }

    /// True when `other` (ignoring leading ones) is a trailing part of this shape, so it can repeat over our leading dimensions.
    func broadcasts(_ other: Shape) -> Bool {
        if other.count == 1 { return true }
        let trimmed = other.dropLeadingOnes()
        var o = trimmed.rank - 1, s = rank - 1
        while o >= 0 {
            if s < 0 || trimmed[o] != self[s] { return false }
            o -= 1; s -= 1
        }
        return true
    }

    func dropLeadingOnes() -> Shape {
        var start = 0
        while start < rank - 1 && self[start] == 1 { start += 1 }
        var s = Shape()
        for i in start..<rank { s.append(self[i]) }
        return s
    }
}
