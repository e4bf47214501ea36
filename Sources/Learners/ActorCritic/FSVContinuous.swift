import Common
import Tensors

/// FSV for continuous actions (factorised soft value function; docs/learners.md §8; paper §3.3, §7.2,
/// Table 8). Each agent has a soft critic Q_i(o_i, u_i), a state value V_i(o_i) and a tanh-squashed
/// Gaussian actor π_i(u_i|o_i); all agents share one temperature α (α_i = α, §7.2). The joint soft
/// Q factorises linearly with joint-action-dependent credit weights:
///
///   eq. 7    Q_tot(s, u) = Σ_i λ_i(s, u) (Q_i − V_i) + V_tot(s)
///   eq. 13   V_tot(s) = Σ_i w_i(s) V_i + b(s),  w_i = |hypernet(s)| ≥ 0 (one hidden layer of 64)
///   eq. 14–15 λ_i = Σ_h λ_{i,h}(s, u), attention softmax over agents (or FOP's product form, `lambda_form=fop`)
///   eq. 33   evaluated as Σ_i λ_i sg(Q_i − V_i) + V_tot(sg V) − Σ_i sg(Q_i) + Σ_i Q_i: the same value as
///            eq. 7, but Q_i get VDN-like unit gradients, λ, w and b learn (`vtot_gradient=literal` stops w, b too)
///   eq. 16   J_Q = E[(Q_tot(s, u) − y)²],  y = r + γ (Q̄_tot(s', ũ') − α Σ_i log π_i(ũ'_i|o'_i)),  ũ' ~ π,
///            Q̄_tot from the target Q̄_i, V̄_i, λ̄, w̄, b̄ (Polyak, after every step)
///   eq. 17   J_V = E[(V_i(o_i) − sg(Q_i(o_i, ũ_i) − α log π_i(ũ_i|o_i)))²],  ũ_i ~ π_i
///   eq. 18   J_π = E[α log π_i(ũ_i|o_i) − Q_i(o_i, ũ_i)],  reparameterised ũ_i, Q_i frozen
///   eq. 34   J_α = E[−α log π_i(ũ_i) − α H̄],  H̄ = −dim U per agent (not given in the paper)
///
/// Not in the paper: `td_hysteresis` < 1 makes J_Q lenient (errors where Q_tot is above y count less).
///
/// Behaviour samples from π_i; tests act with tanh(μ_i).
public final class FSVContinuous: TransitionLearner {
    public static let name = "fsv"
    public static let summary = "FSV (continuous): per-agent soft Q_i, V_i and Gaussian actors, linear soft value factorization"

    /// Table 8's continuous column (2 × 64 networks, lr 3e−4); one-step targets as eq. 16; SAC's batch of 256 [U].
    static let paperDefaults: [String: SettingValue] = [
        "hidden": .integer(64), "actor_lr": .number(3e-4), "critic_lr": .number(3e-4), "n_step": .integer(1), "batch_size": .integer(256),
    ]

    /// SAC's starting temperature 0.2, not the other soft actor-critics' 0.01: started that low, FSV's
    /// learned α climbed back late in training and the team came apart (measured: scripts/bench/defaults).
    public static let settings: [SettingSpec] = ActorCriticSettings.specs.withDefaults(paperDefaults)
        + ActorCriticSettings.temperatureSpecs.withDefaults(["alpha": .number(0.2)]) + [
        SettingSpec("lambda_form", .text("attention"), "attention (the paper's eq. 15, softmax over agents) or fop (FOP's product form)",
                    choices: ["attention", "fop"]),
        SettingSpec("attention_heads", .integer(4), "heads H of the credit weights", range: .count),
        SettingSpec("attention_embed", .integer(64), "units of the state and action embeddings", range: .count),
        SettingSpec("vtot_hidden", .integer(64), "hidden units of the hypernetworks w(s), b(s) of V_tot", range: .count),
        SettingSpec("vtot_gradient", .text("trainable"), "trainable (w, b learn; V_i stopped) or literal (eq. 33 as printed: no gradient)",
                    choices: ["trainable", "literal"]),
        SettingSpec("td_hysteresis", .number(1), "weight of TD errors where Q_tot is above its target: 1 is the paper; < 1 is lenient (hysteretic) TD, our addition against relative overgeneralization", range: .unit),
    ]

    let layout: EpisodeLayout
    let actors: StochasticActors
    let agentQ: AgentNetworks, agentV: AgentNetworks
    let credit: CreditWeights, targetCredit: CreditWeights
    let valueWeights: MLP, valueBias: MLP, targetValueWeights: MLP, targetValueBias: MLP
    let mixing: ParameterSet, targetMixing: ParameterSet
    let criticOptimizer: Adam, valueOptimizer: Adam, actorOptimizer: Adam
    let temperature: Temperature
    let graph = Graph(), actingGraph = Graph()
    var rng: RandomSource
    let tau: Float, gradClip: Float
    let literalVtot: Bool
    let hysteresis: Float

    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64) {
        precondition(layout.isContinuous, "this FSV acts continuously; the discrete one is FSV")
        self.layout = layout
        var rng = RandomSource(seed: seed)
        let N = layout.agents, D = layout.actionDimensions, S = layout.stateSize
        let hidden = ActorCriticSettings.hidden(settings), vtotHidden = settings.int("vtot_hidden")
        actors = StochasticActors("actor", layout: layout, hidden: hidden, sharing: ParameterSharing.from(settings, automatic: .none), rng: &rng)
        let norm = settings.bool("critic_layer_norm")
        let observationSizes = layout.observationSizes, ones = Array(repeating: 1, count: N)
        agentQ = AgentNetworks("q", inputs: (0..<N).map { observationSizes[$0] + layout.actionWidth(of: $0) }, hidden: hidden, outputs: ones,
                               layerNorm: norm, rng: &rng)
        agentV = AgentNetworks("v", inputs: observationSizes, hidden: hidden, outputs: ones, layerNorm: norm, rng: &rng)
        func makeCredit(_ name: String) -> CreditWeights {
            CreditWeights(form: settings.string("lambda_form"), name, agents: N, actionFeatures: D, stateSize: S,
                          embed: settings.int("attention_embed"), heads: settings.int("attention_heads"), rng: &rng)
        }
        credit = makeCredit("lambda")
        targetCredit = makeCredit("target_lambda")
        valueWeights = MLP("vtot.w", sizes: [S, vtotHidden, N], rng: &rng)
        valueBias = MLP("vtot.b", sizes: [S, vtotHidden, 1], rng: &rng)
        targetValueWeights = MLP("target_vtot.w", sizes: [S, vtotHidden, N], rng: &rng)
        targetValueBias = MLP("target_vtot.b", sizes: [S, vtotHidden, 1], rng: &rng)
        mixing = ParameterSet(credit.parameters + valueWeights.parameters + valueBias.parameters)
        targetMixing = ParameterSet(targetCredit.parameters + targetValueWeights.parameters + targetValueBias.parameters)
        targetMixing.copy(from: mixing)
        targetMixing.setRequiresGrad(false)
        let criticRate = Float(settings.double("critic_lr"))
        criticOptimizer = Adam(agentQ.online + mixing, learningRate: criticRate)
        valueOptimizer = Adam(agentV.online, learningRate: criticRate)
        actorOptimizer = Adam(ParameterSet(actors.parameters), learningRate: Float(settings.double("actor_lr")))
        temperature = ActorCriticSettings.temperature("log_alpha", settings,
                                                      target: Temperature.meanTarget(ActorCriticSettings.targetEntropies(layout, settings)))
        self.rng = rng
        tau = Float(settings.double("polyak"))
        gradClip = Float(settings.double("grad_clip"))
        literalVtot = settings.string("vtot_gradient") == "literal"
        hysteresis = Float(settings.double("td_hysteresis"))
    }

    public var parameters: ParameterSet {
        ParameterSet(actors.parameters) + agentQ.parameters + agentV.parameters + mixing + targetMixing + ParameterSet([temperature.parameter])
    }

    public func schedules(at step: Int) -> [(String, Double)] { [("alpha", Double(temperature.value))] }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> JointActions {
        actors.act(observations: observations, available: available, mode: mode, graph: actingGraph, rng: &rng)
    }

    /// Eq. 7 with eq. 13: Σ_i λ_i · advantage_i + Σ_i |w_i(s)| V_i + b(s) for rows of N agents → [B, 1].
    private func mix(lambdas: Tensor, advantages: Tensor, values: Tensor, states: Tensor, weights: MLP, bias: MLP) -> Tensor {
        (lambdas * advantages).sum(axis: -1, keepDims: true) + (weights(states).abs() * values).sum(axis: -1, keepDims: true) + bias(states)
    }

    public func train(_ batch: TransitionBatch, step: Int) -> [(String, Double)] {
        let (criticLoss, meanQTot, meanLambda) = updateJointCritic(batch)
        let (valueLoss, actorLoss, meanLogPi) = updateValuesAndActors(batch)
        temperature.update(meanLogProbability: Double(meanLogPi))                              // eq. 34
        agentQ.updateTargets(tau: tau)
        agentV.updateTargets(tau: tau)
        targetMixing.polyak(from: mixing, tau: tau)
        return [("loss_q", Double(criticLoss)), ("loss_v", Double(valueLoss)), ("loss_actor", Double(actorLoss)),
                ("q_tot_mean", Double(meanQTot)), ("lambda_mean", Double(meanLambda)), ("entropy_estimate", Double(-meanLogPi))]
    }

    /// J_Q (eq. 16) through the eq. 33 form of Q_tot; one Adam step on Q_i, λ, w and b.
    /// Returns the loss, mean Q_tot and mean λ.
    private func updateJointCritic(_ batch: TransitionBatch) -> (loss: Float, meanQTot: Float, meanLambda: Float) {
        let g = graph, B = batch.size, N = layout.agents, D = layout.actionDimensions, S = layout.stateSize
        let alpha = temperature.value
        g.reset()
        criticOptimizer.zeroGrad()
        let y: Tensor = g.withoutGradients {
            var nextActions: [Tensor] = [], targetQ: [Tensor] = [], targetV: [Tensor] = [], logSum: Tensor?
            for i in 0..<N {
                let observations = AgentColumns.observations(batch.nextObservations, agent: i, layout: layout, graph: g)
                let (action, logPi) = actors.sample(i, observations: observations, available: nil, rng: &rng)
                nextActions.append(AgentColumns.padded(action, to: D))
                targetQ.append(agentQ.target(i, concat([observations, action], axis: -1)))
                targetV.append(agentV.target(i, observations))
                logSum = logSum.map { $0 + logPi } ?? logPi
            }
            let nextStates = g.constant(batch.nextStates, Shape(B, S)), values = concat(targetV, axis: -1)
            let qBar = mix(lambdas: targetCredit(nextStates, actionFeatures: AgentColumns.interleaved(nextActions)),
                           advantages: concat(targetQ, axis: -1) - values, values: values, states: nextStates,
                           weights: targetValueWeights, bias: targetValueBias)
            return g.constant(batch.rewards, Shape(B, 1)) + g.constant(batch.discounts, Shape(B, 1)) * (qBar - logSum! * alpha)
        }

        let states = g.constant(batch.states, Shape(B, S))
        let q = concat((0..<N).map { i in
            agentQ(i, concat([AgentColumns.observations(batch.observations, agent: i, layout: layout, graph: g), AgentColumns.actions(batch.actions, agent: i, layout: layout, graph: g)], axis: -1))
        }, axis: -1)                                                                                     // Q_i(o_i, u_i) [B, N]
        let values = g.withoutGradients {                                                                // V_i(o_i), stopped
            concat((0..<N).map { agentV($0, AgentColumns.observations(batch.observations, agent: $0, layout: layout, graph: g)) }, axis: -1)
        }
        let advantages = q.detached() - values
        let lambdas = credit(states, actionFeatures: g.constant(batch.actions, Shape(B * N, D)))
        var qTot: Tensor
        if literalVtot {
            let frozen = g.withoutGradients {
                mix(lambdas: g.zeros(Shape(B, N)), advantages: advantages, values: values, states: states, weights: valueWeights, bias: valueBias)
            }
            qTot = (lambdas * advantages).sum(axis: -1, keepDims: true) + frozen
        } else {
            qTot = mix(lambdas: lambdas, advantages: advantages, values: values, states: states, weights: valueWeights, bias: valueBias)
        }
        qTot = qTot - q.detached().sum(axis: -1, keepDims: true) + q.sum(axis: -1, keepDims: true)    // eq. 33
        // td_hysteresis < 1 (not in the paper) down-weights the errors where Q_tot overestimates its target.
        let (weights, weightSum) = LambdaReturn.hystereticWeights(predictions: qTot.storage, targets: y.array,
                                                                  mask: Array(repeating: 1, count: B),
                                                                  hysteresis: hysteresis)
        let loss = 0.5 * ((qTot - y).square() * g.constant(weights, Shape(B, 1))).sum() / Swift.max(weightSum, 1e-6)
        g.backward(loss)
        if gradClip > 0 { _ = criticOptimizer.parameters.clipGradientNorm(maxNorm: gradClip) }
        criticOptimizer.step()
        return (loss.scalar, qTot.mean().scalar, lambdas.mean().scalar)
    }

    /// J_V (eq. 17) and J_π (eq. 18) from one reparameterised sample ũ_i ~ π_i per agent: V_i regresses to
    /// sg(Q_i(ũ_i) − α log π_i(ũ_i)), the actor descends α log π_i(ũ_i) − Q_i(ũ_i) through the frozen Q_i.
    /// The two losses touch disjoint parameters, so one backward pass serves both optimizers.
    /// Returns J_V, J_π (means over agents) and the mean log π (for eq. 34).
    private func updateValuesAndActors(_ batch: TransitionBatch) -> (valueLoss: Float, actorLoss: Float, meanLogProbability: Float) {
        let g = graph, N = layout.agents
        let alpha = temperature.value
        g.reset()
        valueOptimizer.zeroGrad()
        actorOptimizer.zeroGrad()
        agentQ.setTrainable(false)
        defer { agentQ.setTrainable(true) }
        var valueLoss: Tensor?, actorLoss: Tensor?, logPiSum: Float = 0
        for i in 0..<N {
            let observations = AgentColumns.observations(batch.observations, agent: i, layout: layout, graph: g)
            let (action, logPi) = actors.sample(i, observations: observations, available: nil, rng: &rng)
            let q = agentQ(i, concat([observations, action], axis: -1))
            let softValue = (q - logPi * alpha).detached()
            let jV = 0.5 * (agentV(i, observations) - softValue).square().mean()
            let jPi = (logPi * alpha - q).mean()
            valueLoss = valueLoss.map { $0 + jV } ?? jV
            actorLoss = actorLoss.map { $0 + jPi } ?? jPi
            logPiSum += logPi.mean().scalar
        }
        g.backward(valueLoss! + actorLoss!)
        if gradClip > 0 {
            _ = valueOptimizer.parameters.clipGradientNorm(maxNorm: gradClip)
            _ = actorOptimizer.parameters.clipGradientNorm(maxNorm: gradClip)
        }
        valueOptimizer.step()
        actorOptimizer.step()
        let n = Float(N)
        return (valueLoss!.scalar / n, actorLoss!.scalar / n, logPiSum / n)
    }
}

extension FSVContinuous: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("actors", ParameterSet(actors.parameters))
        try archive.part("agent_q", agentQ)
        try archive.part("agent_v", agentV)
        try archive.parameters("mixing", mixing)
        try archive.parameters("target_mixing", targetMixing)
        try archive.part("critic_optimizer", criticOptimizer)
        try archive.part("value_optimizer", valueOptimizer)
        try archive.part("actor_optimizer", actorOptimizer)
        try archive.part("temperature", temperature)
        try archive.value("rng", &rng)
    }
}
