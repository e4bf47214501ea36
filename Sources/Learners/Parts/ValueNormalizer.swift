import Common
import Foundation
import Tensors

/// Running statistics of critic targets (HARL's ValueNorm, docs/learners.md §4.8): exponential
/// moving averages, with weight β per update, of the batch mean and mean square, debiased like
/// Adam's moments. The critics regress to (y − μ)/σ and their outputs are read back as σ·Q + μ.
public final class ValueNormalizer {
    let beta: Double
    var runningMean = 0.0, runningMeanSquare = 0.0, debiasing = 0.0
    static let epsilon = 1e-5
    /// HARL clamps the variance from below, so that nearly constant targets are not blown up.
    static let smallestVariance = 1e-2

    public init(beta: Double = 0.99999) { self.beta = beta }

    /// μ: the debiased running mean (0 before the first update).
    public var mean: Float { Float(runningMean / max(debiasing, Self.epsilon)) }

    /// σ: the debiased running standard deviation, at least 0.1.
    public var std: Float {
        let d = max(debiasing, Self.epsilon), m = runningMean / d
        return Float(max(runningMeanSquare / d - m * m, Self.smallestVariance).squareRoot())
    }

    /// Folds one batch of raw targets into the statistics.
    public func update(_ values: Tensor) {
        let n = values.count, p = values.storage
        guard n > 0 else { return }
        var sum = 0.0, squares = 0.0
        for k in 0..<n { let v = Double(p[k]); sum += v; squares += v * v }
        runningMean = beta * runningMean + (1 - beta) * sum / Double(n)
        runningMeanSquare = beta * runningMeanSquare + (1 - beta) * squares / Double(n)
        debiasing = beta * debiasing + (1 - beta)
    }

    /// (x − μ)/σ.
    public func normalize(_ x: Tensor) -> Tensor { x.affine(scale: 1 / std, shift: -mean / std) }

    /// σ·x + μ.
    public func denormalize(_ x: Tensor) -> Tensor { x.affine(scale: std, shift: mean) }
}

extension ValueNormalizer: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.value("mean", &runningMean)
        try archive.value("mean_square", &runningMeanSquare)
        try archive.value("debiasing", &debiasing)
    }
}
