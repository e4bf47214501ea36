import Common
import Foundation
import Tensors

/// Twin factored critics of one kind for ADER (§5.2) with target copies and one optimizer per twin
/// (the code's separate optimisers for critic 1 and 2). The per-agent utilities are either one MLP per
/// agent on [oⁱ, aⁱ] → 1 (continuous; the agents' observations need not identify them), or one MLP
/// shared by the agents on [oⁱ, onehot(i)] → |A| (discrete, FOP's critic). The mixer is a QMIX mixer
/// (reward, one output) or an `EntropyMixer` (entropy, N outputs). `layerNorm` normalises the hidden
/// layers of the utilities and of the mixers' hypernetworks: on H-PP the hypernetworks extrapolated
/// on states outside the data and the critics diverged (seed 1: q_reward_mean 217 at 100k steps with
/// LayerNorm utilities alone, −5 with the mixers normalised too).
final class FactoredTwinCritic {
    enum Kind { case reward, entropy }

    let kind: Kind
    /// The agents of each shared network (action-value critics), and the team size.
    let members: [[Int]], agents: Int
    /// The most outputs of any utility network (the width of `actionValues`).
    let widestOutput: Int
    /// [twin][network]
    let utilities: [[MLP]], targetUtilities: [[MLP]]
    let mixers: [QMixer], targetMixers: [QMixer]
    let entropyMixers: [EntropyMixer], targetEntropyMixers: [EntropyMixer]
    let online: [ParameterSet], target: ParameterSet, onlineAll: ParameterSet
    let optimizers: [any Optimizer]

    /// `sizes[i]`: the layer sizes of utility network i (one per agent, or one shared).
    init(_ name: String, agents N: Int, stateSize S: Int, sizes: [[Int]], members: [[Int]] = [], layerNorm: Bool = false, kind: Kind,
         embed: Int, hypernetHidden: Int, rng: inout RandomSource, optimizer: (ParameterSet) -> any Optimizer) {
        self.kind = kind
        self.members = members
        agents = N
        widestOutput = sizes.map { $0.last! }.max()!
        let isReward = kind == .reward
        func nets(_ prefix: String) -> [[MLP]] {
            (0..<2).map { k in sizes.indices.map { i in MLP("\(name).\(prefix)q\(k + 1).\(i)", sizes: sizes[i], layerNorm: layerNorm, rng: &rng) } }
        }
        func qmixers(_ prefix: String) -> [QMixer] {
            isReward ? (0..<2).map { QMixer("\(name).\(prefix)mixer\($0 + 1)", agents: N, stateSize: S, embed: embed, hypernetHidden: hypernetHidden, layerNorm: layerNorm, rng: &rng) } : []
        }
        func entropyMixers(_ prefix: String) -> [EntropyMixer] {
            isReward ? [] : (0..<2).map { EntropyMixer("\(name).\(prefix)mixer\($0 + 1)", agents: N, stateSize: S, embed: embed, hypernetHidden: hypernetHidden, layerNorm: layerNorm, rng: &rng) }
        }
        let onlineNets = nets(""), targetNets = nets("target_")
        let onlineQMixers = qmixers(""), onlineEntropyMixers = entropyMixers("")
        let targetQMixers = qmixers("target_"), targetHMixers = entropyMixers("target_")
        func twinParameters(_ nets: [[MLP]], _ q: [QMixer], _ h: [EntropyMixer], _ k: Int) -> [Parameter] {
            nets[k].flatMap(\.parameters) + (isReward ? q[k].parameters : h[k].parameters)
        }
        online = (0..<2).map { ParameterSet(twinParameters(onlineNets, onlineQMixers, onlineEntropyMixers, $0)) }
        target = ParameterSet((0..<2).flatMap { twinParameters(targetNets, targetQMixers, targetHMixers, $0) })
        utilities = onlineNets
        targetUtilities = targetNets
        mixers = onlineQMixers
        self.entropyMixers = onlineEntropyMixers
        targetMixers = targetQMixers
        targetEntropyMixers = targetHMixers
        onlineAll = online[0] + online[1]
        target.copy(from: onlineAll)
        target.setRequiresGrad(false)
        optimizers = online.map(optimizer)
    }

    /// Twin k's per-agent values [B, N]: Q^k_i(oⁱ, aⁱ) (one network per agent).
    func agentValues(_ k: Int, observations: [Tensor], actions: [Tensor], target: Bool) -> Tensor {
        let nets = target ? targetUtilities[k] : utilities[k]
        return concat(nets.indices.map { nets[$0](concat([observations[$0], actions[$0]], axis: -1)) }, axis: -1)
    }

    /// Twin k's values of every action [slots·N, A] from each network's rows [oⁱ, onehot(i)] [slots·Mₙ, widthₙ]
    /// (one network per group of agents, shared within it), zero in an agent's padded actions.
    func actionValues(_ k: Int, _ inputs: [Tensor], target: Bool) -> Tensor {
        let nets = target ? targetUtilities[k] : utilities[k]
        let parts = inputs.indices.map { n -> Tensor in
            let out = nets[n](inputs[n])
            return out.reshaped(Shape(1, out.shape[0], out.shape[1]))
        }
        let combined = GroupOutputs.interleave(parts, members: members, agents: agents, actions: widestOutput)
        return combined.reshaped(Shape(combined.shape[1], widestOutput))
    }

    /// Twin k's mixer on values [B, N]: [B, 1] (reward) or [B, N] (entropy).
    func mixed(_ k: Int, _ values: Tensor, states: Tensor, target: Bool) -> Tensor {
        switch kind {
        case .reward: return (target ? targetMixers[k] : mixers[k])(values, states)
        case .entropy: return (target ? targetEntropyMixers[k] : entropyMixers[k])(values, states)
        }
    }

    /// min_k of the mixed values of per-agent networks (element-wise for the entropy heads).
    func minimum(observations: [Tensor], actions: [Tensor], states: Tensor, target: Bool) -> Tensor {
        let joint = (0..<2).map { mixed($0, agentValues($0, observations: observations, actions: actions, target: target), states: states, target: target) }
        return Tensors.minimum(joint[0], joint[1])
    }

    /// One step of both twins on ½·mean_b Σ_heads (Q^k_JT − y)² (eq. B.2 / B.3) for per-agent
    /// networks; returns the loss summed over twins and the mean of min_k Q^k_JT before the step.
    func update(observations: [Tensor], actions: [Tensor], states: Tensor, targets y: Tensor, gradClip: Float) -> (loss: Float, meanQ: Float) {
        zeroGrad()
        let joint = (0..<2).map { k in mixed(k, agentValues(k, observations: observations, actions: actions, target: false), states: states, target: false) }
        let meanQ = y.graph.withoutGradients { Tensors.minimum(joint[0], joint[1]).mean().scalar }
        let losses = joint.map { ($0 - y).square().sum(axis: -1, keepDims: true).mean() * 0.5 }
        let loss = losses[0] + losses[1]
        y.graph.backward(loss)
        step(gradClip: gradClip)
        return (loss.scalar, meanQ)
    }

    /// Clears both twins' gradients.
    func zeroGrad() { for optimizer in optimizers { optimizer.zeroGrad() } }

    /// Steps both twins' optimizers, each after its own gradient-norm clip (0: none).
    func step(gradClip: Float) {
        for optimizer in optimizers {
            if gradClip > 0 { _ = optimizer.parameters.clipGradientNorm(maxNorm: gradClip) }
            optimizer.step()
        }
    }

    /// Freezes or unfreezes the online networks (the actor step must not record their gradients).
    func setTrainable(_ flag: Bool) { onlineAll.setRequiresGrad(flag) }

    /// θ̄ ← θ (the code's hard update).
    func copyTargets() { target.copy(from: onlineAll) }

    /// θ̄ ← (1 − τ)θ̄ + τθ (the paper's EMA).
    func updateTargets(tau: Float) { target.polyak(from: onlineAll, tau: tau) }

    /// Everything a checkpoint holds.
    var parameters: ParameterSet { onlineAll + target }
}

extension FactoredTwinCritic: Checkpointable {
    func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("online", onlineAll)
        try archive.parameters("target", target)
        try archive.parts("optimizer", optimizers)
    }
}
