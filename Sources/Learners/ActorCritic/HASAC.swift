import Common
import Tensors

/// HASAC, heterogeneous-agent soft actor-critic (arXiv 2306.10715; HARL's code; docs/learners.md §4).
/// A centralized twin soft-Q critic evaluates the joint policy; the actors improve one at a time
/// in a fresh random order, each against the joint action in which the agents before it already
/// play their updated policies (heterogeneous-agent soft policy iteration). Per training step:
///
///   critic   y = R⁽ⁿ⁾ + γⁿ(1 − term)[min_k Q̄_k(s′, a′) − α_c Σ_i log πⁱ(a′ⁱ)],  a′ ~ π   (§4.3)
///   1.       âʲ ~ πʲ(·|oʲ) for every agent, no gradient
///   2.       σ = a random permutation of the agents
///   3. a–d   for i in σ: L(θᵢ) = mean[αᵢ log πⁱ(ãⁱ) − min_k Q_k(s, â^{σ<i}, ãⁱ, â^{σ>i})], one Adam step
///   3. e     L(log αᵢ) = −mean[log αᵢ (log πⁱ(ãⁱ) + H̄ᵢ)]
///   3. f     âⁱ ~ πⁱ_new (re-sampled, so later agents see the new action through the critic)
///   4.       L(log α_c) = −mean[log α_c (Σ_i log πⁱ(ãⁱ) + Σ_i H̄ᵢ)]
///   5.       Polyak update of the target critics
/// Continuous actions use the tanh-squashed Gaussian, discrete ones Gumbel straight-through. HARL's
/// SMAC options (Huber loss, normalised targets, the agent-specific critic state, active masks, §4.8)
/// change the critic's loss and input and which samples the means in 3 a–e run over.
public final class HASAC: TransitionLearner {
    public static let name = "hasac"
    public static let summary = "HASAC: sequential soft actor updates in random order against a centralized twin soft-Q critic"

    public static let settings: [SettingSpec] = ActorCriticSettings.specs + ActorCriticSettings.temperatureSpecs
        + ActorCriticSettings.harlOptionSpecs + [UpdateThreads.spec,
        SettingSpec("fixed_order", .flag(false), "update the actors in index order instead of a fresh random order"),
    ]

    let core: CentralizedSoftActorCritic
    let temperatures: [Temperature]
    let jointTemperature: Temperature
    let fixedOrder: Bool
    var orderRandom: RandomSource

    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64) {
        core = CentralizedSoftActorCritic(layout: layout, settings: settings, seed: seed,
                                          sharing: ParameterSharing.from(settings, automatic: .none))
        let targets = ActorCriticSettings.targetEntropies(layout, settings)
        temperatures = (0..<layout.agents).map { ActorCriticSettings.temperature("log_alpha.\($0)", settings, target: targets[$0]) }
        jointTemperature = ActorCriticSettings.temperature("log_alpha.joint", settings, target: Temperature.jointTarget(targets))
        fixedOrder = settings.bool("fixed_order")
        orderRandom = RandomSource(seed: seed, stream: 0x0DE5)
    }

    public var parameters: ParameterSet {
        ParameterSet(core.actors.parameters) + core.critic.parameters
            + ParameterSet(temperatures.map(\.parameter) + [jointTemperature.parameter])
    }

    public func schedules(at step: Int) -> [(String, Double)] {
        temperatures.enumerated().map { ("alpha_\($0.offset + 1)", Double($0.element.value)) } + [("alpha_joint", Double(jointTemperature.value))]
    }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> JointActions {
        core.act(observations: observations, available: available, mode: mode)
    }

    public func train(_ batch: TransitionBatch, step: Int) -> [(String, Double)] {
        let N = core.layout.agents
        let (criticLoss, meanQ) = core.updateCritic(batch, jointAlpha: jointTemperature.value)
        var joint = core.sampleActions(batch)                                        // step 1
        var order = Array(0..<N)                                                     // step 2
        if !fixedOrder { order.shuffle(using: &orderRandom) }
        var actorLoss: Float = 0, entropies = EntropyTally()
        for i in order {                                                             // step 3
            let actor = core.updateActor(i, batch, others: joint, alpha: temperatures[i].value)
            if let meanLogPi = actor.meanLogProbability {
                temperatures[i].update(meanLogProbability: Double(meanLogPi), target: actor.targetEntropy)
                entropies.add(meanLogPi, target: actor.targetEntropy ?? temperatures[i].targetEntropy, ownTarget: actor.targetEntropy == nil)
            }
            joint[i] = core.resample(i, batch)
            actorLoss += actor.loss
        }
        entropies.update(jointTemperature, team: N)                                  // step 4
        core.updateTargets()                                                         // step 5
        return [("loss_critic", Double(criticLoss)), ("loss_actor", Double(actorLoss / Float(N))), ("q_mean", Double(meanQ)),
                ("entropy_estimate", entropies.entropyEstimate)]
    }
}

extension HASAC: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.part("core", core)
        try archive.parts("temperature", temperatures)
        try archive.part("joint_temperature", jointTemperature)
        try archive.value("order_rng", &orderRandom)
    }
}
