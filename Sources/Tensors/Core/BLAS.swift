import COpenBLAS
import Dispatch
import Foundation

/// The OpenBLAS kernel family in use (e.g. "Haswell", "SkylakeX"); chosen at load time, `OPENBLAS_CORETYPE` overrides it.
public func openBLASCoreType() -> String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
}

/// Sets the number of OpenBLAS threads. The engine defaults to one: small products are slower with more.
public func setOpenBLASThreads(_ n: Int) {
    openblas_set_num_threads(Int32(n))
}

/// One-time process setup: single-threaded BLAS unless the caller asks otherwise.
let blasSetup: Void = {
    openblas_set_num_threads(1)
}()

/// The shape of one matrix product: C[m×n] = op(A)[m×k] · op(B)[k×n].
public struct GEMMShape: Hashable, Sendable {
    public var transA: Bool, transB: Bool
    public var m: Int, n: Int, k: Int

    /// Multiply-adds counted twice.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// Records the shape of every matrix product while `isRecording` (for `marl-sim bench learners`,
/// which measures each shape's own sgemm rate to find an update's compute floor). Off, it costs a branch.
public enum GEMMRecorder {
    nonisolated(unsafe) public static var isRecording = false
    nonisolated(unsafe) public static var shapes: [GEMMShape] = []
    /// Parallel branches record at the same time.
    static let lock = NSLock()

    /// The time of one `cblas_sgemm` of `shape` in microseconds, measured here (inputs in cache,
    /// repeated for at least `seconds`, best of three).
    public static func microseconds(of shape: GEMMShape, seconds: Double = 0.02) -> Double {
        let rowsA = shape.transA ? shape.k : shape.m, columnsA = shape.transA ? shape.m : shape.k
        let rowsB = shape.transB ? shape.n : shape.k, columnsB = shape.transB ? shape.k : shape.n
        let a = [Float](repeating: 0.5, count: rowsA * columnsA), b = [Float](repeating: 0.25, count: rowsB * columnsB)
        var c = [Float](repeating: 0, count: shape.m * shape.n)
        func once() {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        gemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                             a: a.baseAddress!, lda: columnsA, b: b.baseAddress!, ldb: columnsB, beta: 1, c: c.baseAddress!, ldc: shape.n)
                    }
                }
            }
        }
        var best = Double.infinity
        for _ in 0..<3 {
            var calls = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                for _ in 0..<16 { once() }
                calls += 16
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < seconds
            best = Swift.min(best, elapsed / Double(calls) * 1e6)
        }
        return best
    }
}

/// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op(X) = Xᵀ when the flag is set.
/// `lda`/`ldb`/`ldc` are the row strides of the matrices as stored.
@inline(__always)
func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
          a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    _ = blasSetup
    if m == 0 || n == 0 { return }
    if GEMMRecorder.isRecording {
        GEMMRecorder.lock.withLock { GEMMRecorder.shapes.append(GEMMShape(transA: transA, transB: transB, m: m, n: n, k: k)) }
    }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
