import Common
import Foundation
import Tensors

/// ADER (and SER-MARL) for discrete actions as the official SMAC code trains it (docs/learners.md §5.3
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
    /// The code's optimizer and batch (ader_smac.yaml, default.yaml), and standardised rewards, which
    /// the code does not use: with rewards ≤ 1 the initial α's entropy bonus taught the team never to
    /// end an episode (measured: scripts/bench/defaults; docs/learners.md §10).
    static let sharedSettings: [SettingSpec] = RecurrentSettings.specs.withDefaults([
        "lr": .number(0.0025), "optimizer": .text("rmsprop"), "batch_size": .integer(32), "standardise_rewards": .flag(true),
    ]) + [RecurrentSettings.sharing, UpdateThreads.spec] + [
        SettingSpec("critic_lr", .number(5e-4), "learning rate of the critics and mixers (code: c_lr)", range: .positive),
        SettingSpec("critic_hidden", .integer(64), "units of the two hidden layers of the critics", range: .count),
        SettingSpec("td_lambda", .number(0.8), "λ of the TD(λ) targets (code: 0.8)", range: .unit),
        SettingSpec("epsilon_start", .number(1), "ε of the behaviour floor (1 − ε)π + ε/|A| at step 0", range: .unit),
        SettingSpec("epsilon_finish", .number(0.05), "ε after annealing", range: .unit),
        SettingSpec("epsilon_anneal_steps", .integer(50_000), "environment steps over which ε anneals", range: .nonNegative),
        SettingSpec("pi_eps_floor_in_learner", .flag(false), "train the ε-floored π as the FOP/ADER code does (§0.5 quirk)"),
        SettingSpec("k_ratio", .number(0.1), "H₀ = N · log|A| · k_ratio (code: tar_ent_ratio)", range: .unit),
        SettingSpec("auto_alpha", .flag(true), "learn each αᵢ toward its target entropy (eq. B.6)"),
        SettingSpec("alpha", .number(Foundation.exp(-2.0)), "initial αᵢ (paper Table 1: e^−2 … e^−3)", range: .positive),
        SettingSpec("alpha_lr", .number(5e-4), "learning rate of log αᵢ (code: c_lr)", range: .positive),
        SettingSpec("alpha_max", .number(0.5), "upper clamp of αᵢ at use (code: 0.5; the lower clamp is 1e−4)", range: .nonNegative),
        SettingSpec("mixing_embed", .integer(32), "mixers' embedding size E", range: .count, formerNames: ["mixer_embed"]),
        SettingSpec("hypernet_hidden", .integer(64), "hidden units of the mixers' hypernetworks", range: .count),
        SettingSpec("ader_target_update", .text("hard"), "target networks: hard (every target_update_episodes, code) or ema (Polyak with `polyak`, paper)",
                    choices: ["hard", "ema"]),
        SettingSpec("polyak", .number(0.001), "τ of the EMA target update (FACMAC's value)", range: .aboveUpTo(0, 1)),
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
    /// The reward and entropy critics (twins 1 and 2) run side by side on tapes of their own (`threads`).
    let pool: WorkerPool?
    let bootstrapTapes = (0..<4).map { _ in Graph() }, criticTapes = [Graph(), Graph()], actorTapes = (0..<4).map { _ in Graph() }
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
        let embed = settings.int("mixing_embed"), hyper = settings.int("hypernet_hidden")
        reward = FactoredTwinCritic("reward", agents: N, stateSize: S, sizes: sizes, members: members, kind: .reward, embed: embed,
                                    hypernetHidden: hyper, rng: &rng) { RecurrentSettings.optimizer(criticSettings, $0) }
        entropy = FactoredTwinCritic("entropy", agents: N, stateSize: S, sizes: sizes, members: members, kind: .entropy, embed: embed,
                                     hypernetHidden: hyper, rng: &rng) { RecurrentSettings.optimizer(criticSettings, $0) }
        self.rng = rng
        pool = UpdateThreads.pool(settings, parts: 4)

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
            // The reward twins' and the entropy twins' bootstraps, side by side.
            let M = criticIn.count
            let z = g.branches(criticIn + [pi, b.allStates], tapes: bootstrapTapes, pool: pool) { k, inputs in
                let (critic, targetNets) = k < 2 ? (reward, true) : (entropy, entropyTargetNets)
                return critic.mixed(k % 2, expected(inputs[M], critic.actionValues(k % 2, Array(inputs[0..<M]), target: targetNets)),
                                    states: inputs[M + 1], target: targetNets)
            }
            let zMin = minimum(z[0], z[1]).array
            let wMin = minimum(z[2], z[3]), h = policyEntropy.storage
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
        let currentInputs = leading(criticIn, slots: T * B), M = currentInputs.count, maskSum = b.maskSum
        // The reward and the entropy critic take their steps side by side, each on a tape of its own.
        let losses = g.branches(currentInputs + [taken, b.states, b.mask, yR, yH], tapes: criticTapes, pool: pool) { k, inputs in
            let critic = k == 0 ? reward : entropy
            let (taken, states, mask, y) = (inputs[M], inputs[M + 1], inputs[M + 2], inputs[M + 3 + k])
            let terms = (0..<2).map { twin in
                let chosen = critic.actionValues(twin, Array(inputs[0..<M]), target: false).gather(taken).reshaped(Shape(T * B, N))
                return ((critic.mixed(twin, chosen, states: states, target: false) - y).square() * mask).sum() / maskSum
            }
            let loss = terms[0] + terms[1]
            critic.zeroGrad()
            loss.graph.backward(loss)
            critic.step(gradClip: gradClip)
            return loss.detached()
        }
        return (losses[0].scalar, losses[1].scalar)
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
        let inputs = leading(criticIn, slots: T * B), M = inputs.count
        // The four critics side by side; a reward twin also returns what the metric reads (eq. B.7): its
        // mixer's Jacobian and, for the code's metric, its action values, each slot's agents on one row.
        let critics = g.branches(inputs + [pi, b.states], tapes: actorTapes, pool: pool) { k, xs in
            let (pi, states) = (xs[M], xs[M + 1])
            guard k < 2 else { return entropy.mixed(k % 2, expected(pi, entropy.actionValues(k % 2, Array(xs[0..<M]), target: false)),
                                                    states: states, target: false) }
            let q = reward.actionValues(k, Array(xs[0..<M]), target: false), values = expected(pi, q)
            let joint = reward.mixed(k, values, states: states, target: false)
            guard adaptive else { return joint }
            let slopes = reward.mixers[k].jacobian(values, states)
            return concat(metric == .code ? [joint, slopes, q.reshaped(Shape(T * B, N * A))] : [joint, slopes], axis: -1)
        }
        let rewardJoint = (0..<2).map { adaptive ? critics[$0].sliced(axis: -1, 0..<1) : critics[$0] }
        let entropyJoint = [critics[2], critics[3]]
        let alphaRow = g.constant(budget.temperatures.map(\.value), Shape(1, N))
        let objective = minimum(rewardJoint[0], rewardJoint[1])
            + (alphaRow * (minimum(entropyJoint[0], entropyJoint[1]) + policyEntropy)).sum(axis: -1, keepDims: true)
        let loss = (objective * b.mask).sum() * (-1 / b.maskSum)
        let mask = batch.mask, valid = Double(b.maskSum)
        var pass = ActorPass(loss: loss.scalar, meanEntropies: (0..<N).map { i in
            (0..<(T * B)).reduce(0.0) { $0 + Double(mask[$1] * policyEntropy.storage[$1 * N + i]) } / valid
        }, contributions: [], shares: [])
        if adaptive {
            let jacobians = (0..<2).map { critics[$0].sliced(axis: -1, 1..<(1 + N)) }
            let twin = (0..<(T * B)).map { rewardJoint[1].storage[$0] < rewardJoint[0].storage[$0] ? 1 : 0 }
            if metric == .code {
                let rewardQ = (0..<2).map { critics[$0].sliced(axis: -1, (1 + N)..<(1 + N + N * A)).reshaped(Shape(rows, A)) }
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

extension DiscreteADER: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("actor", ParameterSet(actor.parameters))
        try archive.optimizer("actor_optimizer", actorOptimizer)
        try archive.part("reward", reward)
        try archive.part("entropy", entropy)
        try archive.part("budget", budget)
        try archive.value("rng", &rng)
        try archive.value("last_target_update", &lastTargetUpdate)
    }
}
