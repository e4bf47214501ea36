import Common
import Foundation
import Tensors

/// What HASAC and MASAC share (docs/learners.md §3A, §4): per-agent stochastic actors with their own
/// Adam optimizers, one centralized twin soft-Q critic trained with the soft Bellman backup of the
/// joint entropy, and the per-sample pieces of the actor step. The two learners differ only in how
/// the other agents' actions are chosen while one actor is improved.
public final class CentralizedSoftActorCritic {
    public let layout: EpisodeLayout
    public let actors: StochasticActors
    public let critic: TwinCritic
    let actorOptimizers: [Adam]
    let graph = Graph()
    let actingGraph = Graph()
    /// The update's threads (the `threads` setting) and the tapes of the agents' samples.
    let pool: WorkerPool?
    let samplingTapes: [Graph]
    var rng: RandomSource
    let gamma: Float, tau: Float, gradClip: Float
    /// HARL's options (docs/learners.md §4.8): Huber δ of the critic loss (0: squared error), the
    /// targets' normaliser, whether single-choice samples leave the actor loss, and κ when the
    /// discrete target entropy follows each sample's available actions.
    let huberDelta: Float
    let valueNormalizer: ValueNormalizer?
    let activeMasks: Bool
    let availableTargetScale: Double?
    /// HARL's "FP" critic state: one critic row per agent and sample (`critic_state=agent`).
    let agentStates: Bool

    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64, sharing: ParameterSharing) {
        self.layout = layout
        var rng = RandomSource(seed: seed)
        let hidden = ActorCriticSettings.hidden(settings)
        actors = StochasticActors("actor", layout: layout, hidden: hidden, sharing: sharing, orthogonal: settings.string("actor_init") == "orthogonal",
                                  inputNorm: settings.bool("feature_norm"), rng: &rng)
        let pool = UpdateThreads.pool(settings, parts: Swift.max(2, layout.agents))
        let agentStates = settings.string("critic_state") == "agent"
        self.agentStates = agentStates
        let stateWidth = layout.stateSize + (agentStates ? layout.observationSize + layout.agents : 0)
        critic = TwinCritic("critic", inputs: stateWidth + layout.jointActionWidth, hidden: hidden,
                            layerNorm: settings.bool("critic_layer_norm"), learningRate: settings.double("critic_lr"), pool: pool, rng: &rng)
        self.pool = pool
        samplingTapes = (0..<layout.agents).map { _ in Graph() }
        let actorRate = Float(settings.double("actor_lr")), made = actors
        actorOptimizers = (0..<actors.networkCount).map { Adam(ParameterSet(made.networkParameters($0)), learningRate: actorRate) }
        self.rng = rng
        gamma = Float(settings.double("gamma"))
        tau = Float(settings.double("polyak"))
        gradClip = Float(settings.double("grad_clip"))
        huberDelta = settings.string("critic_loss") == "huber" ? Float(settings.double("huber_delta")) : 0
        valueNormalizer = settings.bool("value_norm") ? ValueNormalizer() : nil
        activeMasks = settings.bool("policy_active_masks")
        availableTargetScale = settings.string("discrete_target_entropy") == "available" ? settings.double("target_entropy_scale") : nil
    }

    /// Sampled (exploring) or deterministic (test) actions for one step.
    public func act(observations: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>, mode: ActingMode) -> JointActions {
        actors.act(observations: observations, available: available, mode: mode, graph: actingGraph, rng: &rng)
    }

    /// The critic step (HASAC eq. in §4.3): y = R⁽ⁿ⁾ + γⁿ(1 − term)[min_k Q̄_k(s′, a′) − α_c Σ_i log πⁱ(a′ⁱ|o′ⁱ)],
    /// a′ⁱ ~ current πⁱ, no gradient; both critics regress to y (with `value_norm`: to y normalised,
    /// reading Q̄ back as σ·Q̄ + μ). Returns (loss, mean Q in the rewards' units).
    public func updateCritic(_ batch: TransitionBatch, jointAlpha: Float) -> (loss: Float, meanQ: Float) {
        let g = graph, B = batch.size
        g.reset()
        let y: Tensor = g.withoutGradients {
            let next = samples(batch.nextObservations, batch.nextAvailable)
            let logSum = next.dropFirst().reduce(next[0].logProbability) { $0 + $1.logProbability }
            var nextQ = critic.targetMinimum(criticInputs(B, batch.nextStates, batch.nextObservations, actions: next.map(\.action)))
            if let valueNormalizer { nextQ = valueNormalizer.denormalize(nextQ) }
            let bootstrap = nextQ - perAgentRows(logSum) * jointAlpha
            let y = perAgentRows(g.constant(batch.rewards, Shape(B, 1))) + perAgentRows(g.constant(batch.discounts, Shape(B, 1))) * bootstrap
            guard let valueNormalizer else { return y }
            valueNormalizer.update(y)
            return valueNormalizer.normalize(y)
        }
        let inputs = criticInputs(B, batch.states, batch.observations, actions: [AgentColumns.jointActions(batch.actions, layout: layout, graph: g)])
        let (loss, meanQ) = critic.update(inputs, targets: y, gradClip: gradClip, huberDelta: huberDelta)
        guard let valueNormalizer else { return (loss, meanQ) }
        return (loss, meanQ * valueNormalizer.std + valueNormalizer.mean)
    }

    /// Fresh actions of every agent from its current policy, without gradient ([B][Wᵢ] each).
    public func sampleActions(_ batch: TransitionBatch) -> [[Float]] {
        let g = graph
        g.reset()
        return g.withoutGradients { samples(batch.observations, batch.available).map(\.action.array) }
    }

    /// A sample of every agent's current policy for rows of observations (and availability), without
    /// gradient; the agents' actors run side by side.
    private func samples(_ observations: [Float], _ available: [Float]) -> [(action: Tensor, logProbability: Tensor)] {
        let g = graph, N = layout.agents
        return actors.sampleEvery(observations: (0..<N).map { AgentColumns.observations(observations, agent: $0, layout: layout, graph: g) },
                                  available: (0..<N).map { availability(available, $0) }, rng: &rng, tapes: samplingTapes, pool: pool)
    }

    /// One actor step for agent i (HASAC §4.3 step 3a–d): L(θᵢ) = mean_b[αᵢ log πⁱ(ãⁱ) − min_k Q_k(s, a)]
    /// where a puts the reparameterised ãⁱ among the given actions of the others. The critic is frozen.
    /// With `policy_active_masks` the means run over the samples where agent i has a choice (HARL's
    /// active masks; for a dead unit, whose only action is the no-op). Returns the loss, the mean log π
    /// of the sample and the target entropy it is held to (for the temperatures), or nil for both when
    /// no sample had a choice.
    public func updateActor(_ i: Int, _ batch: TransitionBatch, others: [[Float]], alpha: Float) -> ActorStep {
        let g = graph, B = batch.size
        g.reset()
        let optimizer = actorOptimizers[actors.network(of: i)]
        optimizer.zeroGrad()
        critic.setTrainable(false)
        defer { critic.setTrainable(true) }
        let mask = availability(batch.available, i)
        let (action, logPi) = actors.sample(i, observations: AgentColumns.observations(batch.observations, agent: i, layout: layout, graph: g),
                                            available: mask, rng: &rng)
        let actions = (0..<layout.agents).map { j in j == i ? action : g.constant(others[j], Shape(B, layout.actionWidth(of: j))) }
        // Counted only when an option reads them (no work or allocation on the default path).
        let choices = activeMasks || availableTargetScale != nil ? mask.map(Self.choiceCounts) : nil
        let weights = activeMasks ? choices.map { counts in g.constant(Shape(B, 1)) { w in for b in 0..<B { w[b] = counts[b] > 1 ? 1 : 0 } } } : nil
        let active = weights.map { w in (0..<B).reduce(Float(0)) { $0 + w.storage[$1] } } ?? Float(B)
        guard active > 0 else { return ActorStep(loss: 0, meanLogProbability: nil, targetEntropy: nil) }
        // The entropy term is recorded before the critic: backward then adds the two paths' gradients
        // in the order the learner always has (so runs without these options stay byte-identical).
        let entropyTerm = logPi * alpha
        var q = critic.minimum(criticInputs(B, batch.states, batch.observations, actions: actions))
        if agentStates { q = q.reshaped(Shape(layout.agents, B, 1)).mean(axis: 0) }                  // the agents' rows averaged
        if let valueNormalizer { q = valueNormalizer.denormalize(q) }
        let loss = weights.map { w in ((entropyTerm - q) * w).sum() / active } ?? (entropyTerm - q).mean()
        g.backward(loss)
        if gradClip > 0 { _ = optimizer.parameters.clipGradientNorm(maxNorm: gradClip) }
        optimizer.step()
        let meanLogPi = weights.map { w in (logPi * w).sum().scalar / active } ?? logPi.mean().scalar
        var target: Double?
        if let kappa = availableTargetScale, let choices {
            var sum = 0.0
            for b in 0..<B where weights == nil || choices[b] > 1 { sum += Foundation.log(Double(choices[b])) }
            target = kappa * sum / Double(active)
        }
        return ActorStep(loss: loss.scalar, meanLogProbability: meanLogPi, targetEntropy: target)
    }

    /// One actor step's loss, its sample's mean log π (nil when no sample had a choice) and the target
    /// entropy of that sample when it depends on the available actions (nil: the temperature's own).
    public struct ActorStep {
        public let loss: Float
        public let meanLogProbability: Float?
        public let targetEntropy: Double?
    }

    /// The critics' input for B states [B·S], observations [B·N·O] and the agents' action columns: [B, S + ΣWᵢ],
    /// or with `critic_state=agent` one row per agent i and sample, [N·B, S + O + N + ΣWᵢ]: the state, agent
    /// i's observation (padded to O) and its one-hot id, then the joint action (HARL's "FP" state).
    private func criticInputs(_ B: Int, _ states: [Float], _ observations: [Float], actions: [Tensor]) -> Tensor {
        let g = graph, N = layout.agents, O = layout.observationSize
        let state = g.constant(states, Shape(B, layout.stateSize))
        guard agentStates else { return concat([state] + actions, axis: -1) }
        return concat((0..<N).map { i in
            let id = g.constant(Shape(B, N)) { p in for b in 0..<B { for j in 0..<N { p[b * N + j] = j == i ? 1 : 0 } } }
            return concat([state, AgentColumns.of(observations, agent: i, agents: N, stride: O, width: O, graph: g), id] + actions, axis: -1)
        }, axis: 0)
    }

    /// Per-sample values [B, 1] repeated for the critics' rows: N times with agent states, else as they are.
    private func perAgentRows(_ x: Tensor) -> Tensor {
        agentStates ? concat(Array(repeating: x, count: layout.agents), axis: 0) : x
    }

    /// The number of available actions in each row of a mask [B, A].
    private static func choiceCounts(_ mask: Tensor) -> [Int] {
        let A = mask.shape[1], p = mask.storage
        return (0..<(mask.count / A)).map { b in (0..<A).reduce(0) { $0 + (p[b * A + $1] != 0 ? 1 : 0) } }
    }

    /// A fresh sample of agent i's (possibly just updated) policy, without gradient.
    public func resample(_ i: Int, _ batch: TransitionBatch) -> [Float] {
        let g = graph
        g.reset()
        return g.withoutGradients {
            actors.sample(i, observations: AgentColumns.observations(batch.observations, agent: i, layout: layout, graph: g),
                          available: availability(batch.available, i), rng: &rng).action.array
        }
    }

    /// Agent i's buffer actions ([B][Wᵢ]) — MASAC's replay-buffer option.
    public func bufferActions(_ batch: TransitionBatch, _ i: Int) -> [Float] {
        AgentColumns.values(batch.actions, agent: i, agents: layout.agents, stride: layout.actionWidth, width: layout.actionWidth(of: i))
    }

    /// Polyak update of the target critics.
    public func updateTargets() { critic.updateTargets(tau: tau) }

    /// Agent i's availability [B, Aᵢ] (nil for a continuous agent); a row with nothing available (a
    /// final slot) counts as all available, so that its masked softmax stays finite (its bootstrap is
    /// discounted to 0 anyway).
    private func availability(_ data: [Float], _ i: Int) -> Tensor? {
        guard let mask = data.withUnsafeBufferPointer({ actors.availability($0, agent: i, graph: graph) }) else { return nil }
        let A = mask.shape[1], p = mask.storage
        for b in 0..<(mask.count / A) where !(0..<A).contains(where: { p[b * A + $0] != 0 }) {
            for a in 0..<A { p[b * A + a] = 1 }
        }
        return mask
    }
}

extension CentralizedSoftActorCritic: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("actors", ParameterSet(actors.parameters))
        try archive.parts("actor_optimizer", actorOptimizers)
        try archive.part("critic", critic)
        if let valueNormalizer { try archive.part("value_normalizer", valueNormalizer) }
        try archive.value("rng", &rng)
    }
}
