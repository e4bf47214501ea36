import Common
import Foundation
import Tensors

/// ADER, adaptive entropy-regularisation for MARL (Kim & Sung, ICML 2023; ALGORITHMS.md §5), and
/// its baseline SER-MARL / SER-DCE (§3B), continuous actions, single (n-step) transitions.
///
/// The soft value is disentangled into a reward part and one entropy part per agent, each factored
/// by a mixer over per-agent critics Qᵢ(oⁱ, aⁱ) (twin k = 1, 2, with target copies):
///   Q^R_JT = f^R(s, Q^R_1, …, Q^R_N)       (QMIX mixer, §0.9)
///   Q^{H,i}_JT = [f^H(s, Q^H_1, …, Q^H_N)]_i  (N-output mixer, `EntropyMixer`)
/// Every agent has its own temperature αᵢ and target entropy Hᵢ with Σᵢ Hᵢ = H₀. Per gradient step
/// (critic first, then actor, as the code that produced the SMAC results, §5.5):
///
///   critics   y^R = R⁽ⁿ⁾ + γⁿ(1 − term) min_k f̄^{R,k}(s′, {Q̄^{R,k}_j(o′ʲ, ã′ʲ)})            ADER eq. B.2, B.4
///             y^{H,i} = γⁿ(1 − term)([min_k f̄^{H,k}(s′, {Q̄^{H,k}_j(o′ʲ, ã′ʲ)})]ᵢ − cᵢ log πⁱ(ã′ⁱ))  eq. B.3, B.5
///             with cᵢ = 1 (self-consistent, default) or αᵢ (eq. B.5 as printed and coded)
///   actors    L(φ) = mean[Σᵢ αᵢ(log πⁱ(ãⁱ) − [min_k f^{H,k}(s, {Q^{H,k}_j(oʲ, ãʲ)})]ᵢ)
///                         − min_k f^{R,k}(s, {Q^{R,k}_j(oʲ, ãʲ)})], ã reparameterised         eq. B.1
///   α         L(log αᵢ) = −mean[log αᵢ (log πⁱ(ãⁱ) + Hᵢ)], αᵢ clamped to [1e−4, 0.5] at use     eq. B.6
///             (the upper clamp is the setting `alpha_max`)
///   targets   β = softmax(∓ĝ) of the normalised mixer Jacobian ∂V^R_JT/∂V^R_i (− for H₀ ≥ 0)    eq. B.7
///             β^EMA ← ξ β^EMA + (1 − ξ) β (the code's weighting), Hᵢ = β^EMA_i · H₀             eq. B.8
///   networks  hard copy every `target_update_interval` steps (code) or Polyak/EMA (paper)
///
/// SER-MARL is the same learner with the target-entropy update switched off (Hᵢ = H₀/N); with
/// `target_entropies` it is SER-DCE (different but constant targets).
public final class ADER: TransitionLearner {
    public static let name = "ader"
    public static let summary = "ADER: per-agent target entropies from the reward mixer's Jacobian, disentangled reward and entropy critics"
    /// The registry name of the baseline with fixed targets.
    public static let baselineName = "ser-marl"
    public static let baselineSummary = "SER-MARL / SER-DCE: ADER's learner with fixed per-agent target entropies (equal, or target_entropies)"

    // The ADER code clips every optimizer's gradient norm at 10 (§5.5); without it the critics of
    // H-PP diverged within 50–75k steps (seeds 1 and 2: q_reward_mean 3·10³ at 100k, 10⁹–10¹⁰ at 300k).
    static let sharedSettings: [SettingSpec] = ActorCriticSettings.specs.withDefaults(["grad_clip": .number(10)]) + [
        SettingSpec("auto_alpha", .flag(true), "learn each αᵢ toward its target entropy (eq. B.6)"),
        SettingSpec("alpha", .number(Foundation.exp(-2.0)), "initial αᵢ (paper's continuous tasks: e^−2)"),
        SettingSpec("alpha_lr", .number(5e-4), "learning rate of log αᵢ (code: the critic learning rate)"),
        SettingSpec("alpha_max", .number(0.5), "upper clamp of αᵢ at use (the SMAC code's 0.5; the lower clamp is 1e−4)"),
        SettingSpec("target_entropy_per_dim", .number(-1), "H₀ = N · dim A · this (−1: the SAC heuristic −dim A per agent)"),
        SettingSpec("mixer_embed", .integer(32), "mixers' embedding size E"),
        SettingSpec("hypernet_hidden", .integer(64), "hidden units of the mixers' hypernetworks"),
        SettingSpec("ader_target_update", .text("hard"), "target networks: hard (copy every target_update_interval steps, code) or ema (Polyak with `polyak`, paper)",
                    choices: ["hard", "ema"]),
        SettingSpec("target_update_interval", .integer(200), "gradient steps between hard target copies (code: 200 episodes, one step each)"),
        SettingSpec("ader_entropy_backup_alpha", .flag(false), "entropy backup −αᵢ log π (eq. B.5 and the code) instead of the self-consistent −log π"),
        SettingSpec("ader_entropy_target_nets", .flag(true), "entropy bootstrap from target critics (false: the code's online critics)"),
    ]

    /// ADER's settings.
    public static let settings: [SettingSpec] = sharedSettings + adaptiveSettings

    /// SER-MARL's settings.
    public static let baselineSettings: [SettingSpec] = sharedSettings + fixedTargetSettings

    /// The target-entropy update's settings (eq. B.7, B.8), for both action kinds.
    static let adaptiveSettings: [SettingSpec] = [
        SettingSpec("ema_xi", .number(0.9), "ξ of the target-entropy EMA (eq. B.8; code's adap_total_alpha_tau)"),
        SettingSpec("ader_ema_new_weight", .text("one-minus-xi"), "weight of the new β in the EMA: one-minus-xi (code) or xi (eq. B.8 as printed)",
                    choices: ["one-minus-xi", "xi"]),
        SettingSpec("metric_scale", .number(10), "κ: contributions are scaled to κ·g/max g before the softmax (code: 1/0.1)"),
        SettingSpec("ader_metric", .text("paper"), "paper (masked mean of ∂V^R_JT/∂V^R_i, then softmax) or code (× ΔVᵢ/ΔHᵢ, softmax per sample, then mean)",
                    choices: ["paper", "code"]),
    ]

    /// SER-DCE's fixed targets, for both action kinds.
    static let fixedTargetSettings: [SettingSpec] = [
        SettingSpec("target_entropies", .text(""), "comma-separated fixed Hᵢ, one per agent (SER-DCE); empty: H₀/N each (SER-MARL)"),
    ]

    /// How the per-agent exploration need is measured (ALGORITHMS.md §5.4).
    enum Metric { case paper, code }

    public let layout: EpisodeLayout
    let actors: StochasticActors
    let actorOptimizers: [Adam]
    let reward: FactoredTwinCritic
    let entropy: FactoredTwinCritic
    let budget: EntropyBudget
    let adaptive: Bool
    let metric: Metric
    let backupAlpha: Bool, entropyTargetNets: Bool
    let hardTargets: Bool, targetInterval: Int, tau: Float, gradClip: Float
    let graph = Graph(), actingGraph = Graph()
    var rng: RandomSource
    var updates = 0

    /// ADER (`adaptive`) or SER-MARL/SER-DCE. Precondition: continuous actions.
    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64, adaptive: Bool) {
        precondition(layout.isContinuous, "this ADER learner handles continuous actions")
        self.layout = layout
        self.adaptive = adaptive
        var rng = RandomSource(seed: seed)
        let N = layout.agents, hidden = ActorCriticSettings.hidden(settings)
        actors = StochasticActors("actor", layout: layout, hidden: hidden, rng: &rng)
        let madeActors = actors, actorRate = Float(settings.double("actor_lr"))
        actorOptimizers = (0..<N).map { Adam(ParameterSet(madeActors.networkParameters(madeActors.network(of: $0))), learningRate: actorRate) }
        let embed = settings.int("mixer_embed"), hyper = settings.int("hypernet_hidden"), criticRate = Float(settings.double("critic_lr"))
        // One utility per agent on its own [oⁱ, aⁱ].
        let sizes = (0..<N).map { [layout.observationSizes[$0] + layout.actionWidth(of: $0)] + hidden + [1] }, norm = settings.bool("critic_layer_norm")
        reward = FactoredTwinCritic("reward", agents: N, stateSize: layout.stateSize, sizes: sizes, layerNorm: norm, kind: .reward,
                                    embed: embed, hypernetHidden: hyper, rng: &rng) { Adam($0, learningRate: criticRate) }
        entropy = FactoredTwinCritic("entropy", agents: N, stateSize: layout.stateSize, sizes: sizes, layerNorm: norm, kind: .entropy,
                                     embed: embed, hypernetHidden: hyper, rng: &rng) { Adam($0, learningRate: criticRate) }
        self.rng = rng

        budget = EntropyBudget(agents: N, total: Double(layout.jointActionWidth) * settings.double("target_entropy_per_dim"),
                               settings: settings, adaptive: adaptive)
        metric = adaptive && settings.string("ader_metric") == "code" ? .code : .paper
        backupAlpha = settings.bool("ader_entropy_backup_alpha")
        entropyTargetNets = settings.bool("ader_entropy_target_nets")
        hardTargets = settings.string("ader_target_update") == "hard"
        targetInterval = max(1, settings.int("target_update_interval"))
        tau = Float(settings.double("polyak"))
        gradClip = Float(settings.double("grad_clip"))
    }

    /// The per-agent targets of a `target_entropies` setting, or [] when empty. A malformed list is a
    /// programming error here; `problem(with:layout:)` reports it to the user first.
    static func parseTargets(_ text: String, agents: Int) -> [Double] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [] }
        let values = trimmed.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        precondition(values.count == agents && values.reduce(0, +) != 0,
                     "target_entropies needs \(agents) numbers with a non-zero sum, got '\(text)'")
        return values
    }

    /// Why a `target_entropies` list does not fit the world, or nil (checked before the learner is built).
    public static func problem(with settings: Settings, layout: EpisodeLayout) -> String? {
        let agents = layout.agents
        guard settings.has("target_entropies") else { return nil }
        let text = settings.string("target_entropies").trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == agents, values.allSatisfy({ $0 != nil }), values.reduce(0, { $0 + ($1 ?? 0) }) != 0 else {
            return "setting 'target_entropies' needs \(agents) comma-separated numbers with a non-zero sum, got '\(text)'"
        }
        return nil
    }

    public var parameters: ParameterSet {
        ParameterSet(actors.parameters) + reward.parameters + entropy.parameters + budget.parameters
    }

    /// Hᵢ = β^EMA_i · H₀.
    public var targetEntropies: [Double] { budget.targetEntropies }

    public func schedules(at step: Int) -> [(String, Double)] { budget.logged }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> JointActions {
        actors.act(observations: observations, available: available, mode: mode, graph: actingGraph, rng: &rng)
    }

    public func train(_ batch: TransitionBatch, step: Int) -> [(String, Double)] {
        let N = layout.agents
        let critics = updateCritics(batch)                                        // eq. B.2–B.5
        let pass = updateActors(batch)                                            // eq. B.1 (+ the metric's inputs)
        for i in 0..<N { budget.temperatures[i].update(meanLogProbability: Double(pass.meanLogProbabilities[i])) }   // eq. B.6
        if adaptive { budget.update(toward: pass.shares) }                       // eq. B.8
        updates += 1
        if hardTargets {
            if updates % targetInterval == 0 { reward.copyTargets(); entropy.copyTargets() }
        } else {
            reward.updateTargets(tau: tau)
            entropy.updateTargets(tau: tau)
        }
        var logged: [(String, Double)] = [("loss_reward_critic", Double(critics.reward)), ("loss_entropy_critic", Double(critics.entropy)),
                                          ("loss_actor", Double(pass.loss)), ("q_reward_mean", Double(critics.meanQ))]
        for i in 0..<N {
            logged.append(("entropy_\(i + 1)", Double(-pass.meanLogProbabilities[i])))
            logged.append(("action_mean_\(i + 1)", Double(pass.meanActions[i])))
            if adaptive { logged.append(("contribution_\(i + 1)", pass.contributions[i])) }
        }
        return logged
    }

    // MARK: - Critics (eq. B.2–B.5)

    func updateCritics(_ batch: TransitionBatch) -> (reward: Float, entropy: Float, meanQ: Float) {
        let g = graph, B = batch.size, N = layout.agents
        g.reset()
        let states = g.constant(batch.states, Shape(B, layout.stateSize))
        let nextStates = g.constant(batch.nextStates, Shape(B, layout.stateSize))
        let observations = observationBlocks(batch.observations)
        let nextObservations = observationBlocks(batch.nextObservations)
        let actions = (0..<N).map {
            AgentColumns.of(batch.actions, agent: $0, agents: N, stride: layout.actionWidth, width: layout.actionWidth(of: $0), graph: g)
        }
        let alphas = budget.temperatures.map(\.value)
        let (rewardTarget, entropyTarget): (Tensor, Tensor) = g.withoutGradients {
            // Every transition ended its episode (one-step games): both bootstraps are exactly 0, skip them.
            if batch.discounts.allSatisfy({ $0 == 0 }) {
                return (g.constant(batch.rewards, Shape(B, 1)), g.zeros(Shape(B, N)))
            }
            var nextActions: [Tensor] = [], logPis: [Tensor] = []
            for i in 0..<N {
                let (a, logPi) = actors.sample(i, observations: nextObservations[i], available: nil, rng: &rng)
                nextActions.append(a)
                logPis.append(backupAlpha ? logPi * alphas[i] : logPi)
            }
            let discounts = g.constant(batch.discounts, Shape(B, 1))
            // eq. B.4: V̄^R_JT(s′) with a′ ~ π; eq. B.2's target.
            let nextReward = reward.minimum(observations: nextObservations, actions: nextActions, states: nextStates, target: true)
            // eq. B.5: V̄^{H,i}_JT(s′) = [Q̄^H_JT]_i − cᵢ log πⁱ(a′ⁱ); eq. B.3's target has no reward.
            let nextEntropy = entropy.minimum(observations: nextObservations, actions: nextActions, states: nextStates,
                                              target: entropyTargetNets) - concat(logPis, axis: -1)
            return (g.constant(batch.rewards, Shape(B, 1)) + discounts * nextReward, discounts * nextEntropy)
        }
        let rewardStep = reward.update(observations: observations, actions: actions, states: states, targets: rewardTarget, gradClip: gradClip)
        let entropyStep = entropy.update(observations: observations, actions: actions, states: states, targets: entropyTarget, gradClip: gradClip)
        return (rewardStep.loss, entropyStep.loss, rewardStep.meanQ)
    }

    // MARK: - Actors (eq. B.1) and the metric's inputs

    /// What the actor step hands to the temperature and target-entropy steps.
    struct ActorPass {
        var loss: Float
        var meanLogProbabilities: [Float]
        var meanActions: [Float]
        /// The raw per-agent metric (paper: mean ∂V^R_JT/∂V^R_i; code: mean x = −c·ΔV/ΔH).
        var contributions: [Double]
        /// β of this minibatch (eq. B.7), before the EMA.
        var shares: [Double]
    }

    func updateActors(_ batch: TransitionBatch) -> ActorPass {
        let g = graph, B = batch.size, N = layout.agents
        g.reset()
        let states = g.constant(batch.states, Shape(B, layout.stateSize))
        let observations = observationBlocks(batch.observations)
        var actions: [Tensor] = [], logPis: [Tensor] = [], meanActions: [Float] = []
        for i in 0..<N {
            let policy = actors.gaussian(i, observations: observations[i])
            let (a, logPi) = policy.sample(rng: &rng)
            actions.append(a)
            logPis.append(logPi)
            meanActions.append(g.withoutGradients { policy.deterministicAction.mean().scalar })
        }
        reward.setTrainable(false)
        entropy.setTrainable(false)
        defer { reward.setTrainable(true); entropy.setTrainable(true) }
        for optimizer in actorOptimizers { optimizer.zeroGrad() }
        let rewardValues = (0..<2).map { reward.agentValues($0, observations: observations, actions: actions, target: false) }
        let rewardJoint = (0..<2).map { reward.mixed($0, rewardValues[$0], states: states, target: false) }
        let entropyJoint = entropy.minimum(observations: observations, actions: actions, states: states, target: false)
        let logPi = concat(logPis, axis: -1)
        let alphaRow = g.constant(budget.temperatures.map(\.value), Shape(1, N))
        let loss = ((alphaRow * (logPi - entropyJoint)).sum(axis: -1, keepDims: true) - minimum(rewardJoint[0], rewardJoint[1])).mean()

        var pass = ActorPass(loss: loss.scalar, meanLogProbabilities: logPis.map { $0.mean().scalar }, meanActions: meanActions,
                             contributions: [], shares: [])
        if adaptive {
            switch metric {
            case .paper:
                pass.contributions = paperContributions(rewardValues, rewardJoint, states: states)
                pass.shares = budget.paperShares(meanContributions: pass.contributions)
            case .code:
                let perSample = codeContributions(observations: observations, states: states)
                pass.contributions = (0..<N).map { i in perSample.reduce(0) { $0 + $1[i] } / Double(B) }
                pass.shares = budget.codeShares(perSample: perSample)
            }
        }
        g.backward(loss)
        for optimizer in actorOptimizers {
            if gradClip > 0 { _ = optimizer.parameters.clipGradientNorm(maxNorm: gradClip) }
            optimizer.step()
        }
        return pass
    }

    /// Paper metric, eq. B.7's E[∂V^R_JT/∂V^R_i]: the Jacobian of the reward mixer at the fresh
    /// samples' values, of the twin with the smaller V^R_JT per sample (the code's choice), averaged
    /// over the minibatch (every transition row is valid).
    func paperContributions(_ values: [Tensor], _ joint: [Tensor], states: Tensor) -> [Double] {
        let N = layout.agents, B = values[0].count / N
        let jacobians = (0..<2).map { reward.mixers[$0].jacobian(values[$0], states) }
        var sums = [Double](repeating: 0, count: N)
        for b in 0..<B {
            let k = joint[1].storage[b] < joint[0].storage[b] ? 1 : 0
            for i in 0..<N { sums[i] += Double(jacobians[k].storage[b * N + i]) }
        }
        return sums.map { $0 / Double(B) }
    }

    /// Code metric (ader_learner.py `train_actor`), per sample: x = −c · ΔVᵢ/ΔHᵢ with c the mixer
    /// Jacobian of the smaller twin. The code perturbs a discrete π along ∇_π H; for the tanh-Gaussian
    /// the analogous step [R, this port's adaptation] widens σ by e^δ with the same noise ε:
    /// ΔVᵢ = Q^R_i(oⁱ, tanh(μ + σe^δ ε)) − Q^R_i(oⁱ, tanh(μ + σε)) and ΔHᵢ = −(log π′(a′) − log π(a))
    /// = δ·D + Σ_d [log(1 − tanh² u′_d) − log(1 − tanh² u_d)].
    func codeContributions(observations: [Tensor], states: Tensor) -> [[Double]] {
        let g = graph, N = layout.agents, B = observations[0].shape[0]
        let delta: Float = 1e-3
        return g.withoutGradients {
            var base: [Tensor] = [], widened: [Tensor] = [], entropyChange = [[Double]](repeating: [Double](repeating: 0, count: N), count: B)
            for i in 0..<N {
                let policy = actors.gaussian(i, observations: observations[i])
                let noise = g.constant(policy.mean.shape) { out in for k in 0..<out.count { out[k] = rng.normal() } }
                let std = policy.logStd.exp()
                let u = policy.mean + std * noise, uWide = policy.mean + std * Foundation.exp(delta) * noise
                base.append(u.tanh())
                widened.append(uWide.tanh())
                let D = layout.actionWidth(of: i)
                for b in 0..<B {
                    var change = Double(delta) * Double(D)
                    for d in 0..<D {
                        change += Self.logOneMinusTanhSquared(uWide.storage[b * D + d]) - Self.logOneMinusTanhSquared(u.storage[b * D + d])
                    }
                    entropyChange[b][i] = change
                }
            }
            let values = (0..<2).map { reward.agentValues($0, observations: observations, actions: base, target: false) }
            let valuesWide = (0..<2).map { reward.agentValues($0, observations: observations, actions: widened, target: false) }
            let joint = (0..<2).map { reward.mixed($0, values[$0], states: states, target: false) }
            let jacobians = (0..<2).map { reward.mixers[$0].jacobian(values[$0], states) }
            return (0..<B).map { b in
                let k = joint[1].storage[b] < joint[0].storage[b] ? 1 : 0
                return (0..<N).map { i in
                    let valueChange = Double(valuesWide[k].storage[b * N + i] - values[k].storage[b * N + i])
                    return -Double(jacobians[k].storage[b * N + i]) * valueChange / (entropyChange[b][i] + 1e-8)
                }
            }
        }
    }

    /// log(1 − tanh² u) in the stable form of §0.6: 2(log 2 − u − softplus(−2u)).
    static func logOneMinusTanhSquared(_ u: Float) -> Double {
        let x = Double(-2 * u)
        let softplus = x > 30 ? x : Foundation.log1p(Foundation.exp(x))
        return 2 * (Foundation.log(2.0) - Double(u) - softplus)
    }

    /// Every agent's own observations [B, Oᵢ] from rows [B][N][O].
    private func observationBlocks(_ data: [Float]) -> [Tensor] {
        data.withUnsafeBufferPointer { rows in (0..<layout.agents).map { actors.observations(rows, agent: $0, graph: graph) } }
    }
}

/// ADER's per-agent temperatures αᵢ and the split of the entropy budget H₀ into targets Hᵢ = β^EMA_i·H₀
/// (§5.4), shared by the continuous and discrete forms. SER-MARL keeps the split fixed: H₀/N each,
/// or the given `target_entropies` (SER-DCE, whose sum is then H₀).
final class EntropyBudget {
    let temperatures: [Temperature]
    /// β^EMA; a parameter so that checkpoints keep it (never trained by gradients).
    let shares: Parameter
    let total: Double
    let xi: Double, newWeightIsXi: Bool, metricScale: Double

    init(agents N: Int, total defaultTotal: Double, settings: Settings, adaptive: Bool) {
        var split = [Double](repeating: 1 / Double(N), count: N)                  // β^EMA starts uniform (§5.4 item 5)
        var total = defaultTotal
        let fixed = adaptive ? [] : ADER.parseTargets(settings.string("target_entropies"), agents: N)
        if !fixed.isEmpty {
            total = fixed.reduce(0, +)
            split = fixed.map { $0 / total }
        }
        self.total = total
        shares = Parameter(name: "target_entropy_shares", shape: Shape(N), values: split.map(Float.init))
        shares.requiresGrad = false
        temperatures = (0..<N).map {
            Temperature("log_alpha.\($0)", initial: settings.double("alpha"), learned: settings.bool("auto_alpha"),
                        learningRate: settings.double("alpha_lr"), targetEntropy: split[$0] * total, bounds: 1e-4...settings.double("alpha_max"))
        }
        xi = adaptive ? settings.double("ema_xi") : 0
        newWeightIsXi = adaptive && settings.string("ader_ema_new_weight") == "xi"
        metricScale = adaptive ? settings.double("metric_scale") : 1
    }

    var parameters: ParameterSet { ParameterSet(temperatures.map(\.parameter) + [shares]) }
    var targetEntropies: [Double] { temperatures.map(\.targetEntropy) }
    /// Per-agent targets and temperatures for metrics.csv.
    var logged: [(String, Double)] {
        temperatures.enumerated().map { ("target_entropy_\($0.offset + 1)", $0.element.targetEntropy) }
            + temperatures.enumerated().map { ("alpha_\($0.offset + 1)", Double($0.element.value)) }
    }

    /// Eq. B.7, paper metric.
    func paperShares(meanContributions g: [Double]) -> [Double] {
        ADERTargetEntropy.paperShares(meanContributions: g, scale: metricScale, totalEntropy: total)
    }

    /// Eq. B.7, code metric.
    func codeShares(perSample x: [[Double]]) -> [Double] {
        ADERTargetEntropy.codeShares(perSample: x, scale: metricScale, totalEntropy: total)
    }

    /// Eq. B.8: β^EMA moves toward β and every Hᵢ follows.
    func update(toward beta: [Double]) {
        let smoothed = ADERTargetEntropy.smoothed(shares.values.map(Double.init), toward: beta, xi: xi, newWeightIsXi: newWeightIsXi)
        shares.values = smoothed.map(Float.init)
        for (i, temperature) in temperatures.enumerated() { temperature.targetEntropy = smoothed[i] * total }
    }
}

/// ADER's target-entropy arithmetic (eq. B.7, B.8; ALGORITHMS.md §5.4), free of networks so it can be tested alone.
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

/// ADER (and SER-MARL) for discrete actions as the official SMAC code trains it (ALGORITHMS.md §5.3
/// "Discrete code form"; ader_learner.py): whole episodes, a recurrent pi-logits actor shared by the
/// agents (PyMARL MAC with agent id and last action), FOP's critics on [oⁱ, onehot(i)] → |A|.
/// π = masked softmax of the logits; V_i = Σ_a π(a) Q_i(oⁱ, a) (expectations, no sampling). Per update:
///
///   critics   z_t = min_k f̄^{R,k}(s_t, {Σ_a π^j_t Q̄^{R,k}_j}), y^R = TD(λ) of r with bootstrap z           eq. B.2, B.4
///             w^i_t = [min_k f̄^{H,k}(s_t, {Σ_a π^j_t Q̄^{H,k}_j})]_i + cᵢ H(π^i_t), y^{H,i} = TD(λ) of 0 with bootstrap w^i
///             (cᵢ = 1 self-consistent, or αᵢ as eq. B.5 and the code)                                   eq. B.3, B.5
///             L^{R,k} = Σ_t m (f^{R,k}(s, {Q^{R,k}_j(aʲ_t)}) − y^R)² / Σ m;  L^{H,k} the same summed over heads
///   actor     J_t = min_k f^{R,k}(s_t, {V^{R,k}_j}) + Σᵢ αᵢ([min_k f^{H,k}(s_t, {V^{H,k}_j})]ᵢ + H(π^i_t)),
///             L = −Σ_t m J_t / Σ m (critics frozen)                                                      eq. B.1
///   α         L(log αᵢ) = −mean_m[log αᵢ (Hᵢ − H(π^i_t))] (masked, unlike the code)                        eq. B.6
///   targets   eq. B.7 (paper: masked mean of ∂V^R_JT/∂V^R_i; code: × ΔVᵢ/ΔHᵢ along ∇_π H), eq. B.8
///   networks  hard copy every `target_update_episodes` episodes (code) or Polyak (paper)
///
/// Behaviour: sample from ((1 − ε)π + ε/|A|) over the available actions, ε annealed (the code's
/// multinomial selector); test: the most probable available action. H₀ = N·log|A|·k_ratio.
public final class DiscreteADER: EpisodeLearner {
    static let sharedSettings: [SettingSpec] = RecurrentSettings.specs.withDefaults([
        "lr": .number(0.0025), "optimizer": .text("rmsprop"), "batch_size": .integer(32),        // ader_smac.yaml, default.yaml
    ]) + [RecurrentSettings.sharing] + [
        SettingSpec("critic_lr", .number(5e-4), "learning rate of the critics and mixers (code: c_lr)"),
        SettingSpec("critic_hidden", .integer(64), "units of the two hidden layers of the critics"),
        SettingSpec("td_lambda", .number(0.8), "λ of the TD(λ) targets (code: 0.8)"),
        SettingSpec("epsilon_start", .number(1), "ε of the behaviour floor (1 − ε)π + ε/|A| at step 0"),
        SettingSpec("epsilon_finish", .number(0.05), "ε after annealing"),
        SettingSpec("epsilon_anneal_steps", .integer(50_000), "environment steps over which ε anneals"),
        SettingSpec("pi_eps_floor_in_learner", .flag(false), "train the ε-floored π as the FOP/ADER code does (§0.5 quirk)"),
        SettingSpec("k_ratio", .number(0.1), "H₀ = N · log|A| · k_ratio (code: tar_ent_ratio)"),
        SettingSpec("auto_alpha", .flag(true), "learn each αᵢ toward its target entropy (eq. B.6)"),
        SettingSpec("alpha", .number(Foundation.exp(-2.0)), "initial αᵢ (paper Table 1: e^−2 … e^−3)"),
        SettingSpec("alpha_lr", .number(5e-4), "learning rate of log αᵢ (code: c_lr)"),
        SettingSpec("alpha_max", .number(0.5), "upper clamp of αᵢ at use (code: 0.5; the lower clamp is 1e−4)"),
        SettingSpec("mixer_embed", .integer(32), "mixers' embedding size E"),
        SettingSpec("hypernet_hidden", .integer(64), "hidden units of the mixers' hypernetworks"),
        SettingSpec("ader_target_update", .text("hard"), "target networks: hard (every target_update_episodes, code) or ema (Polyak with `polyak`, paper)",
                    choices: ["hard", "ema"]),
        SettingSpec("polyak", .number(0.001), "τ of the EMA target update (FACMAC's value)"),
        SettingSpec("ader_entropy_backup_alpha", .flag(false), "entropy bootstrap + αᵢ H (eq. B.5 and the code) instead of the self-consistent + H"),
        SettingSpec("ader_entropy_target_nets", .flag(true), "entropy bootstrap from target critics (false: the code's online critics)"),
    ]

    /// ADER's settings (discrete).
    public static let settings: [SettingSpec] = sharedSettings + ADER.adaptiveSettings
    /// SER-MARL's settings (discrete).
    public static let baselineSettings: [SettingSpec] = sharedSettings + ADER.fixedTargetSettings

    public let layout: EpisodeLayout
    /// Each critic network's inputs [oⁱ, onehot(i)] (one network per group of agents).
    let criticInputs: [AgentInputs]
    let actor: RecurrentAgents
    let controller: RecurrentController
    let actorOptimizer: any Optimizer
    let reward: FactoredTwinCritic, entropy: FactoredTwinCritic
    let budget: EntropyBudget
    let adaptive: Bool
    let metric: ADER.Metric
    let backupAlpha: Bool, entropyTargetNets: Bool, floorInLearner: Bool
    let hardTargets: Bool, targetInterval: Int, tau: Float
    let gamma: Float, lambda: Float, gradClip: Float
    let epsilon: LinearSchedule
    let graph = Graph()
    var rng: RandomSource
    var lastTargetUpdate = 0
    private var actorRows: [[Float]] = [], criticRows: [[Float]] = []

    /// ADER (`adaptive`) or SER-MARL/SER-DCE. Precondition: discrete actions.
    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64, adaptive: Bool) {
        precondition(!layout.isContinuous, "this ADER learner handles discrete actions")
        self.layout = layout
        self.adaptive = adaptive
        var rng = RandomSource(seed: seed)
        let N = layout.agents, A = layout.actions, S = layout.stateSize
        let sharing = ParameterSharing.from(settings, automatic: .groups)
        actor = RecurrentAgents("actor", layout: layout, sharing: sharing, lastAction: settings.bool("obs_last_action"),
                                agentID: settings.bool("obs_agent_id"), hidden: settings.int("rnn_hidden"), rng: &rng)
        controller = RecurrentController(agents: actor)
        // FOP's critic on [oⁱ, onehot(i)] → |Aᵢ|, shared like the actor.
        criticInputs = actor.inputs.map { AgentInputs(layout: layout, members: $0.members, lastAction: false, agentID: true) }
        actorOptimizer = RecurrentSettings.optimizer(settings, ParameterSet(actor.parameters))
        var criticSettings = settings
        try? criticSettings.apply([("lr", String(settings.double("critic_lr")))], from: "critic_lr")
        let sizes = criticInputs.map { [$0.width, settings.int("critic_hidden"), settings.int("critic_hidden"), $0.actions] }
        let members = criticInputs.map(\.members)
        let embed = settings.int("mixer_embed"), hyper = settings.int("hypernet_hidden")
        reward = FactoredTwinCritic("reward", agents: N, stateSize: S, sizes: sizes, members: members, kind: .reward, embed: embed,
                                    hypernetHidden: hyper, rng: &rng) { RecurrentSettings.optimizer(criticSettings, $0) }
        entropy = FactoredTwinCritic("entropy", agents: N, stateSize: S, sizes: sizes, members: members, kind: .entropy, embed: embed,
                                     hypernetHidden: hyper, rng: &rng) { RecurrentSettings.optimizer(criticSettings, $0) }
        self.rng = rng

        // H₀ = Σᵢ log|Aᵢ| · k_ratio (N·log|A|·k_ratio, computed as such, when the agents agree).
        let logSum = layout.isHomogeneous ? Double(N) * Foundation.log(Double(A))
                                          : layout.actionSpaces.reduce(0) { $0 + Foundation.log(Double($1.count)) }
        budget = EntropyBudget(agents: N, total: logSum * settings.double("k_ratio"),
                               settings: settings, adaptive: adaptive)
        metric = adaptive && settings.string("ader_metric") == "code" ? .code : .paper
        backupAlpha = settings.bool("ader_entropy_backup_alpha")
        entropyTargetNets = settings.bool("ader_entropy_target_nets")
        floorInLearner = settings.bool("pi_eps_floor_in_learner")
        hardTargets = settings.string("ader_target_update") == "hard"
        targetInterval = max(1, settings.int("target_update_episodes"))
        tau = Float(settings.double("polyak"))
        gamma = Float(settings.double("gamma"))
        lambda = Float(settings.double("td_lambda"))
        gradClip = Float(settings.double("grad_clip"))
        epsilon = LinearSchedule(start: settings.double("epsilon_start"), finish: settings.double("epsilon_finish"),
                                 steps: settings.int("epsilon_anneal_steps"))
    }

    public var parameters: ParameterSet {
        ParameterSet(actor.parameters) + reward.parameters + entropy.parameters + budget.parameters
    }

    /// Hᵢ = β^EMA_i · H₀.
    public var targetEntropies: [Double] { budget.targetEntropies }

    public func schedules(at step: Int) -> [(String, Double)] { budget.logged + [("epsilon", epsilon.value(at: step))] }

    public func beginEpisodes(envs: Int) { controller.begin(envs: envs) }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> [Int32] {
        let logits = controller.step(observations: observations)
        let rows = logits.shape[0], A = layout.actions
        let chosen: [Int32]
        if mode == .greedy {
            chosen = ActionSelection.greedy(logits.storage, available: available.baseAddress!, rows: rows, actions: A)
        } else {
            // log((1 − ε)π + ε/|A|), sampled over the available actions (renormalised there, as the code's re-draw).
            let e = Float(epsilon.value(at: step))
            let pi = controller.graph.withoutGradients { logits.softmax(mask: controller.graph.constant(copying: available.baseAddress!, logits.shape)) }
            var floored = [Float](repeating: 0, count: rows * A)
            let counts = layout.actionSpaces.map { Float($0.count) }
            for k in 0..<(rows * A) { floored[k] = Foundation.log((1 - e) * pi.storage[k] + e / counts[(k / A) % layout.agents] + 1e-30) }
            chosen = ActionSelection.softmaxSample(floored, available: available.baseAddress!, rows: rows, actions: A, temperature: 1, rng: &rng)
        }
        controller.record(actions: chosen)
        return chosen
    }

    /// The policy the learner trains, [rows, A] from logits [rows, A]: the masked softmax, or with
    /// `pi_eps_floor_in_learner` the ε-floored one with unavailable entries 1e−10, renormalised (§0.5).
    func policy(_ logits: Tensor, available: Tensor, step: Int) -> (pi: Tensor, logPi: Tensor) {
        guard floorInLearner else { return (logits.softmax(mask: available), logits.logSoftmax(mask: available)) }
        let e = Float(epsilon.value(at: step)), A = Float(layout.actions)
        let floored = (logits.softmax() * (1 - e) + e / A) * available + (1 - available) * 1e-10
        let pi = floored / floored.sum(axis: -1, keepDims: true)
        return (pi, pi.log())
    }

    public func train(_ batch: EpisodeBatch, step: Int, episodes: Int) -> [(String, Double)] {
        let critics = updateCritics(batch, step: step)
        let pass = updateActor(batch, step: step)
        for i in 0..<layout.agents { budget.temperatures[i].update(meanLogProbability: -pass.meanEntropies[i]) }   // eq. B.6
        if adaptive { budget.update(toward: pass.shares) }                                                   // eq. B.8
        if !hardTargets {
            reward.updateTargets(tau: tau)
            entropy.updateTargets(tau: tau)
        } else if (episodes - lastTargetUpdate) / targetInterval >= 1 {
            reward.copyTargets()
            entropy.copyTargets()
            lastTargetUpdate = episodes
        }
        var logged: [(String, Double)] = [("loss_reward_critic", Double(critics.reward)), ("loss_entropy_critic", Double(critics.entropy)),
                                          ("loss_actor", Double(pass.loss))]
        for i in 0..<layout.agents {
            logged.append(("entropy_\(i + 1)", pass.meanEntropies[i]))
            if adaptive { logged.append(("contribution_\(i + 1)", pass.contributions[i])) }
        }
        return logged
    }

    /// Per-slot tensors of a batch: actor inputs and availability, each critic network's inputs [(T+1)·B·Mₙ, Oₙ+Mₙ].
    private func tensors(_ batch: EpisodeBatch) -> (b: BatchTensors, critic: [Tensor]) {
        let b = BatchTensors(batch, agents: actor, rows: &actorRows, graph: graph)
        if criticRows.count != criticInputs.count { criticRows = Array(repeating: [], count: criticInputs.count) }
        let critic = criticInputs.indices.map { n -> Tensor in
            criticInputs[n].fill(batch: batch, into: &criticRows[n])
            let rows = (batch.steps + 1) * batch.episodes * criticInputs[n].members.count
            return criticRows[n].withUnsafeBufferPointer { graph.constant(copying: $0.baseAddress!, Shape(rows, criticInputs[n].width)) }
        }
        return (b, critic)
    }

    /// The first `slots` slots of each critic network's inputs.
    private func leading(_ inputs: [Tensor], slots: Int) -> [Tensor] {
        zip(inputs, criticInputs).map { $0.sliced(axis: 0, 0..<(slots * $1.members.count)) }
    }

    /// Per-agent expectations Σ_a π(a) Q(a) [slots, N] from π and Q [slots·N, A].
    private func expected(_ pi: Tensor, _ q: Tensor) -> Tensor {
        (pi * q).sum(axis: -1).reshaped(Shape(pi.shape[0] / layout.agents, layout.agents))
    }

    // MARK: Critics (eq. B.2–B.5)

    func updateCritics(_ batch: EpisodeBatch, step: Int) -> (reward: Float, entropy: Float) {
        let g = graph, N = layout.agents, A = layout.actions
        g.reset()
        let (b, criticIn) = tensors(batch)
        let T = b.steps, B = b.episodes, slots = (T + 1) * B
        let alphas = budget.temperatures.map(\.value)
        let (rewardTargets, entropyTargets): ([Float], [[Float]]) = g.withoutGradients {
            let available = b.available.reshaped(Shape(slots * N, A))
            let (pi, logPi) = policy(actor.unroll(b.inputs).reshaped(Shape(slots * N, A)), available: available, step: step)
            let policyEntropy = (pi * logPi).sum(axis: -1).reshaped(Shape(slots, N)) * -1
            let z = (0..<2).map { reward.mixed($0, expected(pi, reward.actionValues($0, criticIn, target: true)), states: b.allStates, target: true) }
            let zMin = minimum(z[0], z[1]).array
            let w = (0..<2).map {
                entropy.mixed($0, expected(pi, entropy.actionValues($0, criticIn, target: entropyTargetNets)), states: b.allStates,
                              target: entropyTargetNets)
            }
            let wMin = minimum(w[0], w[1]), h = policyEntropy.storage
            let bonus = (0..<N).map { backupAlpha ? alphas[$0] : 1 }
            let zeros = [Float](repeating: 0, count: T * B)
            let entropyTargets: [[Float]] = (0..<N).map { i in
                let bootstrap = (0..<slots).map { wMin.storage[$0 * N + i] + bonus[i] * h[$0 * N + i] }
                var out = [Float](repeating: 0, count: T * B)
                zeros.withUnsafeBufferPointer { r in bootstrap.withUnsafeBufferPointer { q in out.withUnsafeMutableBufferPointer { y in
                    LambdaReturn.compute(rewards: r, bootstrap: q, entropy: nil, lengths: batch.lengths, terminated: batch.terminated,
                                         gamma: gamma, lambda: lambda, into: y)
                } } }
                return out
            }
            return (LambdaReturn.targets(for: batch, bootstrap: zMin, gamma: gamma, lambda: lambda), entropyTargets)
        }
        let taken = b.actions.reshaped(Shape(T * B * N, 1))
        let yR = g.constant(rewardTargets, Shape(T * B, 1))
        let yH = g.constant(Shape(T * B, N)) { out in for k in 0..<(T * B) { for i in 0..<N { out[k * N + i] = entropyTargets[i][k] } } }
        let currentInputs = leading(criticIn, slots: T * B)
        func loss(_ critic: FactoredTwinCritic, _ y: Tensor) -> Tensor {
            let terms = (0..<2).map { k in
                let chosen = critic.actionValues(k, currentInputs, target: false).gather(taken).reshaped(Shape(T * B, N))
                return ((critic.mixed(k, chosen, states: b.states, target: false) - y).square() * b.mask).sum() / b.maskSum
            }
            return terms[0] + terms[1]
        }
        reward.zeroGrad()
        entropy.zeroGrad()
        let rewardLoss = loss(reward, yR), entropyLoss = loss(entropy, yH)
        g.backward(rewardLoss + entropyLoss)
        reward.step(gradClip: gradClip)
        entropy.step(gradClip: gradClip)
        return (rewardLoss.scalar, entropyLoss.scalar)
    }

    // MARK: Actor (eq. B.1) and the metric

    struct ActorPass {
        var loss: Float
        var meanEntropies: [Double]
        var contributions: [Double]
        var shares: [Double]
    }

    func updateActor(_ batch: EpisodeBatch, step: Int) -> ActorPass {
        let g = graph, N = layout.agents, A = layout.actions
        g.reset()
        let (b, criticIn) = tensors(batch)
        let T = b.steps, B = b.episodes, rows = T * B * N
        reward.setTrainable(false)
        entropy.setTrainable(false)
        defer { reward.setTrainable(true); entropy.setTrainable(true) }
        actorOptimizer.zeroGrad()
        let logits = actor.unroll(b.inputs).sliced(axis: 0, 0..<T).reshaped(Shape(rows, A))
        let available = b.available.sliced(axis: 0, 0..<T).reshaped(Shape(rows, A))
        let (pi, logPi) = policy(logits, available: available, step: step)
        let policyEntropy = (pi * logPi).sum(axis: -1).reshaped(Shape(T * B, N)) * -1
        let inputs = leading(criticIn, slots: T * B)
        let rewardQ = (0..<2).map { reward.actionValues($0, inputs, target: false) }
        let rewardValues = (0..<2).map { expected(pi, rewardQ[$0]) }
        let rewardJoint = (0..<2).map { reward.mixed($0, rewardValues[$0], states: b.states, target: false) }
        let entropyJoint = (0..<2).map { entropy.mixed($0, expected(pi, entropy.actionValues($0, inputs, target: false)), states: b.states, target: false) }
        let alphaRow = g.constant(budget.temperatures.map(\.value), Shape(1, N))
        let objective = minimum(rewardJoint[0], rewardJoint[1])
            + (alphaRow * (minimum(entropyJoint[0], entropyJoint[1]) + policyEntropy)).sum(axis: -1, keepDims: true)
        let loss = (objective * b.mask).sum() * (-1 / b.maskSum)
        let mask = batch.mask, valid = Double(b.maskSum)
        var pass = ActorPass(loss: loss.scalar, meanEntropies: (0..<N).map { i in
            (0..<(T * B)).reduce(0.0) { $0 + Double(mask[$1] * policyEntropy.storage[$1 * N + i]) } / valid
        }, contributions: [], shares: [])
        if adaptive {
            let jacobians = (0..<2).map { reward.mixers[$0].jacobian(rewardValues[$0], b.states) }
            let twin = (0..<(T * B)).map { rewardJoint[1].storage[$0] < rewardJoint[0].storage[$0] ? 1 : 0 }
            if metric == .code {
                let perSample = codeContributions(pi: pi, rewardQ: rewardQ, jacobians: jacobians, twin: twin, available: available, mask: mask)
                pass.contributions = (0..<N).map { i in perSample.reduce(0) { $0 + $1[i] } / Double(perSample.count) }
                pass.shares = budget.codeShares(perSample: perSample)
            } else {
                pass.contributions = (0..<N).map { i in
                    (0..<(T * B)).reduce(0.0) { $0 + Double(mask[$1] * jacobians[twin[$1]].storage[$1 * N + i]) } / valid
                }
                pass.shares = budget.paperShares(meanContributions: pass.contributions)
            }
        }
        g.backward(loss)
        _ = actorOptimizer.parameters.clipGradientNorm(maxNorm: gradClip)
        actorOptimizer.step()
        return pass
    }

    /// The code's metric per slot: x = −c·ΔVᵢ/(ΔHᵢ + 1e−8) with π′ = renormalise(π + 1e−5 ∇_π H),
    /// ∇_π H = −(log π + 1), unavailable entries reset to 1e−10; ΔVᵢ = Σ_a (π′ − π) Q^R_i, ΔHᵢ = H(π′) − H(π).
    /// Padded slots give c = 0, i.e. x = 0, which the code's unmasked mean counts as a uniform β.
    func codeContributions(pi: Tensor, rewardQ: [Tensor], jacobians: [Tensor], twin: [Int], available: Tensor, mask: [Float]) -> [[Double]] {
        let N = layout.agents, A = layout.actions, p = pi.storage, m = available.storage
        return (0..<twin.count).map { slot in
            guard mask[slot] > 0 else { return [Double](repeating: 0, count: N) }
            let k = twin[slot], q = rewardQ[k].storage
            return (0..<N).map { i in
                let row = (slot * N + i) * A
                var moved = [Double](repeating: 0, count: A)
                for a in 0..<A {
                    let pa = max(Double(p[row + a]), 1e-10)
                    moved[a] = m[row + a] > 0 ? pa + 1e-5 * -(Foundation.log(pa) + 1) : 1e-10
                }
                let total = moved.reduce(0, +)
                var valueChange = 0.0, before = 0.0, after = 0.0
                for a in 0..<A {
                    let pa = Double(p[row + a]), qa = moved[a] / total
                    valueChange += (qa - pa) * Double(q[row + a])
                    if pa > 0 { before -= pa * Foundation.log(pa) }
                    after -= qa * Foundation.log(qa)
                }
                return -Double(jacobians[k].storage[slot * N + i]) * valueChange / (after - before + 1e-8)
            }
        }
    }
}
