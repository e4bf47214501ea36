import Common
import Tensors

/// Joint actions for one step of E world instances: `discrete` [E·N] (0-based) for discrete
/// layouts, `continuous` [E·N·D] in [−1, 1] for continuous ones.
public struct JointActions {
    public var discrete: [Int32]
    public var continuous: [Float]

    public init(discrete: [Int32] = [], continuous: [Float] = []) {
        self.discrete = discrete
        self.continuous = continuous
    }
}

/// A learner of the actor-critic family (HARL, FACMAC): feed-forward actors that act on each
/// step's observations and learn from minibatches of single (n-step) transitions.
public protocol TransitionLearner: Checkpointable {
    /// Actions for one step of E instances from observations [E][N][O], states [E][S] and
    /// availability [E][N][A] (discrete layouts); `step` counts environment steps.
    func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
             mode: ActingMode, step: Int) -> JointActions
    /// One gradient step (critics, actors, temperatures, targets) from a minibatch; returns values to log.
    func train(_ batch: TransitionBatch, step: Int) -> [(String, Double)]
    /// Everything a checkpoint holds, by name.
    var parameters: ParameterSet { get }
    /// Values to log besides the losses (α, target entropies, ...) at `step`.
    func schedules(at step: Int) -> [(String, Double)]
}

/// The settings every transition learner shares; the training loop reads the buffer and cadence
/// ones. The defaults are sized for a small world on a laptop CPU (measured: scripts/bench/defaults,
/// docs/results.md); HARL's, docs/learners.md §4.5, which are sized for a GPU, are configs/harl.yaml.
public enum ActorCriticSettings {
    public static let specs: [SettingSpec] = [
        SettingSpec("gamma", .number(0.99), "discount", range: .unit),
        SettingSpec("batch_size", .integer(256), "transitions per update (HARL: 1000)", range: .count),
        SettingSpec("buffer_size", .integer(100_000), "transitions kept in the replay buffer (HARL: 1000000)", range: .count),
        SettingSpec("n_step", .integer(5), "steps of the n-step return (HARL: 20)", range: .count),
        SettingSpec("warmup_steps", .integer(2000), "environment steps of uniformly random actions before training (HARL: 10000)", range: .nonNegative),
        SettingSpec("updates_per_step", .number(0.25), "gradient steps per environment step (HARL: 0.05, one per step of 20 threads)", range: .positive),
        SettingSpec("actor_lr", .number(5e-4), "actor learning rate (Adam)", range: .positive),
        SettingSpec("critic_lr", .number(5e-4), "critic learning rate (Adam)", range: .positive),
        SettingSpec("hidden", .integer(64), "units per hidden layer of actors and critics (HARL: 256)", range: .count),
        SettingSpec("hidden_layers", .integer(2), "hidden layers of actors and critics", range: .count),
        SettingSpec("polyak", .number(0.005), "τ of the Polyak target update after every gradient step", range: .aboveUpTo(0, 1)),
        SettingSpec("grad_clip", .number(0), "global gradient-norm clip per optimizer (0: none, as HARL)", range: .nonNegative),
        actorSharing,
        SettingSpec("critic_layer_norm", .flag(false), "LayerNorm before each hidden activation of the critics (bounds their extrapolation; ADER: also its mixers' hypernetworks)"),
    ]

    /// Sharing of the actors (per-agent critics stay per agent): HARL's default is an actor per agent.
    public static let actorSharing = ParameterSharing.spec(auto: "none: every agent its own actor, as HARL; group shares an actor within a group")

    /// The temperature settings of the soft methods (docs/learners.md §0.8).
    public static let temperatureSpecs: [SettingSpec] = [
        SettingSpec("auto_alpha", .flag(true), "learn α toward the target entropy"),
        SettingSpec("alpha", .number(0.01), "α when fixed; its starting value when learned (HARL, SAC: 0.2; a large start teaches a team with rewards ≤ 1 to avoid ending episodes)", range: .positive),
        SettingSpec("alpha_lr", .number(3e-4), "learning rate of log α", range: .positive),
        SettingSpec("alpha_max", .number(0), "upper bound of every learned α, log α kept below it (0: none, as HARL)", range: .nonNegative),
        SettingSpec("target_entropy_scale", .number(0.5), "discrete target entropy κ·log|A| (SAC-discrete: 0.98, which held a learned team's α up until it stopped finishing episodes; HARL's code gives 0, docs/learners.md §0.8)", range: .unit),
        SettingSpec("target_entropy_per_dim", .number(-1), "continuous target entropy = dim A · this (−1: SAC's −dim A)"),
        SettingSpec("discrete_target_entropy", .text("scaled"),
                    "scaled (κ·log|A|), available (κ·log of the actions available in each sample; ours) or harl-legacy (0, HARL's bug)",
                    choices: ["scaled", "available", "harl-legacy"]),
    ]

    /// HARL's options for its SMAC runs (docs/learners.md §4.8), off by default: HASAC and MASAC.
    public static let harlOptionSpecs: [SettingSpec] = [
        SettingSpec("critic_loss", .text("mse"), "the critics' regression loss: mse (½ squared error) or huber (HARL, δ = huber_delta)",
                    choices: ["mse", "huber"]),
        SettingSpec("huber_delta", .number(10), "δ of the Huber critic loss (HARL: 10)", range: .positive),
        SettingSpec("value_norm", .flag(false), "normalise the critics' targets by their running mean and std (HARL's ValueNorm); the critics predict normalised values"),
        SettingSpec("policy_active_masks", .flag(false),
                    "leave samples where the agent has a single available action (a dead unit's no-op) out of its actor loss and temperature (HARL)"),
        SettingSpec("critic_state", .text("global"),
                    "what the critics see besides the joint action: global (the state) or agent (HARL's \"FP\": the state, the agent's own observation and id, one row per agent)",
                    choices: ["global", "agent"]),
        SettingSpec("feature_norm", .flag(false), "a LayerNorm on each actor's input (HARL's use_feature_normalization)"),
        SettingSpec("actor_init", .text("pytorch"),
                    "the actors' initial weights: pytorch (PyTorch's default; discrete heads orthogonal with gain 0.01) or orthogonal (HARL: hidden layers gain √2, heads 0.01, zero biases)",
                    choices: ["pytorch", "orthogonal"]),
    ]

    /// Each agent's target entropy from its own action space: −dim Aᵢ (scaled), or κ·log|Aᵢ|.
    public static func targetEntropies(_ layout: EpisodeLayout, _ settings: Settings) -> [Double] {
        layout.actionSpaces.map { space in
            if !space.isContinuous && settings.string("discrete_target_entropy") == "harl-legacy" { return 0 }
            return Temperature.defaultTarget(space, kappa: settings.double("target_entropy_scale"),
                                             perDimension: settings.double("target_entropy_per_dim"))
        }
    }

    /// A temperature from the settings.
    public static func temperature(_ name: String, _ settings: Settings, target: Double) -> Temperature {
        let maximum = settings.double("alpha_max")
        return Temperature(name, initial: settings.double("alpha"), learned: settings.bool("auto_alpha"),
                           learningRate: settings.double("alpha_lr"), targetEntropy: target,
                           bounds: 0...(maximum > 0 ? maximum : .infinity), clampsLogAlpha: true)
    }

    /// Hidden layer sizes.
    public static func hidden(_ settings: Settings) -> [Int] {
        Array(repeating: settings.int("hidden"), count: settings.int("hidden_layers"))
    }
}
