import Common
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

    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64, sharing: ParameterSharing) {
        self.layout = layout
        var rng = RandomSource(seed: seed)
        let hidden = ActorCriticSettings.hidden(settings)
        actors = StochasticActors("actor", layout: layout, hidden: hidden, sharing: sharing, rng: &rng)
        let pool = UpdateThreads.pool(settings, parts: Swift.max(2, layout.agents))
        critic = TwinCritic("critic", inputs: layout.stateSize + layout.jointActionWidth, hidden: hidden,
                            layerNorm: settings.bool("critic_layer_norm"), learningRate: settings.double("critic_lr"), pool: pool, rng: &rng)
        self.pool = pool
        samplingTapes = (0..<layout.agents).map { _ in Graph() }
        let actorRate = Float(settings.double("actor_lr")), made = actors
        actorOptimizers = (0..<actors.networkCount).map { Adam(ParameterSet(made.networkParameters($0)), learningRate: actorRate) }
        self.rng = rng
        gamma = Float(settings.double("gamma"))
        tau = Float(settings.double("polyak"))
        gradClip = Float(settings.double("grad_clip"))
    }

    /// Sampled (exploring) or deterministic (test) actions for one step.
    public func act(observations: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>, mode: ActingMode) -> JointActions {
        actors.act(observations: observations, available: available, mode: mode, graph: actingGraph, rng: &rng)
    }

    /// The critic step (HASAC eq. in §4.3): y = R⁽ⁿ⁾ + γⁿ(1 − term)[min_k Q̄_k(s′, a′) − α_c Σ_i log πⁱ(a′ⁱ|o′ⁱ)],
    /// a′ⁱ ~ current πⁱ, no gradient; both critics regress to y. Returns (loss, mean Q).
    public func updateCritic(_ batch: TransitionBatch, jointAlpha: Float) -> (loss: Float, meanQ: Float) {
        let g = graph, B = batch.size
        g.reset()
        let y: Tensor = g.withoutGradients {
            let next = samples(batch.nextObservations, batch.nextAvailable)
            let logSum = next.dropFirst().reduce(next[0].logProbability) { $0 + $1.logProbability }
            let bootstrap = critic.targetMinimum(concat([g.constant(batch.nextStates, Shape(B, layout.stateSize))] + next.map(\.action), axis: -1))
                - logSum * jointAlpha
            return g.constant(batch.rewards, Shape(B, 1)) + g.constant(batch.discounts, Shape(B, 1)) * bootstrap
        }
        let inputs = concat([g.constant(batch.states, Shape(B, layout.stateSize)),
                             AgentColumns.jointActions(batch.actions, layout: layout, graph: g)], axis: -1)
        return critic.update(inputs, targets: y, gradClip: gradClip)
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
    /// Returns the loss and the mean log π of the sample (for the temperatures).
    public func updateActor(_ i: Int, _ batch: TransitionBatch, others: [[Float]], alpha: Float) -> (loss: Float, meanLogProbability: Float) {
        let g = graph, B = batch.size
        g.reset()
        let optimizer = actorOptimizers[actors.network(of: i)]
        optimizer.zeroGrad()
        critic.setTrainable(false)
        defer { critic.setTrainable(true) }
        let (action, logPi) = actors.sample(i, observations: AgentColumns.observations(batch.observations, agent: i, layout: layout, graph: g),
                                            available: availability(batch.available, i), rng: &rng)
        var parts = [g.constant(batch.states, Shape(B, layout.stateSize))]
        for j in 0..<layout.agents { parts.append(j == i ? action : g.constant(others[j], Shape(B, layout.actionWidth(of: j)))) }
        let loss = (logPi * alpha - critic.minimum(concat(parts, axis: -1))).mean()
        g.backward(loss)
        if gradClip > 0 { _ = optimizer.parameters.clipGradientNorm(maxNorm: gradClip) }
        optimizer.step()
        return (loss.scalar, logPi.mean().scalar)
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
