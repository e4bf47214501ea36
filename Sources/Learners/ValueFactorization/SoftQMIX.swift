import Common
import Foundation
import Tensors

/// Soft-QMIX (Chen, Huang & Schneider 2024; docs/learners.md §6). Each agent's recurrent values
/// q_i(τⁱ, ·) decide execution (argmax); during training, state-conditioned order-preserving
/// transforms turn them into local values Q_i = g_i(q_i; s) for the mixer and into policy logits
/// f_i(Q_i; s), and the policy π_i = softmax(f_i(Q_i)/α) is trained max-entropy style.
///
///   eq. 7   y^λ: soft TD(λ) with ã_{t+1} ~ π (online, detached), Q̄ from target agent/g/mixer,
///           H_{t+1} = −α Σ_i log π_i(ãⁱ_{t+1})
///   eq. 13  L_TD = Σ_t w_t m_t ½ (Q_tot,t − y_t)² / Σ_t w_t m_t   (w_t: the code's weighted TD)
///   eq. 14  L_f  = Σ_t m_t ½ (sg(Q_tot,t) − Σ_i f_i(sg(Q_i(τⁱ_t, aⁱ_t)); s_t))² / Σ_t m_t   (trains f only)
///   eq. 15  π_i(a | τⁱ) = exp(f_i(Q_i(τⁱ, a))/α) / Σ_{a' available} exp(f_i(Q_i(τⁱ, a'))/α)
public final class SoftQMIX: EpisodeLearner {
    public static let name = "soft-qmix"
    public static let summary = "Soft-QMIX: order-preserving transforms give a max-entropy policy on top of QMIX-style values"

    /// Standardised rewards by default: α is then measured against rewards of unit spread, so that a
    /// world with small rewards is not dominated by the entropy bonus (measured: scripts/bench/defaults).
    public static let settings: [SettingSpec] = RecurrentSettings.specs.withDefaults(["standardise_rewards": .flag(true)])
        + [RecurrentSettings.sharing, UpdateThreads.spec] + [
        SettingSpec("alpha", .number(0.03), "fixed entropy temperature α", range: .nonNegative),
        SettingSpec("td_lambda", .number(0.4), "λ of the soft TD(λ) targets", range: .unit),
        SettingSpec("mixer", .text("sum"), "sum (the released code; reproduces the paper's matrix table) or qmix (the paper's text)",
                    choices: ["sum", "qmix"]),
        SettingSpec("weighted_td", .flag(true), "the code's half weight for TD errors that move Q_tot away from Σ f_i"),
        SettingSpec("td_hysteresis", .number(1), "weight of TD errors where Q_tot is above its target: 1 is the paper; < 1 is lenient (hysteretic) TD, our addition against relative overgeneralization", range: .unit),
        SettingSpec("soft_lambda_masking", .text("corrected"), "corrected (docs/learners.md §0.4) or legacy (the reference code's padded recursion)",
                    choices: ["corrected", "legacy"]),
        SettingSpec("g_hidden", .integer(16), "units of the transform g (0: affine)", range: .nonNegative),
        SettingSpec("mixing_embed", .integer(32), "QMIX mixer embedding size (mixer=qmix)", range: .count),
        SettingSpec("hypernet_hidden", .integer(64), "hypernetwork hidden units", range: .count),
    ]

    let layout: EpisodeLayout
    let networks: RecurrentNetworks
    let g: OrderPreservingTransform, targetG: OrderPreservingTransform
    let f: OrderPreservingTransform
    let mixer: ValueMixer, targetMixer: ValueMixer
    let online: ParameterSet, target: ParameterSet
    let optimizer: any Optimizer
    let graph = Graph()
    var rng: RandomSource
    let alpha: Float, gamma: Float, lambda: Float, gradClip: Float
    let weightedTD: Bool, legacyMasking: Bool
    let hysteresis: Float
    private var rows: [[Float]] = []

    var agent: RecurrentAgents { networks.agents }
    var controller: RecurrentController { networks.controller }
    /// The online networks the target copies (f has no target).
    var copied: ParameterSet { ParameterSet(agent.parameters + g.parameters + mixer.parameters) }

    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64) {
        self.layout = layout
        var rng = RandomSource(seed: seed)
        let N = layout.agents, S = layout.stateSize, hyper = settings.int("hypernet_hidden"), gHidden = settings.int("g_hidden")
        networks = RecurrentNetworks(layout: layout, settings: settings, rng: &rng)
        g = OrderPreservingTransform("g", agents: N, stateSize: S, hidden: gHidden, hypernetHidden: hyper, residual: true, rng: &rng)
        targetG = OrderPreservingTransform("target_g", agents: N, stateSize: S, hidden: gHidden, hypernetHidden: hyper, residual: true, rng: &rng)
        f = OrderPreservingTransform("f", agents: N, stateSize: S, hidden: 0, hypernetHidden: hyper, residual: false, rng: &rng)
        func makeMixer(_ name: String) -> ValueMixer {
            settings.string("mixer") == "qmix"
                ? .qmix(QMixer(name, agents: N, stateSize: S, embed: settings.int("mixing_embed"), hypernetHidden: hyper, rng: &rng))
                : .sum
        }
        mixer = makeMixer("mixer")
        targetMixer = makeMixer("target_mixer")
        online = ParameterSet(networks.agents.parameters + g.parameters + mixer.parameters + f.parameters)
        target = ParameterSet(networks.targetAgents.parameters + targetG.parameters + targetMixer.parameters)
        target.copy(from: ParameterSet(networks.agents.parameters + g.parameters + mixer.parameters))
        target.setRequiresGrad(false)
        optimizer = RecurrentSettings.optimizer(settings, online)
        self.rng = rng
        alpha = Float(settings.double("alpha"))
        gamma = Float(settings.double("gamma"))
        lambda = Float(settings.double("td_lambda"))
        gradClip = Float(settings.double("grad_clip"))
        weightedTD = settings.bool("weighted_td")
        legacyMasking = settings.string("soft_lambda_masking") == "legacy"
        hysteresis = Float(settings.double("td_hysteresis"))
    }

    public var parameters: ParameterSet { online }

    public func schedules(at step: Int) -> [(String, Double)] { [("alpha", Double(alpha))] }

    public func beginEpisodes(envs: Int) { controller.begin(envs: envs) }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> [Int32] {
        let q = controller.step(observations: observations)
        let rows = q.shape[0], A = layout.actions
        let chosen: [Int32]
        switch mode {
        case .greedy:
            chosen = ActionSelection.greedy(q.storage, available: available.baseAddress!, rows: rows, actions: A)
        case .explore:
            let cg = controller.graph
            let logits = cg.withoutGradients { () -> Tensor in
                let s = cg.constant(copying: states.baseAddress!, Shape(rows / layout.agents, layout.stateSize))
                return f(g(q, s), s)
            }
            chosen = ActionSelection.softmaxSample(logits.storage, available: available.baseAddress!, rows: rows, actions: A,
                                                   temperature: alpha, rng: &rng)
        }
        controller.record(actions: chosen)
        return chosen
    }

    public func train(_ batch: EpisodeBatch, step: Int, episodes: Int) -> [(String, Double)] {
        let gr = graph
        gr.reset()
        optimizer.zeroGrad()
        let b = BatchTensors(batch, agents: networks.agents, rows: &rows, graph: gr)
        let T = b.steps, B = b.episodes, N = layout.agents, A = layout.actions
        let slots = (T + 1) * B

        let unrolls = networks.unrolls(b.inputs)
        let q = unrolls.online.reshaped(Shape(slots * N, A))
        let localQ = g(q, b.allStates)                                                        // Q_i = g_i(q_i; s)
        let taken = localQ.reshaped(Shape(T + 1, B * N, A)).sliced(axis: 0, 0..<T).gather(b.actions).reshaped(Shape(T * B, N))
        let qTot = mixer(taken, b.states)                                                     // [T·B, 1]
        let fSum = f(taken.detached().reshaped(Shape(T * B * N, 1)), b.states).reshaped(Shape(T * B, N)).sum(axis: -1, keepDims: true)

        // Soft TD(λ) targets (eq. 7), all without gradient.
        var bootstrap = [Float](repeating: 0, count: slots), entropy = [Float](repeating: 0, count: slots)
        gr.withoutGradients {
            let availability = b.available.reshaped(Shape(slots * N, A))
            let logits = f(localQ.detached(), b.allStates) / alpha
            let next = ActionSelection.softmaxSample(logits.storage, available: availability.storage, rows: slots * N, actions: A,
                                                     temperature: 1, rng: &rng)
            let nextIndex = gr.constant(Shape(slots * N, 1)) { out in for k in 0..<out.count { out[k] = Float(next[k]) } }
            let logPi = logits.logSoftmax(mask: availability).gather(nextIndex).reshaped(Shape(slots, N)).sum(axis: -1, keepDims: true)
            let targetQ = targetG(unrolls.target.reshaped(Shape(slots * N, A)), b.allStates)
            let qBar = targetMixer(targetQ.gather(nextIndex).reshaped(Shape(slots, N)), b.allStates)
            for k in 0..<slots {
                bootstrap[k] = qBar.storage[k]
                entropy[k] = -alpha * logPi.storage[k]
            }
        }
        let targets = LambdaReturn.targets(for: batch, bootstrap: bootstrap, entropy: entropy, gamma: gamma, lambda: lambda,
                                           legacy: legacyMasking)

        // eq. 13 with the code's weights: half weight where the update moves Q_tot away from Σ f_i;
        // optionally (td_hysteresis < 1, not in the paper) less weight where Q_tot is above y.
        var (weights, _) = LambdaReturn.hystereticWeights(predictions: qTot.storage, targets: targets, mask: batch.mask,
                                                          hysteresis: hysteresis)
        var weightSum: Float = 0
        for k in 0..<(T * B) {
            let delta = qTot.storage[k] - targets[k], gap = qTot.storage[k] - fSum.storage[k]
            if weightedTD && ((gap > 0 && delta < 0) || (gap <= 0 && delta >= 0)) { weights[k] *= 0.5 }
            weightSum += weights[k]
        }
        let y = gr.constant(targets, Shape(T * B, 1))
        let tdLoss = 0.5 * ((qTot - y).square() * gr.constant(weights, Shape(T * B, 1))).sum() / Swift.max(weightSum, 1)
        let fLoss = 0.5 * ((qTot.detached() - fSum).square() * b.mask).sum() / b.maskSum        // eq. 14
        let loss = tdLoss + fLoss
        gr.backward(loss)
        let norm = online.clipGradientNorm(maxNorm: gradClip)
        optimizer.step()

        networks.updateTargets(target, from: copied, episodes: episodes)
        return [("loss_td", Double(tdLoss.scalar)), ("loss_f", Double(fLoss.scalar)), ("grad_norm", Double(norm)),
                ("q_taken_mean", Double((qTot * b.mask).sum().scalar / b.maskSum))]
    }
}

extension SoftQMIX: RecurrentValueState {}
