// Branch-free, 8-wide loops for the element-wise work that dominates small networks
// (random-sign data makes per-element branches mispredict half the time).

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// dst[i] += src[i].
@inline(__always) func accumulate(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { store8(load8(dst + i) + load8(src + i), dst + i); i += 8 }
    while i < n { dst[i] += src[i]; i += 1 }
}

/// y[i] = max(x[i], 0).
@inline(__always) func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    let zero = SIMD8<Float>(repeating: 0)
    while i + 8 <= n { let v = load8(x + i); store8(v.replacing(with: zero, where: v .< zero), y + i); i += 8 }
    while i < n { y[i] = Swift.max(x[i], 0); i += 1 }
}

/// dx[i] += x[i] > 0 ? g[i] : 0.
@inline(__always) func reluBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    let zero = SIMD8<Float>(repeating: 0)
    while i + 8 <= n {
        let passed = zero.replacing(with: load8(g + i), where: load8(x + i) .> zero)
        store8(load8(dx + i) + passed, dx + i)
        i += 8
    }
    while i < n { if x[i] > 0 { dx[i] += g[i] }; i += 1 }
}

// MARK: - Fast transcendental functions
// libm's tanhf goes through expm1f and dominated recurrent workloads; these 8-wide versions are accurate to a
// few float ulps in absolute terms, which is far inside what training and the parity checks need.

@inline(__always) func bits(_ v: SIMD8<Float>) -> SIMD8<UInt32> { unsafeBitCast(v, to: SIMD8<UInt32>.self) }
@inline(__always) func floats(_ v: SIMD8<UInt32>) -> SIMD8<Float> { unsafeBitCast(v, to: SIMD8<Float>.self) }

/// eˣ for 8 lanes (Cody–Waite reduction, degree-6 polynomial); inputs are clamped to the finite range.
@inline(__always) func exp8(_ input: SIMD8<Float>) -> SIMD8<Float> {
    var x = input.replacing(with: 88.3762626647949, where: input .> 88.3762626647949)
    x = x.replacing(with: -87.3365447504, where: x .< -87.3365447504)
    let magic = SIMD8<Float>(repeating: 12_582_912) // 1.5·2²³: adding it rounds to an integer in the low mantissa bits
    let shifted = x * 1.44269504088896341 + magic
    let n = shifted - magic
    let r = x - n * 0.693359375 + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    let k = bits(shifted) &- bits(magic)
    let scale = floats((k &+ 127) &<< 23)
    return p * scale
}

/// σ(x) = 1 / (1 + e⁻ˣ) for 8 lanes.
@inline(__always) func sigmoid8(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + exp8(-x)) }

/// tanh(x) = 1 − 2/(e²ˣ + 1) for 8 lanes (absolute error ~1e-7).
@inline(__always) func tanh8(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 - 2 / (exp8(x + x) + 1) }

/// Scalar versions with the same arithmetic, for loop tails (so results do not depend on position).
@inline(__always) func fastExp(_ x: Float) -> Float { exp8(SIMD8(repeating: x))[0] }
@inline(__always) func fastSigmoid(_ x: Float) -> Float { sigmoid8(SIMD8(repeating: x))[0] }
@inline(__always) func fastTanh(_ x: Float) -> Float { tanh8(SIMD8(repeating: x))[0] }

/// p[i] = σ(p[i]).
@inline(__always) func sigmoidInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { store8(sigmoid8(load8(p + i)), p + i); i += 8 }
    while i < n { p[i] = fastSigmoid(p[i]); i += 1 }
}

/// p[i] = tanh(p[i]).
@inline(__always) func tanhInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { store8(tanh8(load8(p + i)), p + i); i += 8 }
    while i < n { p[i] = fastTanh(p[i]); i += 1 }
}

/// y[i] = σ(x[i]) / tanh(x[i]).
@inline(__always) func sigmoidForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    y.update(from: x, count: n)
    sigmoidInPlace(y, n)
}

@inline(__always) func tanhForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    y.update(from: x, count: n)
    tanhInPlace(y, n)
}

// MARK: - Sign-bit helpers

@inline(__always) func abs8(_ v: SIMD8<Float>) -> SIMD8<Float> { floats(bits(v) & 0x7FFF_FFFF) }

/// sign(w) · x with sign(0) = 0, as the gradient of |w| in PyTorch.
@inline(__always) func timesSign8(_ x: SIMD8<Float>, _ w: SIMD8<Float>) -> SIMD8<Float> {
    let signed = floats(bits(x) ^ (bits(w) & 0x8000_0000))
    return signed.replacing(with: 0, where: w .== SIMD8<Float>(repeating: 0))
}

@inline(__always) func horizontalSum(_ v: SIMD8<Float>) -> Float {
    let h = v.lowHalf + v.highHalf
    return (h[0] + h[2]) + (h[1] + h[3])
}

/// out[i] = y[i] > 0 ? g[i] : 0 (overwrites `out`).
@inline(__always) func reluMask(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    let zero = SIMD8<Float>(repeating: 0)
    while i + 8 <= n { store8(zero.replacing(with: load8(g + i), where: load8(y + i) .> zero), out + i); i += 8 }
    while i < n { out[i] = y[i] > 0 ? g[i] : 0; i += 1 }
}

/// y[r, j] += bias[j], then max(·, 0) when `relu`.
@inline(__always) func addRowBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int, relu: Bool) {
    let zero = SIMD8<Float>(repeating: 0)
    for r in 0..<rows {
        let yr = y + r * cols
        var j = 0
        while j + 8 <= cols {
            var v = load8(yr + j) + load8(bias + j)
            if relu { v = v.replacing(with: zero, where: v .< zero) }
            store8(v, yr + j)
            j += 8
        }
        while j < cols {
            let v = yr[j] + bias[j]
            yr[j] = relu ? Swift.max(v, 0) : v
            j += 1
        }
    }
}

/// out = (y > 0 ? g : 0) row by row, adding each column's total into `sums` when given.
@inline(__always) func reluMaskAndColumnSums(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                            rows: Int, cols: Int, sums: UnsafeMutablePointer<Float>?) {
    guard let sums else { reluMask(y, g, out, rows * cols); return }
    let zero = SIMD8<Float>(repeating: 0)
    for r in 0..<rows {
        let base = r * cols
        var j = 0
        while j + 8 <= cols {
            let masked = zero.replacing(with: load8(g + base + j), where: load8(y + base + j) .> zero)
            store8(masked, out + base + j)
            store8(load8(sums + j) + masked, sums + j)
            j += 8
        }
        while j < cols {
            let masked = y[base + j] > 0 ? g[base + j] : 0
            out[base + j] = masked
            sums[j] += masked
            j += 1
        }
    }
}
