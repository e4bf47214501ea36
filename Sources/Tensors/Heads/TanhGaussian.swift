import Foundation

/// A tanh-squashed diagonal Gaussian policy (docs/learners.md §0.6): u = μ + σε, a = tanh(u),
/// log π(a) = Σ_d [log N(u; μ, σ) − 2(log 2 − u − softplus(−2u))], log σ clamped to [−20, 2].
public struct TanhGaussian {
    /// Mean μ [..., D].
    public let mean: Tensor
    /// Clamped log σ [..., D].
    public let logStd: Tensor

    /// Log σ below/above these bounds is clamped (HARL's values).
    public static let logStdRange: (Float, Float) = (-20, 2)

    /// A distribution from network outputs μ and log σ.
    public init(mean: Tensor, logStd: Tensor) {
        self.mean = mean
        self.logStd = logStd.clamped(TanhGaussian.logStdRange.0, TanhGaussian.logStdRange.1)
    }

    /// Reparameterised sample: (action a = tanh(u) [..., D], log π(a) [..., 1]).
    public func sample(rng: inout RandomSource) -> (action: Tensor, logProbability: Tensor) {
        sample(noise: Self.noise(mean.shape, graph: mean.graph, rng: &rng))
    }

    /// The standard normal noise ε [shape] that `sample(rng:)` draws, drawn ahead of the sample.
    public static func noise(_ shape: Shape, graph: Graph, rng: inout RandomSource) -> Tensor {
        graph.constant(shape) { buffer in for i in 0..<buffer.count { buffer[i] = rng.normal() } }
    }

    /// The reparameterised sample with noise ε drawn ahead (`noise`).
    public func sample(noise: Tensor) -> (action: Tensor, logProbability: Tensor) {
        let std = logStd.exp()
        let u = mean + std * noise
        return (u.tanh(), logProbability(preTanh: u))
    }

    /// log π(tanh(u)) for pre-squash values u, summed over the last axis ([..., 1]).
    public func logProbability(preTanh u: Tensor) -> Tensor {
        let z = (u - mean) / logStd.exp()
        let halfLogTwoPi = Float(0.5 * Foundation.log(2 * Double.pi))
        let gaussian = (z.square() * -0.5) - logStd - halfLogTwoPi
        let log2 = Float(Foundation.log(2.0))
        let correction = ((-u) + log2 - (u * -2).softplus()) * 2
        return (gaussian - correction).sum(axis: -1, keepDims: true)
    }

    /// The deterministic evaluation action tanh(μ).
    public var deterministicAction: Tensor { mean.tanh() }
}
