import Foundation

/// Weight initialisation schemes.
public enum Initialization {
    /// Fills with U(−bound, bound).
    public static func uniform(_ p: Parameter, bound: Float, rng: inout RandomSource) {
        for i in 0..<p.count { p.value[i] = rng.uniform(-bound, bound) }
    }

    /// PyTorch's `nn.Linear` default: weight and bias U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5).
    public static func pytorchLinear(weight: Parameter, bias: Parameter?, rng: inout RandomSource) {
        let fanIn = weight.shape[1]
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        uniform(weight, bound: bound, rng: &rng)
        if let bias { uniform(bias, bound: bound, rng: &rng) }
    }

    /// Orthogonal rows/columns scaled by `gain` (as `torch.nn.init.orthogonal_`), for a [rows, cols] weight.
    public static func orthogonal(_ p: Parameter, gain: Float, rng: inout RandomSource) {
        let rows = p.shape[0], cols = p.count / Swift.max(rows, 1)
        // Orthonormalise the columns of a tall Gaussian matrix (Gram–Schmidt in Double); this equals QR with the
        // sign of R's diagonal made positive, which is what PyTorch does.
        let tallRows = Swift.max(rows, cols), tallCols = Swift.min(rows, cols)
        var m = [Double](repeating: 0, count: tallRows * tallCols)
        for i in 0..<m.count { m[i] = Double(rng.normal()) }
        for c in 0..<tallCols {
            for _ in 0..<2 { // re-orthogonalise once for accuracy
                for prev in 0..<c {
                    var dot = 0.0
                    for r in 0..<tallRows { dot += m[r * tallCols + c] * m[r * tallCols + prev] }
                    for r in 0..<tallRows { m[r * tallCols + c] -= dot * m[r * tallCols + prev] }
                }
            }
            var norm = 0.0
            for r in 0..<tallRows { norm += m[r * tallCols + c] * m[r * tallCols + c] }
            norm = norm.squareRoot()
            for r in 0..<tallRows { m[r * tallCols + c] /= norm }
        }
        for r in 0..<rows {
            for c in 0..<cols {
                let v = rows >= cols ? m[r * tallCols + c] : m[c * tallCols + r]
                p.value[r * cols + c] = gain * Float(v)
            }
        }
    }
}
