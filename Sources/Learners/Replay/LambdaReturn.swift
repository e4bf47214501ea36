/// TD(λ) targets over whole episodes, time-major [t][b] (docs/learners.md §0.4), computed per
/// episode from its length L and termination flag instead of PyMARL's padded masks:
///
///   G_t = r_t + γ·c_{t+1}·[(1 − λ)(Q̄_{t+1} + H_{t+1}) + λ(G_{t+1} + H_{t+1})],   t = L−1 … 0
///
/// with c_{t+1} = 0 when t + 1 = L and the episode terminated (no value, no entropy after the
/// end), and G_L = Q̄_L when it was truncated (the last stored state is a real state). H is the
/// soft entropy bonus −α Σ_i log π_i(ã_{t+1}); pass nil for plain TD(λ). Slots t ≥ L get 0.
public enum LambdaReturn {
    /// - Parameters:
    ///   - rewards: [steps][B]
    ///   - bootstrap: Q̄ at slots 0...steps, [steps + 1][B] (slot 0 is not used)
    ///   - entropy: H at slots 0...steps, [steps + 1][B], or nil
    ///   - targets: receives G, [steps][B]
    public static func compute(rewards: UnsafeBufferPointer<Float>, bootstrap: UnsafeBufferPointer<Float>,
                               entropy: UnsafeBufferPointer<Float>?, lengths: [Int], terminated: [Bool],
                               gamma: Float, lambda: Float, into targets: UnsafeMutableBufferPointer<Float>) {
        let B = lengths.count
        let steps = rewards.count / max(B, 1)
        precondition(rewards.count == steps * B && bootstrap.count == (steps + 1) * B && targets.count == steps * B)
        precondition(entropy.map { $0.count == (steps + 1) * B } ?? true)
        for k in 0..<targets.count { targets[k] = 0 }
        for b in 0..<B {
            let L = lengths[b]
            guard L > 0 else { continue }
            var next = bootstrap[L * B + b]           // G_L for a truncated episode
            for t in stride(from: L - 1, through: 0, by: -1) {
                let slot = (t + 1) * B + b
                let continues: Float = (t + 1 == L && terminated[b]) ? 0 : 1
                let bonus = entropy?[slot] ?? 0
                let value = (1 - lambda) * (bootstrap[slot] + bonus) + lambda * (next + bonus)
                let g = rewards[t * B + b] + gamma * continues * value
                targets[t * B + b] = g
                next = g
            }
        }
    }

    /// The reference code's soft λ-return over the padded batch (Soft-QMIX's rl_utils, kept for
    /// comparison behind `soft_lambda_masking=legacy`): the λ branch is masked neither by m_t nor
    /// by termination, so padded slots leak into terminal targets (docs/learners.md §0.4 pitfall).
    ///
    ///   G_{T−1} = Q̄_{T−1}·(1 − terminated);  G_t = λγ(G_{t+1} + H_{t+1}) + m_t[r_t + (1−λ)γ(1 − term_t)(Q̄_{t+1} + H_{t+1})]
    ///
    /// Here Q̄ and H are indexed by slot t + 1 as in the corrected form, with steps + 1 slots.
    public static func computeLegacy(rewards: UnsafeBufferPointer<Float>, bootstrap: UnsafeBufferPointer<Float>,
                                     entropy: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<Float>, lengths: [Int],
                                     terminated: [Bool], gamma: Float, lambda: Float, into targets: UnsafeMutableBufferPointer<Float>) {
        let B = lengths.count
        let steps = rewards.count / max(B, 1)
        for b in 0..<B {
            var next = bootstrap[steps * B + b] * (terminated[b] ? 0 : 1)
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let slot = (t + 1) * B + b
                let term: Float = (terminated[b] && t == lengths[b] - 1) ? 1 : 0
                let g = lambda * gamma * (next + entropy[slot])
                    + mask[t * B + b] * (rewards[t * B + b] + (1 - lambda) * gamma * (1 - term) * (bootstrap[slot] + entropy[slot]))
                targets[t * B + b] = g
                next = g
            }
        }
    }

    /// The targets [steps][B] of a batch for bootstrap values (and entropy bonuses) at its
    /// slots 0...steps; `legacy` selects the reference code's padded recursion (needs entropy).
    public static func targets(for batch: EpisodeBatch, bootstrap: [Float], entropy: [Float]? = nil, gamma: Float, lambda: Float,
                               legacy: Bool = false) -> [Float] {
        var out = [Float](repeating: 0, count: batch.steps * batch.episodes)
        batch.rewards.withUnsafeBufferPointer { r in
            bootstrap.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { targets in
                    guard let entropy else {
                        compute(rewards: r, bootstrap: q, entropy: nil, lengths: batch.lengths, terminated: batch.terminated,
                                gamma: gamma, lambda: lambda, into: targets)
                        return
                    }
                    entropy.withUnsafeBufferPointer { h in
                        if legacy {
                            batch.mask.withUnsafeBufferPointer { m in
                                computeLegacy(rewards: r, bootstrap: q, entropy: h, mask: m, lengths: batch.lengths,
                                              terminated: batch.terminated, gamma: gamma, lambda: lambda, into: targets)
                            }
                        } else {
                            compute(rewards: r, bootstrap: q, entropy: h, lengths: batch.lengths, terminated: batch.terminated,
                                    gamma: gamma, lambda: lambda, into: targets)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Per-transition loss weights: the mask, times `hysteresis` where the prediction is above
    /// its target. Weights below 1 make the update lenient (optimistic), the classic remedy for
    /// relative overgeneralization. It is not in the Soft-QMIX or FSV papers; see their
    /// `td_hysteresis` setting. Returns the weights and their sum.
    public static func hystereticWeights(predictions: UnsafePointer<Float>, targets: [Float], mask: [Float],
                                         hysteresis: Float) -> (weights: [Float], sum: Float) {
        var weights = [Float](repeating: 0, count: targets.count)
        var sum: Float = 0
        for k in targets.indices {
            weights[k] = mask[k] * (predictions[k] > targets[k] ? hysteresis : 1)
            sum += weights[k]
        }
        return (weights, sum)
    }
}
