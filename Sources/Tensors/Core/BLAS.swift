import COpenBLAS

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

/// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op(X) = Xᵀ when the flag is set.
/// `lda`/`ldb`/`ldc` are the row strides of the matrices as stored.
@inline(__always)
func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
          a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    _ = blasSetup
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
