/// The tape of one training (or acting) step: it owns every intermediate buffer and is reused
/// step after step. Call `reset()` at the start of a step; tensors from earlier steps become invalid.
///
/// Forward operations run eagerly and record an `Op`; `backward(_:)` walks the tape in reverse.
public final class Graph {
    /// Buffers every graph's arenas have allocated or grown so far in this process; a step that
    /// repeats its shapes adds none.
    public static var arenaGrowths: Int { Arena.growths }

    var nodes: [Node] = []
    let values = Arena()
    let grads = Arena()
    /// Operand lists of n-ary ops (concat/stack), indexed by the op's payload.
    var lists: [Int32] = []
    /// The groups of networks this step ran on tapes of their own (`branches`), indexed by the op's payload.
    var branchGroups: [BranchGroup] = []
    /// Counts the backward passes of this graph (branch groups run their backward once per pass).
    var backwardPass = 0
    /// On a branch's own tape: its shared inputs and its output in the current step.
    var branchInputs: [Int32] = [], branchOutput: Int32 = -1
    private var recordingDepth = 0

    /// Creates an empty tape.
    public init() {
        nodes.reserveCapacity(1024)
        lists.reserveCapacity(256)
    }

    /// Forgets all tensors of the previous step and keeps their memory for this one.
    public func reset() {
        nodes.removeAll(keepingCapacity: true)
        lists.removeAll(keepingCapacity: true)
        branchGroups.removeAll(keepingCapacity: true)
        values.reset()
        grads.reset()
        recordingDepth = 0
    }

    /// Whether new operations record gradients (false inside `withoutGradients`).
    public var isRecording: Bool { recordingDepth == 0 }

    /// Runs `body` without recording gradients, like `torch.no_grad()`.
    @inline(__always)
    public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        recordingDepth += 1
        defer { recordingDepth -= 1 }
        return try body()
    }

    /// Number of tape entries recorded so far in this step.
    public var nodeCount: Int { nodes.count }

    // MARK: - Node creation

    @inline(__always)
    func add(_ shape: Shape, _ op: Op, needsGrad: Bool, value: UnsafeMutablePointer<Float>? = nil) -> Tensor {
        let v = value ?? values.allocate(shape.count)
        nodes.append(Node(value: v, grad: nil, aux: nil, shape: shape, needsGrad: needsGrad && recordingDepth == 0, op: op))
        return Tensor(graph: self, id: Int32(nodes.count - 1))
    }

    @inline(__always) func needs(_ a: Int32) -> Bool { nodes[Int(a)].needsGrad }
    @inline(__always) func needs(_ a: Int32, _ b: Int32) -> Bool { nodes[Int(a)].needsGrad || nodes[Int(b)].needsGrad }
    @inline(__always) func value(_ id: Int32) -> UnsafeMutablePointer<Float> { nodes[Int(id)].value }
    @inline(__always) func shape(_ id: Int32) -> Shape { nodes[Int(id)].shape }

    /// A tensor filled from `values` (copied into the step's arena).
    public func constant(_ data: [Float], _ shape: Shape) -> Tensor {
        precondition(data.count == shape.count, "\(data.count) values for shape \(shape)")
        let t = add(shape, .constant, needsGrad: false)
        data.withUnsafeBufferPointer { t.storage.update(from: $0.baseAddress!, count: shape.count) }
        return t
    }

    /// A tensor copied from raw memory.
    public func constant(copying source: UnsafePointer<Float>, _ shape: Shape) -> Tensor {
        let t = add(shape, .constant, needsGrad: false)
        t.storage.update(from: source, count: shape.count)
        return t
    }

    /// A tensor that reads caller-owned memory without copying; the memory must outlive the step.
    public func constant(borrowing source: UnsafeMutablePointer<Float>, _ shape: Shape) -> Tensor {
        add(shape, .constant, needsGrad: false, value: source)
    }

    /// A tensor filled with one value.
    public func full(_ value: Float, _ shape: Shape) -> Tensor {
        let t = add(shape, .constant, needsGrad: false)
        t.storage.update(repeating: value, count: shape.count)
        return t
    }

    /// A zero tensor.
    public func zeros(_ shape: Shape) -> Tensor { full(0, shape) }

    /// A constant whose values are written by `fill` (no copy of an intermediate array).
    public func constant(_ shape: Shape, fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let t = add(shape, .constant, needsGrad: false)
        fill(UnsafeMutableBufferPointer(start: t.storage, count: shape.count))
        return t
    }

    /// A leaf whose gradient is wanted (e.g. for gradient checks or ∂Q/∂input); read it with `gradient`.
    public func variable(_ data: [Float], _ shape: Shape) -> Tensor {
        precondition(data.count == shape.count, "\(data.count) values for shape \(shape)")
        let t = add(shape, .variable, needsGrad: true)
        data.withUnsafeBufferPointer { t.storage.update(from: $0.baseAddress!, count: shape.count) }
        return t
    }

    /// The tensor of a parameter: reads its storage directly and accumulates into its gradient.
    @inline(__always)
    public func param(_ p: Parameter) -> Tensor {
        let t = add(p.shape, .parameter, needsGrad: p.requiresGrad, value: p.value)
        nodes[Int(t.id)].grad = p.grad
        return t
    }

    // MARK: - Backward

    /// Accumulates d(loss)/d(parameter) into every parameter gradient reachable from the scalar `loss`.
    /// May be called more than once per step (e.g. actor and critic losses); each call starts from fresh
    /// intermediate gradients.
    public func backward(_ loss: Tensor) {
        precondition(loss.shape.count == 1, "backward needs a scalar loss, got shape \(loss.shape)")
        let lossId = Int(loss.id)
        guard nodes[lossId].needsGrad else { return }
        for i in 0...lossId {
            switch nodes[i].op {
            case .parameter: break
            default: nodes[i].grad = nil
            }
        }
        gradient(of: loss.id)[0] += 1
        backwardPass += 1
        propagate(from: lossId)
    }

    /// Backward from a node whose gradient is given (`seed`, as many values as the node has): how a
    /// branch's tape continues the backward pass of the step that ran it.
    func backward(from output: Int32, seed: UnsafePointer<Float>) {
        let last = Int(output)
        for i in 0...last {
            switch nodes[i].op {
            case .parameter: break
            default: nodes[i].grad = nil
            }
        }
        let count = nodes[last].shape.count
        let g = grads.allocate(count)
        g.update(from: seed, count: count)
        nodes[last].grad = g
        backwardPass += 1
        propagate(from: last)
    }

    private func propagate(from last: Int) {
        var i = last
        while i >= 0 {
            let node = nodes[i]
            if node.needsGrad, let g = node.grad { backwardStep(Int32(i), node, g) }
            i -= 1
        }
    }

    /// The gradient buffer of a node, allocated and zeroed on first use.
    @inline(__always)
    func gradient(of id: Int32) -> UnsafeMutablePointer<Float> {
        if let g = nodes[Int(id)].grad { return g }
        let g = grads.allocateZeroed(nodes[Int(id)].shape.count)
        nodes[Int(id)].grad = g
        return g
    }

    /// The gradient buffer of a node for an op that writes every element: when this is the first contribution the
    /// buffer is returned uninitialised with `fresh == true` (overwrite it), otherwise the existing one (accumulate).
    @inline(__always)
    func gradientForWriting(of id: Int32) -> (buffer: UnsafeMutablePointer<Float>, fresh: Bool) {
        if let g = nodes[Int(id)].grad { return (g, false) }
        let g = grads.allocate(nodes[Int(id)].shape.count)
        nodes[Int(id)].grad = g
        return (g, true)
    }

    private func backwardStep(_ id: Int32, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        switch node.op {
        case .constant, .variable, .parameter:
            break
        case let .view(parent, offset):
            if needs(parent) {
                let pg = gradient(of: parent) + Int(offset)
                for i in 0..<node.shape.count { pg[i] += g[i] }
            }
        case let .unary(kind, x, p1, p2):
            unaryBackward(kind, x, node, g, p1, p2)
        case let .binary(kind, a, b):
            binaryBackward(kind, a, b, node, g)
        case let .reduce(kind, x, outer, n, inner):
            reduceBackward(kind, x, node, g, Int(outer), Int(n), Int(inner))
        case let .matmul(a, b, transA, transB, batch):
            matmulBackward(a, b, transA, transB, Int(batch), node, g)
        case let .linear(x, w, b, relu):
            linearBackward(x, w, b, relu, node, g)
        case let .softmax(x, mask, log):
            softmaxBackward(x, mask, log, node, g)
        case let .gather(x, index):
            gatherBackward(x, index, node, g)
        case let .slice(x, outer, n, inner, start):
            sliceBackward(x, Int(outer), Int(n), Int(inner), Int(start), node, g)
        case let .concat(listStart, listCount, outer, inner):
            concatBackward(Int(listStart), Int(listCount), Int(outer), Int(inner), node, g)
        case let .transpose(x, batch, rows, cols):
            transposeBackward(x, Int(batch), Int(rows), Int(cols), g)
        case let .gru(x, h, wih, whh, bih, bhh):
            gruBackward(x, h, wih, whh, bih, bhh, node, g)
        case let .gruSequence(gi, h0, whh, bih, bhh):
            gruSequenceBackward(gi, h0, whh, bih, bhh, node, g)
        case let .layerNorm(x, gamma, beta, _, relu):
            layerNormBackward(x, gamma, beta, relu: relu, node, g)
        case let .qmixMix(q, w1, b1, w2, b2):
            qmixBackward(q, w1, b1, w2, b2, node, g)
        case let .branch(group, index):
            branchBackward(Int(group), Int(index), id)
        case let .straightThrough(_, target):
            if needs(target) {
                let tg = gradient(of: target)
                for i in 0..<node.shape.count { tg[i] += g[i] }
            }
        }
    }
}
