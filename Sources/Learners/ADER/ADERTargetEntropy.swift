import Common
import Foundation
import Tensors

/// ADER's target-entropy arithmetic (eq. B.7, B.8; docs/learners.md §5.4), free of networks so it can be tested alone.
public enum ADERTargetEntropy {
    /// Eq. B.7 with the paper metric: ĝ = κ·ḡ/(max ḡ + 1e−5), β = softmax(−ĝ) for H₀ ≥ 0 and softmax(+ĝ)
    /// for H₀ < 0 (with negative budgets a larger share is a lower entropy, so the flip keeps
    /// "small contribution ⇒ more exploration").
    public static func paperShares(meanContributions g: [Double], scale: Double, totalEntropy: Double) -> [Double] {
        let top = g.max() ?? 0
        return softmax(g.map { scale * $0 / (top + 1e-5) }, sign: totalEntropy >= 0 ? -1 : 1)
    }

    /// The code's order: per sample x̂ = x/(max x/κ + 1e−5) (κ = 10 is the code's 0.1·max), β_b = softmax(∓x̂),
    /// then the mean over samples. The code never ran with H₀ < 0; the sign flip of eq. B.7 is applied here too.
    public static func codeShares(perSample x: [[Double]], scale: Double, totalEntropy: Double) -> [Double] {
        guard let N = x.first?.count else { return [] }
        var mean = [Double](repeating: 0, count: N)
        for row in x {
            let top = row.max() ?? 0
            let beta = softmax(row.map { $0 / (top / scale + 1e-5) }, sign: totalEntropy >= 0 ? -1 : 1)
            for i in 0..<N { mean[i] += beta[i] / Double(x.count) }
        }
        return renormalized(mean)
    }

    /// Eq. B.8: β^EMA ← (1 − w)β^EMA + wβ with new weight w = 1 − ξ (code) or ξ (paper as printed),
    /// renormalised so that Σᵢ Hᵢ = H₀ holds exactly however many updates accumulate rounding.
    public static func smoothed(_ ema: [Double], toward beta: [Double], xi: Double, newWeightIsXi: Bool) -> [Double] {
        let w = newWeightIsXi ? xi : 1 - xi
        return renormalized(zip(ema, beta).map { (1 - w) * $0 + w * $1 })
    }

    /// softmax(sign · v).
    static func softmax(_ v: [Double], sign: Double) -> [Double] {
        let scaled = v.map { sign * $0 }, top = scaled.max() ?? 0
        let e = scaled.map { Foundation.exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    static func renormalized(_ v: [Double]) -> [Double] {
        let total = v.reduce(0, +)
        return v.map { $0 / total }
    }
}
