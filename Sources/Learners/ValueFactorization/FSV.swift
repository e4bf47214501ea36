import Common
import Foundation
import Tensors

/// FSV, discrete (factorised soft value function; anonymous ICLR 2021 submission; docs/learners.md §8).
/// Energy-based per-agent policies π_i = softmax(Q_i/α) with V_i = α log Σ_{a available} exp(Q_i/α),
/// so Q_i − V_i = α log π_i. The joint soft Q factorises linearly with joint-action-dependent
/// weights, which can represent non-monotonic payoffs while IGO keeps execution decentralised:
///
///   eq. 7    Q_tot = Σ_i λ_i(s, u) (Q_i − V_i) + V_tot,   V_tot = Σ_i w_i(s) V_i + b(s),  w_i ≥ 0 (eq. 13)
///   eq. 33   evaluated as Σ_i λ_i sg(Q_i − V_i) + V_tot(sg V) − Σ_i sg(Q_i) + Σ_i Q_i  (same value; the
///            agents get VDN-like gradients, λ, w and b learn; `vtot_gradient=literal` stops w, b too)
///   eq. 16   J_Q = E[(Q_tot − y)²],  y = r + γ (Q̄_tot(s', ũ') − α Σ_i log π_i(ũ'_i)),  ũ' ~ π
///
/// Behaviour samples from π_i; α anneals linearly from alpha_start to alpha_finish; tests act greedily.
public final class FSV: EpisodeLearner {
    public static let name = "fsv"
    public static let summary = "FSV: linear soft value factorization with credit weights (continuous: per-agent actors, Q_i, V_i)"

    /// Standardised rewards and a gentler α schedule than the paper's (α 1 → 0.01 over 100k steps, for
    /// SMAC's rewards; configs/fsv-paper.yaml): with rewards ≤ 1 the paper's early α makes ending an
    /// episode cost more entropy than it earns, and the greedy team learns never to finish (measured:
    /// scripts/bench/defaults).
    public static let settings: [SettingSpec] = RecurrentSettings.specs.withDefaults(["standardise_rewards": .flag(true)])
        + [RecurrentSettings.sharing, UpdateThreads.spec] + [
        SettingSpec("alpha_start", .number(0.1), "temperature α at step 0 (paper: 1)", range: .nonNegative),
        SettingSpec("alpha_finish", .number(0.01), "temperature α after annealing (α₀)", range: .nonNegative),
        SettingSpec("alpha_anneal_steps", .integer(50_000), "environment steps over which α anneals (paper: 100000)", range: .nonNegative),
        SettingSpec("td_lambda", .number(0.0), "λ of the soft TD(λ) targets (0: eq. 16's one-step target)", range: .unit),
        SettingSpec("td_hysteresis", .number(1), "weight of TD errors where Q_tot is above its target: 1 is the paper; < 1 is lenient (hysteretic) TD, our addition against relative overgeneralization", range: .unit),
        SettingSpec("epsilon_start", .number(0), "probability of a uniformly random behaviour action at step 0 (the matrix protocol uses 1)", range: .unit),
        SettingSpec("epsilon_finish", .number(0), "that probability after annealing", range: .unit),
        SettingSpec("epsilon_anneal_steps", .integer(100_000), "environment steps over which it anneals", range: .nonNegative),
        SettingSpec("lambda_form", .text("attention"), "attention (the paper's eq. 15, softmax over agents) or fop (FOP's product form)",
                    choices: ["attention", "fop"]),
        SettingSpec("attention_heads", .integer(4), "heads H of the credit weights", range: .count),
        SettingSpec("attention_embed", .integer(64), "units of the state and action embeddings", range: .count),
        SettingSpec("vtot_weight_bias", .number(0), "added to the bias of V_tot's state-conditioned weights w_i(s) at initialisation (1: start VDN-like, |w_i| ≈ 1)"),
        SettingSpec("vtot_gradient", .text("trainable"), "trainable (w, b learn; V_i stopped) or literal (eq. 33 as printed: no gradient)",
                    choices: ["trainable", "literal"]),
    ]

    let layout: EpisodeLayout
    let networks: RecurrentNetworks
    let attention: CreditWeights, targetAttention: CreditWeights
    let valueWeights: Linear, valueBias: Linear, targetValueWeights: Linear, targetValueBias: Linear
    let online: ParameterSet, target: ParameterSet
    let optimizer: any Optimizer
    let graph = Graph()
    var rng: RandomSource
    let alpha: LinearSchedule, epsilon: LinearSchedule
    let gamma: Float, lambda: Float, gradClip: Float
    let literalVtot: Bool
    let hysteresis: Float
    private var rows: [[Float]] = []

    var agent: RecurrentAgents { networks.agents }
    var controller: RecurrentController { networks.controller }

    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64) {
        self.layout = layout
        var rng = RandomSource(seed: seed)
        let N = layout.agents, A = layout.actions, S = layout.stateSize
        networks = RecurrentNetworks(layout: layout, settings: settings, rng: &rng)
        let heads = settings.int("attention_heads"), embed = settings.int("attention_embed")
        func makeWeights(_ name: String) -> CreditWeights {
            CreditWeights(form: settings.string("lambda_form"), name, agents: N, actionFeatures: A, stateSize: S, embed: embed, heads: heads,
                          rng: &rng)
        }
        attention = makeWeights("lambda")
        targetAttention = makeWeights("target_lambda")
        valueWeights = Linear("vtot.w", S, N, rng: &rng)
        valueBias = Linear("vtot.b", S, 1, rng: &rng)
        targetValueWeights = Linear("target_vtot.w", S, N, rng: &rng)
        targetValueBias = Linear("target_vtot.b", S, 1, rng: &rng)
        let weightBias = Float(settings.double("vtot_weight_bias"))
        if weightBias != 0, let bias = valueWeights.bias {
            bias.values = bias.values.map { $0 + weightBias }
        }
        online = ParameterSet(networks.agents.parameters + attention.parameters + valueWeights.parameters + valueBias.parameters)
        target = ParameterSet(networks.targetAgents.parameters + targetAttention.parameters + targetValueWeights.parameters + targetValueBias.parameters)
        target.copy(from: online)
        target.setRequiresGrad(false)
        optimizer = RecurrentSettings.optimizer(settings, online)
        self.rng = rng
        alpha = LinearSchedule(start: settings.double("alpha_start"), finish: settings.double("alpha_finish"),
                               steps: settings.int("alpha_anneal_steps"))
        epsilon = LinearSchedule(start: settings.double("epsilon_start"), finish: settings.double("epsilon_finish"),
                                 steps: settings.int("epsilon_anneal_steps"))
        gamma = Float(settings.double("gamma"))
        lambda = Float(settings.double("td_lambda"))
        gradClip = Float(settings.double("grad_clip"))
        literalVtot = settings.string("vtot_gradient") == "literal"
        hysteresis = Float(settings.double("td_hysteresis"))
    }

    public var parameters: ParameterSet { online }

    public func schedules(at step: Int) -> [(String, Double)] { [("alpha", alpha.value(at: step)), ("epsilon", epsilon.value(at: step))] }

    public func beginEpisodes(envs: Int) { controller.begin(envs: envs) }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> [Int32] {
        let q = controller.step(observations: observations)
        let rows = q.shape[0], A = layout.actions
        var chosen = mode == .greedy
            ? ActionSelection.greedy(q.storage, available: available.baseAddress!, rows: rows, actions: A)
            : ActionSelection.softmaxSample(q.storage, available: available.baseAddress!, rows: rows, actions: A,
                                            temperature: Float(alpha.value(at: step)), rng: &rng)
        if mode == .explore {
            ActionSelection.randomize(&chosen, available: available.baseAddress!, actions: A, probability: epsilon.value(at: step), rng: &rng)
        }
        controller.record(actions: chosen)
        return chosen
    }

    /// Mean over rows of max_a Q_i(a) − min_a Q_i(a): how strongly the agents prefer one action at all.
    static func meanActionGap(_ q: UnsafeMutablePointer<Float>, count: Int, actions A: Int) -> Double {
        let rows = count / A
        var total = 0.0
        for r in 0..<rows {
            var low = q[r * A], high = q[r * A]
            for k in 1..<A { low = Swift.min(low, q[r * A + k]); high = Swift.max(high, q[r * A + k]) }
            total += Double(high - low)
        }
        return total / Double(Swift.max(rows, 1))
    }

    /// Σ_i λ_i · adv_i + Σ_i w_i V_i + b for rows of N agents (eq. 7 with V_tot of eq. 13).
    private func mix(lambdas: Tensor, advantages: Tensor, values: Tensor, states: Tensor, weights: Linear, bias: Linear) -> Tensor {
        (lambdas * advantages).sum(axis: -1, keepDims: true) + (weights(states).abs() * values).sum(axis: -1, keepDims: true) + bias(states)
    }

    public func train(_ batch: EpisodeBatch, step: Int, episodes: Int) -> [(String, Double)] {
        let g = graph
        g.reset()
        optimizer.zeroGrad()
        let b = BatchTensors(batch, agents: networks.agents, rows: &rows, graph: g)
        let T = b.steps, B = b.episodes, N = layout.agents, A = layout.actions
        let slots = (T + 1) * B
        let a = Float(alpha.value(at: step))

        let unrolls = networks.unrolls(b.inputs)
        let q = unrolls.online                                                                   // [T+1, B·N, A]
        let logPi = (q.detached() / a).logSoftmax(mask: b.available)                              // log π_i, no gradient
        let taken = q.sliced(axis: 0, 0..<T).gather(b.actions).reshaped(Shape(T * B, N))          // Q_i(u_i)
        let advantage = (a * logPi.sliced(axis: 0, 0..<T).gather(b.actions)).reshaped(Shape(T * B, N))   // Q_i − V_i = α log π_i
        let value = taken.detached() - advantage                                                  // V_i, stopped
        let chosenActions = Array(batch.actions[0..<(T * B * N)])
        let lambdas = attention(b.states, actions: chosenActions)
        var qTot: Tensor
        if literalVtot {
            let frozen = g.withoutGradients { mix(lambdas: g.zeros(Shape(T * B, N)), advantages: advantage, values: value, states: b.states,
                                                  weights: valueWeights, bias: valueBias) }
            qTot = (lambdas * advantage).sum(axis: -1, keepDims: true) + frozen
        } else {
            qTot = mix(lambdas: lambdas, advantages: advantage, values: value, states: b.states, weights: valueWeights, bias: valueBias)
        }
        qTot = qTot - taken.detached().sum(axis: -1, keepDims: true) + taken.sum(axis: -1, keepDims: true)     // eq. 33

        // Soft targets (eq. 16): ũ' ~ π, Q̄_tot from the target networks, H = −α Σ_i log π_i(ũ'_i).
        var bootstrap = [Float](repeating: 0, count: slots), entropy = [Float](repeating: 0, count: slots)
        g.withoutGradients {
            let availability = b.available.reshaped(Shape(slots * N, A))
            let next = ActionSelection.softmaxSample(q.storage, available: availability.storage, rows: slots * N, actions: A,
                                                     temperature: a, rng: &rng)
            let nextIndex = g.constant(Shape(slots * N, 1)) { out in for k in 0..<out.count { out[k] = Float(next[k]) } }
            let nextLogPi = logPi.reshaped(Shape(slots * N, A)).gather(nextIndex).reshaped(Shape(slots, N))
            let targetQ = unrolls.target.reshaped(Shape(slots * N, A))
            let targetAdvantage = (a * (targetQ / a).logSoftmax(mask: availability).gather(nextIndex)).reshaped(Shape(slots, N))
            let targetValue = targetQ.gather(nextIndex).reshaped(Shape(slots, N)) - targetAdvantage
            let qBar = mix(lambdas: targetAttention(b.allStates, actions: next), advantages: targetAdvantage, values: targetValue,
                           states: b.allStates, weights: targetValueWeights, bias: targetValueBias)
            let h = nextLogPi.sum(axis: -1, keepDims: true)
            for k in 0..<slots {
                bootstrap[k] = qBar.storage[k]
                entropy[k] = -a * h.storage[k]
            }
        }
        let targets = LambdaReturn.targets(for: batch, bootstrap: bootstrap, entropy: entropy, gamma: gamma, lambda: lambda)
        let y = g.constant(targets, Shape(T * B, 1))
        let (weights, weightSum) = LambdaReturn.hystereticWeights(predictions: qTot.storage, targets: targets, mask: batch.mask,
                                                                  hysteresis: hysteresis)
        let loss = 0.5 * ((qTot - y).square() * g.constant(weights, Shape(T * B, 1))).sum() / Swift.max(weightSum, 1e-6)
        g.backward(loss)
        let norm = online.clipGradientNorm(maxNorm: gradClip)
        optimizer.step()

        networks.updateTargets(target, from: online, episodes: episodes)
        return [("loss", Double(loss.scalar)), ("grad_norm", Double(norm)),
                ("q_taken_mean", Double((qTot * b.mask).sum().scalar / b.maskSum)),
                ("lambda_mean", Double(lambdas.mean().scalar)), ("q_gap_mean", Self.meanActionGap(q.storage, count: q.count, actions: A))]
    }
}

extension FSV: RecurrentValueState {}
