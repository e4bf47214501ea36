import Foundation

// MARK: - Unary

extension Tensor {
    @inline(__always)
    func unary(_ kind: UnaryKind, _ p1: Float = 0, _ p2: Float = 0) -> Tensor {
        let g = graph
        let n = count
        let out = g.add(shape, .unary(kind, id, p1, p2), needsGrad: requiresGrad)
        let x = storage, y = out.storage
        switch kind {
        case .neg: for i in 0..<n { y[i] = -x[i] }
        case .exp: for i in 0..<n { y[i] = Foundation.exp(x[i]) }
        case .log: for i in 0..<n { y[i] = Foundation.log(x[i]) }
        case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
        case .square: for i in 0..<n { y[i] = x[i] * x[i] }
        case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
        case .relu: reluForward(x, y, n)
        case .elu: for i in 0..<n { let v = x[i]; y[i] = v > 0 ? v : p1 * (Foundation.expm1(v)) }
        case .tanh: tanhForward(x, y, n)
        case .sigmoid: sigmoidForward(x, y, n)
        case .softplus: for i in 0..<n { y[i] = stableSoftplus(x[i]) }
        case .clamp: for i in 0..<n { y[i] = Swift.min(Swift.max(x[i], p1), p2) }
        case .affine: for i in 0..<n { y[i] = p1 * x[i] + p2 }
        }
        return out
    }

    /// −x.
    public static prefix func - (x: Tensor) -> Tensor { x.unary(.neg) }
    /// eˣ.
    public func exp() -> Tensor { unary(.exp) }
    /// Natural logarithm.
    public func log() -> Tensor { unary(.log) }
    /// |x| (gradient 0 at 0).
    public func abs() -> Tensor { unary(.abs) }
    /// x².
    public func square() -> Tensor { unary(.square) }
    /// √x.
    public func sqrt() -> Tensor { unary(.sqrt) }
    /// max(x, 0).
    public func relu() -> Tensor { unary(.relu) }
    /// ELU: x for x > 0, α(eˣ − 1) otherwise.
    public func elu(alpha: Float = 1) -> Tensor { unary(.elu, alpha) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary(.tanh) }
    /// Logistic sigmoid.
    public func sigmoid() -> Tensor { unary(.sigmoid) }
    /// log(1 + eˣ), computed without overflow.
    public func softplus() -> Tensor { unary(.softplus) }
    /// Clamps into [lo, hi]; gradient passes where lo ≤ x ≤ hi (as PyTorch).
    public func clamped(_ lo: Float, _ hi: Float) -> Tensor { unary(.clamp, lo, hi) }
    /// scale · x + shift.
    public func affine(scale: Float, shift: Float = 0) -> Tensor { unary(.affine, scale, shift) }

    public static func * (x: Tensor, s: Float) -> Tensor { x.unary(.affine, s, 0) }
    public static func * (s: Float, x: Tensor) -> Tensor { x.unary(.affine, s, 0) }
    public static func + (x: Tensor, s: Float) -> Tensor { x.unary(.affine, 1, s) }
    public static func + (s: Float, x: Tensor) -> Tensor { x.unary(.affine, 1, s) }
    public static func - (x: Tensor, s: Float) -> Tensor { x.unary(.affine, 1, -s) }
    public static func - (s: Float, x: Tensor) -> Tensor { x.unary(.affine, -1, s) }
    public static func / (x: Tensor, s: Float) -> Tensor { x.unary(.affine, 1 / s, 0) }
}

@inline(__always) func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}

@inline(__always) func stableSoftplus(_ x: Float) -> Float {
    Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
}

extension Graph {
    func unaryBackward(_ kind: UnaryKind, _ xId: Int32, _ node: Node, _ g: UnsafeMutablePointer<Float>, _ p1: Float, _ p2: Float) {
        guard needs(xId) else { return }
        let n = node.shape.count
        let x = value(xId), y = node.value, dx = gradient(of: xId)
        switch kind {
        case .neg: for i in 0..<n { dx[i] -= g[i] }
        case .exp: for i in 0..<n { dx[i] += g[i] * y[i] }
        case .log: for i in 0..<n { dx[i] += g[i] / x[i] }
        case .abs: for i in 0..<n { dx[i] += x[i] > 0 ? g[i] : (x[i] < 0 ? -g[i] : 0) }
        case .square: for i in 0..<n { dx[i] += 2 * x[i] * g[i] }
        case .sqrt: for i in 0..<n { dx[i] += g[i] / (2 * y[i]) }
        case .relu: reluBackward(x, g, dx, n)
        case .elu: for i in 0..<n { dx[i] += x[i] > 0 ? g[i] : g[i] * (y[i] + p1) }
        case .tanh: for i in 0..<n { dx[i] += g[i] * (1 - y[i] * y[i]) }
        case .sigmoid: for i in 0..<n { dx[i] += g[i] * y[i] * (1 - y[i]) }
        case .softplus: for i in 0..<n { dx[i] += g[i] * stableSigmoid(x[i]) }
        case .clamp: for i in 0..<n where x[i] >= p1 && x[i] <= p2 { dx[i] += g[i] }
        case .affine: for i in 0..<n { dx[i] += p1 * g[i] }
        }
    }
}

// MARK: - Binary with broadcasting

@inline(__always) private func apply(_ kind: BinaryKind, _ a: Float, _ b: Float) -> Float {
    switch kind {
    case .add: return a + b
    case .sub: return a - b
    case .mul: return a * b
    case .div: return a / b
    case .minimum: return Swift.min(a, b)
    case .maximum: return Swift.max(a, b)
    }
}

/// (∂f/∂a, ∂f/∂b) times the incoming gradient; min/max split ties evenly like PyTorch.
@inline(__always) private func partials(_ kind: BinaryKind, _ a: Float, _ b: Float, _ g: Float) -> (Float, Float) {
    switch kind {
    case .add: return (g, g)
    case .sub: return (g, -g)
    case .mul: return (g * b, g * a)
    case .div: return (g / b, -g * a / (b * b))
    case .minimum: return a < b ? (g, 0) : (a > b ? (0, g) : (g / 2, g / 2))
    case .maximum: return a > b ? (g, 0) : (a < b ? (0, g) : (g / 2, g / 2))
    }
}

extension Tensor {
    func binary(_ kind: BinaryKind, _ other: Tensor) -> Tensor {
        let g = graph
        precondition(g === other.graph, "tensors from different graphs")
        let sa = shape, sb = other.shape
        let na = sa.count, nb = sb.count
        let outShape: Shape
        if na == nb {
            // Equal sizes must be equal shapes (up to leading ones): [B, 1] against [B] is a bug, not an element-wise op.
            precondition(na == 1 || sa.dropLeadingOnes() == sb.dropLeadingOnes(), "shapes \(sa) and \(sb) do not match")
            outShape = sa.rank >= sb.rank ? sa : sb
        }
        else if na > nb { precondition(sa.broadcasts(sb), "cannot broadcast \(sb) over \(sa)"); outShape = sa }
        else { precondition(sb.broadcasts(sa), "cannot broadcast \(sa) over \(sb)"); outShape = sb }
        let out = g.add(outShape, .binary(kind, id, other.id), needsGrad: requiresGrad || other.requiresGrad)
        let a = storage, b = other.storage, y = out.storage
        let n = outShape.count
        if na == nb {
            switch kind {
            case .add: for i in 0..<n { y[i] = a[i] + b[i] }
            case .sub: for i in 0..<n { y[i] = a[i] - b[i] }
            case .mul: for i in 0..<n { y[i] = a[i] * b[i] }
            default: for i in 0..<n { y[i] = apply(kind, a[i], b[i]) }
            }
        } else if na > nb {
            var i = 0
            for _ in 0..<(na / nb) { for j in 0..<nb { y[i] = apply(kind, a[i], b[j]); i += 1 } }
        } else {
            var i = 0
            for _ in 0..<(nb / na) { for j in 0..<na { y[i] = apply(kind, a[j], b[i]); i += 1 } }
        }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.binary(.add, b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.binary(.sub, b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.binary(.mul, b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.binary(.div, b) }
}

/// Element-wise minimum (e.g. of twin critics), with broadcasting.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a.binary(.minimum, b) }
/// Element-wise maximum, with broadcasting.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a.binary(.maximum, b) }

extension Graph {
    func binaryBackward(_ kind: BinaryKind, _ aId: Int32, _ bId: Int32, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        let needA = needs(aId), needB = needs(bId)
        guard needA || needB else { return }
        let a = value(aId), b = value(bId)
        let na = shape(aId).count, nb = shape(bId).count
        let da = needA ? gradient(of: aId) : nil
        let db = needB ? gradient(of: bId) : nil
        if na == nb {
            if kind == .add || kind == .sub {
                let sign: Float = kind == .add ? 1 : -1
                if let da { accumulate(da, g, na) }
                if let db { if kind == .add { accumulate(db, g, na) } else { for i in 0..<na { db[i] += sign * g[i] } } }
                return
            }
            for i in 0..<na {
                let (ga, gb) = partials(kind, a[i], b[i], g[i])
                da?[i] += ga
                db?[i] += gb
            }
        } else if na > nb {
            var i = 0
            for _ in 0..<(na / nb) {
                for j in 0..<nb {
                    let (ga, gb) = partials(kind, a[i], b[j], g[i])
                    da?[i] += ga
                    db?[j] += gb
                    i += 1
                }
            }
        } else {
            var i = 0
            for _ in 0..<(nb / na) {
                for j in 0..<na {
                    let (ga, gb) = partials(kind, a[j], b[i], g[i])
                    da?[j] += ga
                    db?[i] += gb
                    i += 1
                }
            }
        }
    }
}
