import Foundation

/// Gumbel-softmax with the straight-through estimator (docs/learners.md §0.7): the forward value is the one-hot of
/// argmax y with y = softmax((ℓ + g)/T), the gradient is that of y.
public struct GumbelSoftmaxSample {
    /// One-hot actions [..., A] carrying y's gradient.
    public let action: Tensor
    /// Chosen action positions [..., 1] (constant).
    public let indices: Tensor
    /// The relaxed sample y.
    public let soft: Tensor

    /// Draws a sample from `logits` [..., A], optionally masked, at temperature `temperature` (1.0 in HASAC).
    public init(logits: Tensor, mask: Tensor? = nil, temperature: Float = 1, rng: inout RandomSource) {
        self.init(logits: logits, mask: mask, temperature: temperature, noise: Self.noise(logits.shape, graph: logits.graph, rng: &rng))
    }

    /// The Gumbel noise g [shape] that `init(logits:mask:temperature:rng:)` draws, drawn ahead of the sample.
    public static func noise(_ shape: Shape, graph: Graph, rng: inout RandomSource) -> Tensor {
        graph.constant(shape) { buffer in
            for i in 0..<buffer.count {
                let u = rng.uniform()
                buffer[i] = -Foundation.log(-Foundation.log(u + 1e-20) + 1e-20)
            }
        }
    }

    /// A sample with Gumbel noise drawn ahead (`noise`).
    public init(logits: Tensor, mask: Tensor? = nil, temperature: Float = 1, noise: Tensor) {
        soft = ((logits + noise) * (1 / temperature)).softmax(mask: mask)
        indices = soft.argmax()
        action = indices.oneHot(depth: logits.shape.last).straightThrough(gradientTo: soft)
    }

    /// log π(a) = Σ_k h_k · logsoftmax(ℓ)_k, [..., 1]; gradient flows through both h and the log-softmax.
    public func logProbability(logits: Tensor, mask: Tensor? = nil) -> Tensor {
        (action * logits.logSoftmax(mask: mask)).sum(axis: -1, keepDims: true)
    }
}
