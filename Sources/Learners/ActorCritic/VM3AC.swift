import Common
import Foundation
import Tensors

/// VM3-AC, variational maximum mutual-information multi-agent actor-critic (Kim, Jung, Cho & Sung,
/// AAMAS 2023; docs/learners.md §7). A latent z ~ N(0, I), common to all agents of a step, enters every
/// policy, so simultaneous actions are correlated; the mutual information between them is
/// rewarded through the variational bound with q(aʲ | aⁱ, oⁱ, oʲ) = N(μ_ξⁱ(aⁱ, oⁱ, oʲ, j), σ²I).
/// With β the temperature, per agent i and a fresh z and joint action a ~ π(·|o, z) per sample:
///
///   eq. 16–17  L_V(ψⁱ) = ½ (Vⁱ(x) − V̂ⁱ)²,  V̂ⁱ = min_k Qⁱ_k(x, a) − β log πⁱ(aⁱ|oⁱ, z)
///                                                + (β/N) Σ_{j≠i} log q⁽ⁱʲ⁾(aⁱ, aʲ)      (no gradient)
///              log q⁽ⁱʲ⁾(aⁱ, aʲ) = log q_ξⁱ(aʲ | aⁱ, oⁱ, oʲ) + log q_ξʲ(aⁱ | aʲ, oʲ, oⁱ)
///   eq. 18–19  L_Q(θⁱᵏ) = ½ (Qⁱ_k(x, a_t) − (R + γⁿ(1 − term) V̄ⁱ(x′)))²,  V̄ⁱ the EMA value network
///   eq. 20–21  L(φⁱ, ξⁱ) = −Qⁱ₁(x, a) + β log πⁱ(aⁱ|oⁱ, z) − (β/N) Σ_{j≠i} log q_ξⁱ(aʲ | aⁱ, oⁱ, oʲ)
///              (only term (b) of eq. 21 carries gradient; the others' actions are detached by default)
/// Execution uses z = 0 (the prior's mean) and the deterministic action tanh(μ). Continuous only.
/// Appendix E (latent size, σ, rates, sizes) is not available: those defaults are SAC's, marked [U].
public final class VM3AC: TransitionLearner {
    public static let name = "vm3-ac"
    public static let summary = "VM3-AC: max-entropy actor-critic with a shared latent and a variational mutual-information bonus"

    public static let settings: [SettingSpec] = ActorCriticSettings.specs + [
        SettingSpec("beta", .number(0.1), "temperature β (the paper's sweep: 0, 0.05, 0.1, 0.15)", range: .nonNegative),
        SettingSpec("latent_size", .integer(4), "dimension of the shared latent z [U: App. E not available]", range: .count),
        SettingSpec("q_sigma", .number(0.5), "fixed σ of the variational q [U: App. E not available]", range: .positive),
        SettingSpec("test_latent", .text("zero"), "z at test time: zero (the paper) or sampled", choices: ["zero", "sampled"]),
        SettingSpec("detach_others", .flag(true), "no gradient into the other agents' actions in agent i's loss (§7.3 recommendation)"),
    ]

    let layout: EpisodeLayout
    let actors: StochasticActors
    let predictors: [MLP]
    let values: [MLP], targetValues: [MLP]
    let qs: [(MLP, MLP)]
    let valueParameters: ParameterSet, targetValueParameters: ParameterSet, qParameters: ParameterSet, policyParameters: ParameterSet
    let valueOptimizer: Adam, qOptimizer: Adam, policyOptimizer: Adam
    let graph = Graph(), actingGraph = Graph()
    var rng: RandomSource
    let beta: Float, sigma: Float, tau: Float, latent: Int, sampledTestLatent: Bool, detachOthers: Bool

    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64) {
        precondition(layout.isContinuous, "VM3-AC acts in continuous action spaces")
        self.layout = layout
        var rng = RandomSource(seed: seed)
        let N = layout.agents, O = layout.observationSize, D = layout.actionDimensions, S = layout.stateSize
        let hidden = ActorCriticSettings.hidden(settings)
        latent = settings.int("latent_size")
        actors = StochasticActors("policy", layout: layout.widening(observationsBy: latent), hidden: hidden,
                                  sharing: ParameterSharing.from(settings, automatic: .none), rng: &rng)
        // q_ξⁱ reads the other agent's observation padded to the widest and predicts the widest action (heterogeneous teams).
        predictors = (0..<N).map { MLP("predictor\($0)", sizes: [layout.actionWidth(of: $0) + layout.observationSizes[$0] + O + N] + hidden + [D],
                                       rng: &rng) }
        let norm = settings.bool("critic_layer_norm")
        values = (0..<N).map { MLP("value\($0)", sizes: [S] + hidden + [1], layerNorm: norm, rng: &rng) }
        targetValues = (0..<N).map { MLP("target_value\($0)", sizes: [S] + hidden + [1], layerNorm: norm, rng: &rng) }
        let joint = layout.jointActionWidth
        qs = (0..<N).map { (MLP("q\($0).1", sizes: [S + joint] + hidden + [1], layerNorm: norm, rng: &rng),
                            MLP("q\($0).2", sizes: [S + joint] + hidden + [1], layerNorm: norm, rng: &rng)) }
        valueParameters = ParameterSet(values.flatMap(\.parameters))
        targetValueParameters = ParameterSet(targetValues.flatMap(\.parameters))
        targetValueParameters.copy(from: valueParameters)
        targetValueParameters.setRequiresGrad(false)
        qParameters = ParameterSet(qs.flatMap { $0.0.parameters + $0.1.parameters })
        policyParameters = ParameterSet(actors.parameters + predictors.flatMap(\.parameters))
        let criticRate = Float(settings.double("critic_lr"))
        valueOptimizer = Adam(valueParameters, learningRate: criticRate)
        qOptimizer = Adam(qParameters, learningRate: criticRate)
        policyOptimizer = Adam(policyParameters, learningRate: Float(settings.double("actor_lr")))
        self.rng = rng
        beta = Float(settings.double("beta"))
        sigma = Float(settings.double("q_sigma"))
        tau = Float(settings.double("polyak"))
        sampledTestLatent = settings.string("test_latent") == "sampled"
        detachOthers = settings.bool("detach_others")
    }

    public var parameters: ParameterSet { policyParameters + valueParameters + targetValueParameters + qParameters }

    public func schedules(at step: Int) -> [(String, Double)] { [("beta", Double(beta))] }

    /// z ~ N(0, I) per row ([rows, latent]), or zeros.
    func latents(_ rows: Int, zero: Bool, graph g: Graph) -> Tensor {
        zero ? g.zeros(Shape(rows, latent)) : g.constant(Shape(rows, latent)) { out in for k in 0..<out.count { out[k] = rng.normal() } }
    }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> JointActions {
        let N = layout.agents, O = layout.observationSize, D = layout.actionDimensions, E = observations.count / (N * O)
        let g = actingGraph
        g.reset()
        var joint = JointActions(continuous: Array(repeating: 0, count: E * N * D))
        g.withoutGradients {
            let z = latents(E, zero: mode == .greedy && !sampledTestLatent, graph: g)     // one z per step, shared by the agents
            for i in 0..<N {
                let own = AgentColumns.observations(observations, agent: i, layout: layout, graph: g)
                let input = concat([own, z], axis: -1)
                let action = mode == .greedy ? actors.deterministic(i, observations: input, available: nil)
                                             : actors.sample(i, observations: input, available: nil, rng: &rng).action
                let Di = layout.actionWidth(of: i)
                for e in 0..<E { for d in 0..<Di { joint.continuous[(e * N + i) * D + d] = action.storage[e * Di + d] } }
            }
        }
        return joint
    }

    /// log q_ξⁱ(aʲ | aⁱ, oⁱ, oʲ) per row [B, 1] (Gaussian with fixed σ over agent j's own Dⱼ dimensions).
    func logPrediction(_ i: Int, _ j: Int, own: Tensor, other: Tensor, observations o: [Tensor]) -> Tensor {
        let g = own.graph, B = own.shape[0], N = layout.agents, Dj = layout.actionWidth(of: j), D = Float(Dj)
        let id = g.constant(Shape(B, N)) { out in for b in 0..<B { for k in 0..<N { out[b * N + k] = k == j ? 1 : 0 } } }
        let wide = predictors[i](concat([own, o[i], AgentColumns.padded(o[j], to: layout.observationSize), id], axis: -1))
        let mean = Dj == layout.actionDimensions ? wide : wide.sliced(axis: -1, 0..<Dj)
        let constant = 0.5 * D * Float(Foundation.log(2 * Double.pi * Double(sigma * sigma)))
        return (other - mean).square().sum(axis: -1, keepDims: true) * (-0.5 / (sigma * sigma)) - constant
    }

    /// Fresh joint samples a ~ π(·|o, z) with one z per row: actions and log-probabilities per agent.
    func sampleJoint(_ o: [Tensor]) -> (actions: [Tensor], logProbabilities: [Tensor]) {
        let z = latents(o[0].shape[0], zero: false, graph: o[0].graph)
        var actions: [Tensor] = [], logs: [Tensor] = []
        for i in 0..<layout.agents {
            let (a, logPi) = actors.sample(i, observations: concat([o[i], z], axis: -1), available: nil, rng: &rng)
            actions.append(a)
            logs.append(logPi)
        }
        return (actions, logs)
    }

    public func train(_ batch: TransitionBatch, step: Int) -> [(String, Double)] {
        let g = graph, N = layout.agents, B = batch.size, S = layout.stateSize
        g.reset()
        let x = g.constant(batch.states, Shape(B, S))
        func observations(_ data: [Float]) -> [Tensor] {
            (0..<N).map { AgentColumns.observations(data, agent: $0, layout: layout, graph: g) }
        }
        let o = observations(batch.observations)

        // eq. 18–19 and 16–17: critic targets without gradient.
        var qTargets: [Tensor] = [], valueTargets: [Tensor] = []
        g.withoutGradients {
            let next = g.constant(batch.nextStates, Shape(B, S))
            let reward = g.constant(batch.rewards, Shape(B, 1)), discount = g.constant(batch.discounts, Shape(B, 1))
            qTargets = (0..<N).map { reward + discount * targetValues[$0](next) }
            let (a, logPi) = sampleJoint(o)
            let joint = concat([x] + a, axis: -1)
            valueTargets = (0..<N).map { i in
                var target = minimum(qs[i].0(joint), qs[i].1(joint)) - logPi[i] * beta
                for j in 0..<N where j != i {
                    let pair = logPrediction(i, j, own: a[i], other: a[j], observations: o) + logPrediction(j, i, own: a[j], other: a[i], observations: o)
                    target = target + pair * (beta / Float(N))
                }
                return target
            }
        }
        qOptimizer.zeroGrad()
        valueOptimizer.zeroGrad()
        let taken = concat([x, AgentColumns.jointActions(batch.actions, layout: layout, graph: g)], axis: -1)
        var qLoss: Tensor?, valueLoss: Tensor?
        for i in 0..<N {
            let q = 0.5 * ((qs[i].0(taken) - qTargets[i]).square().mean() + (qs[i].1(taken) - qTargets[i]).square().mean())
            let v = 0.5 * (values[i](x) - valueTargets[i]).square().mean()
            qLoss = qLoss.map { $0 + q } ?? q
            valueLoss = valueLoss.map { $0 + v } ?? v
        }
        g.backward(qLoss! + valueLoss!)
        qOptimizer.step()
        valueOptimizer.step()

        // eq. 20–21: policies and predictors, critics frozen.
        g.reset()
        qParameters.setRequiresGrad(false)
        defer { qParameters.setRequiresGrad(true) }
        policyOptimizer.zeroGrad()
        let x2 = g.constant(batch.states, Shape(B, S)), o2 = observations(batch.observations)
        let (a, logPi) = sampleJoint(o2)
        var policyLoss: Tensor?, predictionError: Float = 0
        for i in 0..<N {
            let seen = (0..<N).map { j in j == i || !detachOthers ? a[j] : a[j].detached() }
            var loss = logPi[i] * beta - qs[i].0(concat([x2] + seen, axis: -1))
            for j in 0..<N where j != i {
                let logQ = logPrediction(i, j, own: a[i], other: seen[j], observations: o2)
                loss = loss - logQ * (beta / Float(N))
                predictionError += g.withoutGradients { logQ.mean().scalar }
            }
            policyLoss = policyLoss.map { $0 + loss.mean() } ?? loss.mean()
        }
        g.backward(policyLoss!)
        policyOptimizer.step()
        targetValueParameters.polyak(from: valueParameters, tau: tau)
        return [("loss_q", Double(qLoss!.scalar)), ("loss_v", Double(valueLoss!.scalar)), ("loss_policy", Double(policyLoss!.scalar)),
                ("log_q_mean", Double(predictionError / Float(max(N * (N - 1), 1))))]
    }
}

extension VM3AC: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("policy", policyParameters)
        try archive.parameters("value", valueParameters)
        try archive.parameters("target_value", targetValueParameters)
        try archive.parameters("q", qParameters)
        try archive.part("value_optimizer", valueOptimizer)
        try archive.part("q_optimizer", qOptimizer)
        try archive.part("policy_optimizer", policyOptimizer)
        try archive.value("rng", &rng)
    }
}
