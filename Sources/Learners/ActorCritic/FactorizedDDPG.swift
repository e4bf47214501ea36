import Common
import Tensors

/// Value factorization with DDPG-style actors: the continuous QMIX and VDN baselines of the FSV
/// paper (§5.2, §7.2, Table 8: "we add an actor for individual agents to maximise the Q-values from
/// their own critic like DDPG"). Per training step:
///
///   critic   Q_tot = mixer([Q_i(o_i, u_i)]_i, s) (QMIX's monotonic hypernetwork mixer or VDN's sum),
///            L = ½ E[(Q_tot − y)²],  y = r + γ Q̄_tot(s', [Q̄_i(o'_i, μ̄_i(o'_i))]_i)  with target critics,
///            mixer and actors
///   actors   L(θ_i) = −E[Q_i(o_i, μ_i(o_i))] through the agent's own frozen critic
///   targets  Polyak on actors, critics and mixer
///
/// Behaviour: clip(μ_i(o_i) + σε, −1, 1) with ε ~ N(0, I); σ = `exploration_noise` in the policy's
/// [−1, 1] units is not given by the paper [U] (0.1, DDPG/TD3's common choice). Tests act with μ_i.
public final class FactorizedDDPG: TransitionLearner {
    /// Table 8's continuous column for the baselines (actor 2 × 64, lr 3e−4); the rest is not stated [U]:
    /// critics of the same size and rate, one-step targets, SAC's batch of 256.
    static let paperDefaults: [String: SettingValue] = [
        "hidden": .integer(64), "actor_lr": .number(3e-4), "critic_lr": .number(3e-4), "n_step": .integer(1), "batch_size": .integer(256),
    ]

    /// The settings both mixers share.
    public static let settings: [SettingSpec] = ActorCriticSettings.specs.withDefaults(paperDefaults) + [
        SettingSpec("exploration_noise", .number(0.1), "σ of the Gaussian behaviour noise, in the policy's [−1, 1] units (not in the paper)", range: .nonNegative),
    ]

    let layout: EpisodeLayout
    let actors: AgentNetworks, critics: AgentNetworks
    let mixer: ValueMixer, targetMixer: ValueMixer
    let mixing: ParameterSet, targetMixing: ParameterSet
    let criticOptimizer: Adam, actorOptimizer: Adam
    let graph = Graph(), actingGraph = Graph()
    var rng: RandomSource
    let tau: Float, gradClip: Float, noise: Float

    /// `makeMixer(name, rng)` builds the online and the target mixer.
    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64, makeMixer: (String, inout RandomSource) -> ValueMixer) {
        precondition(layout.isContinuous, "DDPG-style actors act continuously")
        self.layout = layout
        var rng = RandomSource(seed: seed)
        let N = layout.agents, O = layout.observationSizes, D = layout.actionSpaces.map(\.count)
        let hidden = ActorCriticSettings.hidden(settings)
        let sharing = ParameterSharing.from(settings, automatic: .none)
        actors = AgentNetworks("actor", inputs: O, hidden: hidden, outputs: D, groups: sharing == .groups ? layout.groups : nil, rng: &rng)
        critics = AgentNetworks("q", inputs: (0..<N).map { O[$0] + D[$0] }, hidden: hidden, outputs: Array(repeating: 1, count: N),
                                layerNorm: settings.bool("critic_layer_norm"), rng: &rng)
        mixer = makeMixer("mixer", &rng)
        targetMixer = makeMixer("target_mixer", &rng)
        mixing = ParameterSet(mixer.parameters)
        targetMixing = ParameterSet(targetMixer.parameters)
        targetMixing.copy(from: mixing)
        targetMixing.setRequiresGrad(false)
        criticOptimizer = Adam(critics.online + mixing, learningRate: Float(settings.double("critic_lr")))
        actorOptimizer = Adam(actors.online, learningRate: Float(settings.double("actor_lr")))
        self.rng = rng
        tau = Float(settings.double("polyak"))
        gradClip = Float(settings.double("grad_clip"))
        noise = Float(settings.double("exploration_noise"))
    }

    public var parameters: ParameterSet { actors.parameters + critics.parameters + mixing + targetMixing }

    public func schedules(at step: Int) -> [(String, Double)] { [] }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> JointActions {
        let g = actingGraph, N = layout.agents, O = layout.observationSize, D = layout.actionDimensions
        let E = observations.count / (N * O)
        g.reset()
        var joint = JointActions(continuous: Array(repeating: 0, count: E * N * D))
        g.withoutGradients {
            for i in 0..<N {
                let action = actors(i, AgentColumns.observations(observations, agent: i, layout: layout, graph: g)).tanh()
                let Di = layout.actionWidth(of: i)
                for e in 0..<E {
                    for d in 0..<Di {
                        var value = action.storage[e * Di + d]
                        if mode == .explore { value = Swift.min(Swift.max(value + noise * rng.normal(), -1), 1) }
                        joint.continuous[(e * N + i) * D + d] = value
                    }
                }
            }
        }
        return joint
    }

    public func train(_ batch: TransitionBatch, step: Int) -> [(String, Double)] {
        let (criticLoss, meanQTot) = updateCritics(batch)
        let actorLoss = updateActors(batch)
        actors.updateTargets(tau: tau)
        critics.updateTargets(tau: tau)
        targetMixing.polyak(from: mixing, tau: tau)
        return [("loss_critic", Double(criticLoss)), ("loss_actor", Double(actorLoss)), ("q_tot_mean", Double(meanQTot))]
    }

    /// The mixed TD step on the critics and the mixer. Returns the loss and mean Q_tot.
    private func updateCritics(_ batch: TransitionBatch) -> (loss: Float, meanQTot: Float) {
        let g = graph, B = batch.size, N = layout.agents, S = layout.stateSize
        g.reset()
        criticOptimizer.zeroGrad()
        let y: Tensor = g.withoutGradients {
            let targetQ = concat((0..<N).map { i in
                let observations = AgentColumns.observations(batch.nextObservations, agent: i, layout: layout, graph: g)
                return critics.target(i, concat([observations, actors.target(i, observations).tanh()], axis: -1))
            }, axis: -1)
            let bootstrap = targetMixer(targetQ, g.constant(batch.nextStates, Shape(B, S)))
            return g.constant(batch.rewards, Shape(B, 1)) + g.constant(batch.discounts, Shape(B, 1)) * bootstrap
        }
        let q = concat((0..<N).map { i in critics(i, concat([AgentColumns.observations(batch.observations, agent: i, layout: layout, graph: g), AgentColumns.actions(batch.actions, agent: i, layout: layout, graph: g)], axis: -1)) },
                       axis: -1)
        let qTot = mixer(q, g.constant(batch.states, Shape(B, S)))
        let loss = 0.5 * (qTot - y).square().mean()
        g.backward(loss)
        if gradClip > 0 { _ = criticOptimizer.parameters.clipGradientNorm(maxNorm: gradClip) }
        criticOptimizer.step()
        return (loss.scalar, qTot.mean().scalar)
    }

    /// Every actor ascends its own frozen critic. Returns the mean over agents of −E[Q_i(o_i, μ_i(o_i))].
    private func updateActors(_ batch: TransitionBatch) -> Float {
        let g = graph, N = layout.agents
        g.reset()
        actorOptimizer.zeroGrad()
        critics.setTrainable(false)
        defer { critics.setTrainable(true) }
        var loss: Tensor?
        for i in 0..<N {
            let observations = AgentColumns.observations(batch.observations, agent: i, layout: layout, graph: g)
            let term = -critics(i, concat([observations, actors(i, observations).tanh()], axis: -1)).mean()
            loss = loss.map { $0 + term } ?? term
        }
        g.backward(loss!)
        if gradClip > 0 { _ = actorOptimizer.parameters.clipGradientNorm(maxNorm: gradClip) }
        actorOptimizer.step()
        return loss!.scalar / Float(N)
    }
}

/// QMIX with DDPG-style actors (FSV paper's continuous baseline): QMIX's monotonic mixer over per-agent critics.
public enum QMIXDDPG {
    public static let name = "qmix-ddpg"
    public static let summary = "QMIX with DDPG-style actors: monotonic mixing of per-agent critics Q_i(o_i, u_i) (FSV's baseline)"

    public static let settings: [SettingSpec] = FactorizedDDPG.settings + [
        SettingSpec("mixing_embed", .integer(32), "mixer embedding size E", range: .count),
        SettingSpec("hypernet_hidden", .integer(64), "hypernetwork hidden units", range: .count),
    ]

    public static func make(layout: EpisodeLayout, settings: Settings, seed: UInt64) -> FactorizedDDPG {
        FactorizedDDPG(layout: layout, settings: settings, seed: seed) { name, rng in
            .qmix(QMixer(name, agents: layout.agents, stateSize: layout.stateSize, embed: settings.int("mixing_embed"),
                         hypernetHidden: settings.int("hypernet_hidden"), rng: &rng))
        }
    }
}

/// VDN with DDPG-style actors (FSV paper's continuous baseline): Q_tot = Σ_i Q_i(o_i, u_i).
public enum VDNDDPG {
    public static let name = "vdn-ddpg"
    public static let summary = "VDN with DDPG-style actors: Q_tot is the sum of per-agent critics Q_i(o_i, u_i) (FSV's baseline)"

    public static let settings: [SettingSpec] = FactorizedDDPG.settings

    public static func make(layout: EpisodeLayout, settings: Settings, seed: UInt64) -> FactorizedDDPG {
        FactorizedDDPG(layout: layout, settings: settings, seed: seed) { _, _ in .sum }
    }
}

extension FactorizedDDPG: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.part("actors", actors)
        try archive.part("critics", critics)
        try archive.parameters("mixing", mixing)
        try archive.parameters("target_mixing", targetMixing)
        try archive.part("critic_optimizer", criticOptimizer)
        try archive.part("actor_optimizer", actorOptimizer)
        try archive.value("rng", &rng)
    }
}
