/// Element-wise functions of one tensor.
public enum UnaryKind: UInt8 {
    case neg, exp, log, abs, square, sqrt, relu, elu, tanh, sigmoid, softplus, clamp, affine
}

/// Element-wise functions of two tensors (with broadcasting of the smaller over leading dimensions).
public enum BinaryKind: UInt8 {
    case add, sub, mul, div, minimum, maximum
}

/// Reductions over all elements or one axis.
public enum ReduceKind: UInt8 {
    case sum, mean, max, min
}

/// One tape entry: how a node was computed, with plain-data operands (node indices and numbers),
/// so recording it never allocates.
enum Op {
    case constant
    case variable
    case parameter
    /// Shares the parent's storage at an offset (reshape, leading-axis slice, detach uses `.constant`).
    case view(parent: Int32, offset: Int32)
    case unary(UnaryKind, Int32, Float, Float)
    case binary(BinaryKind, Int32, Int32)
    case reduce(ReduceKind, Int32, outer: Int32, n: Int32, inner: Int32)
    case matmul(Int32, Int32, transA: Bool, transB: Bool, batch: Int32)
    /// x·Wᵀ + b, followed by ReLU when `relu` (fused so the activation costs no extra tape entry or buffers).
    case linear(x: Int32, w: Int32, b: Int32, relu: Bool)
    case softmax(Int32, mask: Int32, log: Bool)
    case gather(Int32, index: Int32)
    case slice(Int32, outer: Int32, n: Int32, inner: Int32, start: Int32)
    case concat(listStart: Int32, listCount: Int32, outer: Int32, inner: Int32)
    case transpose(Int32, batch: Int32, rows: Int32, cols: Int32)
    case gru(x: Int32, h: Int32, wih: Int32, whh: Int32, bih: Int32, bhh: Int32)
    /// A whole GRU unroll from input products x·W_ihᵀ [T, B, 3H] (bias `bih` added inside) and h0 [B, H] → states [T, B, H].
    case gruSequence(projected: Int32, h0: Int32, whh: Int32, bih: Int32, bhh: Int32)
    /// Layer normalisation, followed by ReLU when `relu`.
    case layerNorm(Int32, gamma: Int32, beta: Int32, eps: Float, relu: Bool)
    case qmixMix(q: Int32, w1: Int32, b1: Int32, w2: Int32, b2: Int32)
    /// Value of the first operand, gradient routed to the second (straight-through estimators).
    case straightThrough(value: Int32, gradientTo: Int32)
    /// Output `index` of a group of networks run on their own tapes (`Graph.branches`).
    case branch(group: Int32, index: Int32)
}

/// A node on the tape: its value, lazily allocated gradient, shape and origin.
struct Node {
    var value: UnsafeMutablePointer<Float>
    var grad: UnsafeMutablePointer<Float>?
    var aux: UnsafeMutablePointer<Float>?
    var shape: Shape
    var needsGrad: Bool
    var op: Op
}
