import Foundation

/// A categorical policy over the available actions of each row (docs/learners.md §0.5): unavailable actions get
/// probability 0, log-probabilities and entropy are computed over available actions only.
public struct MaskedCategorical {
    /// The raw logits [..., A].
    public let logits: Tensor
    /// Availability mask (1 available, 0 not), or nil when everything is available.
    public let mask: Tensor?
    /// Masked log-softmax of the logits.
    public let logProbabilities: Tensor

    /// A distribution over the last axis of `logits`.
    public init(logits: Tensor, mask: Tensor? = nil) {
        self.logits = logits
        self.mask = mask
        logProbabilities = logits.logSoftmax(mask: mask)
    }

    /// π over the last axis (0 at unavailable actions).
    public var probabilities: Tensor { logits.softmax(mask: mask) }

    /// log π(a) of integer actions (one per row), shaped like `actions`.
    public func logProbability(_ actions: Tensor) -> Tensor { logProbabilities.gather(actions) }

    /// −Σ_a π(a) log π(a) over available actions, [..., 1] (0 for rows with nothing available).
    public func entropy() -> Tensor { -(probabilities * logProbabilities).sum(axis: -1, keepDims: true) }

    /// One sampled action per row (inverse CDF), as a constant [..., 1] of integer positions.
    public func sample(rng: inout RandomSource) -> Tensor {
        let g = logits.graph
        let a = logits.shape.last
        let rows = logits.count / Swift.max(a, 1)
        var s = logits.shape
        s[-1] = 1
        let out = g.add(s, .constant, needsGrad: false)
        let lp = logProbabilities.storage, m = mask?.storage, y = out.storage
        for r in 0..<rows {
            let u = rng.uniform()
            var cumulative: Float = 0
            var choice = -1, lastAvailable = 0
            for j in 0..<a where m == nil || m![r * a + j] != 0 {
                lastAvailable = j
                cumulative += Foundation.exp(lp[r * a + j])
                if choice < 0 && u < cumulative { choice = j }
            }
            y[r] = Float(choice < 0 ? lastAvailable : choice) // rounding can leave u above the last cumulative sum
        }
        return out
    }

    /// The most probable available action per row, [..., 1].
    public func greedy() -> Tensor { logProbabilities.argmax() }
}
