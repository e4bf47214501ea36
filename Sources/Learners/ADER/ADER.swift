import Common
import Foundation
import Tensors

/// ADER, adaptive entropy-regularisation for MARL (Kim & Sung, ICML 2023; docs/learners.md §5), and
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
    // One update per 10 steps by default, not 4: an ADER update (per-agent reward and entropy critics,
    // two mixers) costs about four of HASAC's, and a new world's default run should stay near a minute.
    static let sharedSettings: [SettingSpec] = ActorCriticSettings.specs.withDefaults(["grad_clip": .number(10), "updates_per_step": .number(0.1)]) + [
        UpdateThreads.spec,
        SettingSpec("auto_alpha", .flag(true), "learn each αᵢ toward its target entropy (eq. B.6)"),
        SettingSpec("alpha", .number(Foundation.exp(-2.0)), "initial αᵢ (paper's continuous tasks: e^−2)", range: .positive),
        SettingSpec("alpha_lr", .number(5e-4), "learning rate of log αᵢ (code: the critic learning rate)", range: .positive),
        SettingSpec("alpha_max", .number(0.5), "upper clamp of αᵢ at use (the SMAC code's 0.5; the lower clamp is 1e−4)", range: .nonNegative),
        SettingSpec("target_entropy_per_dim", .number(-1), "H₀ = N · dim A · this (−1: the SAC heuristic −dim A per agent)"),
        SettingSpec("mixing_embed", .integer(32), "mixers' embedding size E", range: .count, formerNames: ["mixer_embed"]),
        SettingSpec("hypernet_hidden", .integer(64), "hidden units of the mixers' hypernetworks", range: .count),
        SettingSpec("ader_target_update", .text("hard"), "target networks: hard (copy every target_update_interval steps, code) or ema (Polyak with `polyak`, paper)",
                    choices: ["hard", "ema"]),
        SettingSpec("target_update_interval", .integer(200), "gradient steps between hard target copies (code: 200 episodes, one step each)", range: .count),
        SettingSpec("ader_entropy_backup_alpha", .flag(false), "entropy backup −αᵢ log π (eq. B.5 and the code) instead of the self-consistent −log π"),
        SettingSpec("ader_entropy_target_nets", .flag(true), "entropy bootstrap from target critics (false: the code's online critics)"),
    ]

    /// ADER's settings.
    public static let settings: [SettingSpec] = sharedSettings + adaptiveSettings

    /// SER-MARL's settings.
    public static let baselineSettings: [SettingSpec] = sharedSettings + fixedTargetSettings

    /// The target-entropy update's settings (eq. B.7, B.8), for both action kinds.
    static let adaptiveSettings: [SettingSpec] = [
        SettingSpec("ema_xi", .number(0.9), "ξ of the target-entropy EMA (eq. B.8; code's adap_total_alpha_tau)", range: .unit),
        SettingSpec("ader_ema_new_weight", .text("one-minus-xi"), "weight of the new β in the EMA: one-minus-xi (code) or xi (eq. B.8 as printed)",
                    choices: ["one-minus-xi", "xi"]),
        SettingSpec("metric_scale", .number(10), "κ: contributions are scaled to κ·g/max g before the softmax (code: 1/0.1)", range: .positive),
        SettingSpec("ader_metric", .text("paper"), "paper (masked mean of ∂V^R_JT/∂V^R_i, then softmax) or code (× ΔVᵢ/ΔHᵢ, softmax per sample, then mean)",
                    choices: ["paper", "code"]),
    ]

    /// SER-DCE's fixed targets, for both action kinds.
    static let fixedTargetSettings: [SettingSpec] = [
        SettingSpec("target_entropies", .text(""), "comma-separated fixed Hᵢ, one per agent (SER-DCE); empty: H₀/N each (SER-MARL)"),
    ]

    /// How the per-agent exploration need is measured (docs/learners.md §5.4).
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
    /// The reward and the entropy critics run side by side on tapes of their own (the `threads` setting).
    let pool: WorkerPool?
    let bootstrapTapes = [Graph(), Graph()], criticTapes = [Graph(), Graph()], actorTapes = [Graph(), Graph(), Graph(), Graph()]
    let samplingTapes: [Graph]
    var rng: RandomSource
    var updates = 0

    /// ADER (`adaptive`) or SER-MARL/SER-DCE. Precondition: continuous actions.
    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64, adaptive: Bool) {
        precondition(layout.isContinuous, "this ADER learner handles continuous actions")
        self.layout = layout
        self.adaptive = adaptive
        var rng = RandomSource(seed: seed)
        let N = layout.agents, hidden = ActorCriticSettings.hidden(settings)
        actors = StochasticActors("actor", layout: layout, hidden: hidden, sharing: ParameterSharing.from(settings, automatic: .none), rng: &rng)
        let madeActors = actors, actorRate = Float(settings.double("actor_lr"))
        actorOptimizers = (0..<madeActors.networkCount).map { Adam(ParameterSet(madeActors.networkParameters($0)), learningRate: actorRate) }
        let embed = settings.int("mixing_embed"), hyper = settings.int("hypernet_hidden"), criticRate = Float(settings.double("critic_lr"))
        // One utility per agent on its own [oⁱ, aⁱ].
        let sizes = (0..<N).map { [layout.observationSizes[$0] + layout.actionWidth(of: $0)] + hidden + [1] }, norm = settings.bool("critic_layer_norm")
        reward = FactoredTwinCritic("reward", agents: N, stateSize: layout.stateSize, sizes: sizes, layerNorm: norm, kind: .reward,
                                    embed: embed, hypernetHidden: hyper, rng: &rng) { Adam($0, learningRate: criticRate) }
        entropy = FactoredTwinCritic("entropy", agents: N, stateSize: layout.stateSize, sizes: sizes, layerNorm: norm, kind: .entropy,
                                     embed: embed, hypernetHidden: hyper, rng: &rng) { Adam($0, learningRate: criticRate) }
        self.rng = rng
        pool = UpdateThreads.pool(settings, parts: Swift.max(2, N))
        samplingTapes = (0..<N).map { _ in Graph() }

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
            AgentColumns.actions(batch.actions, agent: $0, layout: layout, graph: g)
        }
        let alphas = budget.temperatures.map(\.value)
        let (rewardTarget, entropyTarget): (Tensor, Tensor) = g.withoutGradients {
            // Every transition ended its episode (one-step games): both bootstraps are exactly 0, skip them.
            if batch.discounts.allSatisfy({ $0 == 0 }) {
                return (g.constant(batch.rewards, Shape(B, 1)), g.zeros(Shape(B, N)))
            }
            let next = actors.sampleEvery(observations: nextObservations, available: [Tensor?](repeating: nil, count: N), rng: &rng,
                                          tapes: samplingTapes, pool: pool)
            let nextActions = next.map(\.action)
            let logPis = (0..<N).map { backupAlpha ? next[$0].logProbability * alphas[$0] : next[$0].logProbability }
            let discounts = g.constant(batch.discounts, Shape(B, 1))
            let bootstraps = g.branches(nextObservations + nextActions + [nextStates], tapes: bootstrapTapes, pool: pool) { k, inputs in
                let (observations, actions, states) = (Array(inputs[0..<N]), Array(inputs[N..<(2 * N)]), inputs[2 * N])
                // eq. B.4: V̄^R_JT(s′) with a′ ~ π; eq. B.2's target.
                if k == 0 { return reward.minimum(observations: observations, actions: actions, states: states, target: true) }
                // eq. B.5's [Q̄^H_JT]_i
                return entropy.minimum(observations: observations, actions: actions, states: states, target: entropyTargetNets)
            }
            // eq. B.5: V̄^{H,i}_JT(s′) = [Q̄^H_JT]_i − cᵢ log πⁱ(a′ⁱ); eq. B.3's target has no reward.
            let nextEntropy = bootstraps[1] - concat(logPis, axis: -1)
            return (g.constant(batch.rewards, Shape(B, 1)) + discounts * bootstraps[0], discounts * nextEntropy)
        }
        // The two critics' steps (eq. B.2, B.3) are independent: each runs on a tape of its own.
        let steps = g.branches(observations + actions + [states, rewardTarget, entropyTarget], tapes: criticTapes, pool: pool) { k, inputs in
            let (observations, actions, states) = (Array(inputs[0..<N]), Array(inputs[N..<(2 * N)]), inputs[2 * N])
            let critic = k == 0 ? reward : entropy
            let step = critic.update(observations: observations, actions: actions, states: states, targets: inputs[2 * N + 1 + k], gradClip: gradClip)
            return states.graph.constant([step.loss, step.meanQ], Shape(2))
        }
        return (steps[0].storage[0], steps[1].storage[0], steps[0].storage[1])
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
        // The four critics (reward and entropy, twins 1 and 2) run side by side, each on a tape of its own;
        // a reward twin also returns its mixer's Jacobian when the paper's metric needs it (eq. B.7).
        let slopes = adaptive && metric == .paper
        let critics = g.branches(observations + actions + [states], tapes: actorTapes, pool: pool) { k, inputs in
            let (observations, actions, states) = (Array(inputs[0..<N]), Array(inputs[N..<(2 * N)]), inputs[2 * N])
            let twin = k % 2
            guard k < 2 else { return entropy.mixed(twin, entropy.agentValues(twin, observations: observations, actions: actions, target: false),
                                                    states: states, target: false) }
            let values = reward.agentValues(twin, observations: observations, actions: actions, target: false)
            let joint = reward.mixed(twin, values, states: states, target: false)
            return slopes ? concat([joint, reward.mixers[twin].jacobian(values, states)], axis: -1) : joint
        }
        let rewardJoint = (0..<2).map { slopes ? critics[$0].sliced(axis: -1, 0..<1) : critics[$0] }
        let entropyJoint = minimum(critics[2], critics[3])
        let logPi = concat(logPis, axis: -1)
        let alphaRow = g.constant(budget.temperatures.map(\.value), Shape(1, N))
        let loss = ((alphaRow * (logPi - entropyJoint)).sum(axis: -1, keepDims: true) - minimum(rewardJoint[0], rewardJoint[1])).mean()

        var pass = ActorPass(loss: loss.scalar, meanLogProbabilities: logPis.map { $0.mean().scalar }, meanActions: meanActions,
                             contributions: [], shares: [])
        if adaptive {
            switch metric {
            case .paper:
                pass.contributions = paperContributions(jacobians: (0..<2).map { critics[$0].sliced(axis: -1, 1..<(1 + N)) }, rewardJoint)
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
    func paperContributions(jacobians: [Tensor], _ joint: [Tensor]) -> [Double] {
        let N = layout.agents, B = joint[0].count
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
        (0..<layout.agents).map { AgentColumns.observations(data, agent: $0, layout: layout, graph: graph) }
    }
}

extension ADER: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("actors", ParameterSet(actors.parameters))
        try archive.parts("actor_optimizer", actorOptimizers)
        try archive.part("reward", reward)
        try archive.part("entropy", entropy)
        try archive.part("budget", budget)
        try archive.value("rng", &rng)
        try archive.value("updates", &updates)
    }
}
