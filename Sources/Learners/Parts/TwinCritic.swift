import Common
import Tensors

/// The centralized twin soft-Q critic of HASAC and MASAC (docs/learners.md §4.2): two MLPs on
/// [s, a¹, …, aᴺ] (one-hot for discrete actions) with Polyak-averaged target copies.
public final class TwinCritic {
    let q1: MLP, q2: MLP, target1: MLP, target2: MLP
    public let online: ParameterSet, target: ParameterSet
    let optimizer: Adam
    /// Each critic runs on a tape of its own, side by side on `pool` (the `threads` setting).
    let pool: WorkerPool?
    let onlineTapes = [Graph(), Graph()], targetTapes = [Graph(), Graph()]

    public init(_ name: String, inputs: Int, hidden: [Int], layerNorm: Bool = false, learningRate: Double,
                pool: WorkerPool? = nil, rng: inout RandomSource) {
        let sizes = [inputs] + hidden + [1]
        q1 = MLP("\(name).q1", sizes: sizes, layerNorm: layerNorm, rng: &rng)
        q2 = MLP("\(name).q2", sizes: sizes, layerNorm: layerNorm, rng: &rng)
        target1 = MLP("\(name).target_q1", sizes: sizes, layerNorm: layerNorm, rng: &rng)
        target2 = MLP("\(name).target_q2", sizes: sizes, layerNorm: layerNorm, rng: &rng)
        online = ParameterSet(q1.parameters + q2.parameters)
        target = ParameterSet(target1.parameters + target2.parameters)
        target.copy(from: online)
        target.setRequiresGrad(false)
        optimizer = Adam(online, learningRate: Float(learningRate))
        self.pool = pool
    }

    /// Both online values [B, 1] of inputs [B, S + N·W].
    public func values(_ inputs: Tensor) -> (Tensor, Tensor) {
        let q = inputs.graph.branches(inputs, tapes: onlineTapes, pool: pool) { k, x in k == 0 ? self.q1(x) : self.q2(x) }
        return (q[0], q[1])
    }

    /// min(Q₁, Q₂) of the online critics (actor losses).
    public func minimum(_ inputs: Tensor) -> Tensor {
        let (a, b) = values(inputs)
        return Tensors.minimum(a, b)
    }

    /// min(Q̄₁, Q̄₂) of the target critics (bootstraps).
    public func targetMinimum(_ inputs: Tensor) -> Tensor {
        let q = inputs.graph.branches(inputs, tapes: targetTapes, pool: pool) { k, x in k == 0 ? self.target1(x) : self.target2(x) }
        return Tensors.minimum(q[0], q[1])
    }

    /// One step on mean ℓ(Q_k − y) summed over k, ℓ(e) = ½e² or, with `huberDelta` > 0, Huber's
    /// ½e² for |e| ≤ δ and δ(|e| − ½δ) beyond (element-wise, so masking would be exact; HARL's
    /// averaged-then-masked loss is a no-op mask, §4.6). Returns the loss and mean min(Q₁, Q₂) before the step.
    public func update(_ inputs: Tensor, targets y: Tensor, gradClip: Float, huberDelta: Float = 0) -> (loss: Float, meanQ: Float) {
        online.zeroGrad()
        let (a, b) = values(inputs)
        let meanQ = inputs.graph.withoutGradients { Tensors.minimum(a, b).mean().scalar }
        let loss = huberDelta > 0 ? Self.huber(a - y, huberDelta).mean() + Self.huber(b - y, huberDelta).mean()
                                  : 0.5 * ((a - y).square().mean() + (b - y).square().mean())
        inputs.graph.backward(loss)
        if gradClip > 0 { _ = online.clipGradientNorm(maxNorm: gradClip) }
        optimizer.step()
        return (loss.scalar, meanQ)
    }

    /// Huber's loss of errors e: ½c² + δ(|e| − c) with c = min(|e|, δ).
    static func huber(_ e: Tensor, _ delta: Float) -> Tensor {
        let size = e.abs(), c = size.clamped(0, delta)
        return 0.5 * c.square() + (size - c) * delta
    }

    /// Freezes or unfreezes the online critics (actor phases must not record their gradients).
    public func setTrainable(_ flag: Bool) { online.setRequiresGrad(flag) }

    /// θ̄ ← (1 − τ) θ̄ + τ θ.
    public func updateTargets(tau: Float) { target.polyak(from: online, tau: tau) }

    /// Everything a checkpoint holds.
    public var parameters: ParameterSet { online + target }
}

extension TwinCritic: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("online", online)
        try archive.parameters("target", target)
        try archive.part("optimizer", optimizer)
    }
}
