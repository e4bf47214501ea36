import Common
import Tensors

/// MASAC, multi-agent soft actor-critic (docs/learners.md §3A): HASAC's centralized twin soft-Q
/// critic with all actors updated simultaneously against the same critic and one shared
/// temperature. Per training step:
///
///   critic   y = R⁽ⁿ⁾ + γⁿ(1 − term)[min_k Q̄_k(s′, a′) − α Σ_i log πⁱ(a′ⁱ)],  a′ ~ π
///   actors   L(θᵢ) = mean[α log πⁱ(ãⁱ) − min_k Q_k(s, ãⁱ, a⁻ⁱ)] for every i, with a⁻ⁱ fresh samples of the
///            other agents' current (pre-update) policies (default) or their replay-buffer actions
///   α        L(log α) = −mean[log α (Σ_i log πⁱ(ãⁱ) + Σ_i H̄ᵢ)]
///   targets  Polyak
public final class MASAC: TransitionLearner {
    public static let name = "masac"
    public static let summary = "MASAC: simultaneous soft actor updates against a centralized twin soft-Q critic, one temperature"

    public static let settings: [SettingSpec] = ActorCriticSettings.specs + ActorCriticSettings.temperatureSpecs
        + ActorCriticSettings.harlOptionSpecs + [UpdateThreads.spec,
        SettingSpec("other_actions", .text("fresh"), "the others' actions in an actor's loss: fresh (current-policy samples) or buffer (MADDPG-style)",
                    choices: ["fresh", "buffer"]),
    ]

    let core: CentralizedSoftActorCritic
    let temperature: Temperature
    let bufferActions: Bool
    let agentTargets: [Double]

    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64) {
        core = CentralizedSoftActorCritic(layout: layout, settings: settings, seed: seed,
                                          sharing: ParameterSharing.from(settings, automatic: .none))
        agentTargets = ActorCriticSettings.targetEntropies(layout, settings)
        temperature = ActorCriticSettings.temperature("log_alpha", settings, target: Temperature.jointTarget(agentTargets))
        bufferActions = settings.string("other_actions") == "buffer"
    }

    public var parameters: ParameterSet {
        ParameterSet(core.actors.parameters) + core.critic.parameters + ParameterSet([temperature.parameter])
    }

    public func schedules(at step: Int) -> [(String, Double)] { [("alpha", Double(temperature.value))] }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> JointActions {
        core.act(observations: observations, available: available, mode: mode)
    }

    public func train(_ batch: TransitionBatch, step: Int) -> [(String, Double)] {
        let N = core.layout.agents
        let (criticLoss, meanQ) = core.updateCritic(batch, jointAlpha: temperature.value)
        let others = bufferActions ? (0..<N).map { core.bufferActions(batch, $0) } : core.sampleActions(batch)
        let alpha = temperature.value
        var actorLoss: Float = 0, entropies = EntropyTally()
        for i in 0..<N {
            let actor = core.updateActor(i, batch, others: others, alpha: alpha)
            actorLoss += actor.loss
            if let meanLogPi = actor.meanLogProbability {
                entropies.add(meanLogPi, target: actor.targetEntropy ?? agentTargets[i], ownTarget: actor.targetEntropy == nil)
            }
        }
        entropies.update(temperature, team: N)
        core.updateTargets()
        return [("loss_critic", Double(criticLoss)), ("loss_actor", Double(actorLoss / Float(N))), ("q_mean", Double(meanQ)),
                ("entropy_estimate", entropies.entropyEstimate)]
    }
}

extension MASAC: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.part("core", core)
        try archive.part("temperature", temperature)
    }
}
