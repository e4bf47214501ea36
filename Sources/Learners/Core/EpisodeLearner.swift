import Common
import Tensors

/// A learner of the value-factorization family (PyMARL's controller + learner): recurrent agents
/// that act on whole episodes and learn from minibatches of them.
public protocol EpisodeLearner: Checkpointable {
    /// Starts `envs` episodes (hidden states reset).
    func beginEpisodes(envs: Int)
    /// The joint actions (0-based, [E·N]) for one step, from observations [E][N][O], states
    /// [E][S] and availability [E][N][A]; `step` is the environment step count (for schedules).
    func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
             mode: ActingMode, step: Int) -> [Int32]
    /// One update from a minibatch; returns the values to log (loss, mean Q, ...).
    func train(_ batch: EpisodeBatch, step: Int, episodes: Int) -> [(String, Double)]
    /// Everything a checkpoint holds, by name.
    var parameters: ParameterSet { get }
    /// Values to log besides the losses (ε, α, ...) at `step`.
    func schedules(at step: Int) -> [(String, Double)]
}

/// The settings every recurrent learner shares (docs/learners.md §0.10, §0.11, §1.5).
public enum RecurrentSettings {
    public static let specs: [SettingSpec] = [
        SettingSpec("lr", .number(1e-3), "learning rate", range: .positive),
        SettingSpec("optimizer", .text("adam"), "adam (PyMARL2) or rmsprop (PyMARL: alpha 0.99, eps 1e-5)", choices: ["adam", "rmsprop"]),
        SettingSpec("grad_clip", .number(10), "global gradient-norm clip", range: .nonNegative),
        SettingSpec("gamma", .number(0.99), "discount", range: .unit),
        SettingSpec("batch_size", .integer(128), "episodes per update", range: .count),
        SettingSpec("buffer_size", .integer(5000), "episodes kept in the replay buffer", range: .count),
        SettingSpec("target_update_episodes", .integer(200), "episodes between hard target copies", range: .count),
        SettingSpec("rnn_hidden", .integer(64), "GRU width of the agent network", range: .count),
        SettingSpec("obs_last_action", .flag(true), "agents see their previous action"),
        SettingSpec("obs_agent_id", .flag(true), "agents see their id"),
        SettingSpec("standardise_rewards", .flag(false), "train on (r − running mean)/running std of all collected rewards (EPyMARL's option)"),
    ]

    /// Parameter sharing of the agent networks: a homogeneous team shares one network (PyMARL).
    public static let sharing = ParameterSharing.spec(auto: "group: agents with equal spaces share a network, told apart by their id")

    /// The optimizer the settings name, over `parameters`.
    public static func optimizer(_ settings: Settings, _ parameters: ParameterSet) -> any Optimizer {
        let lr = Float(settings.double("lr"))
        if settings.string("optimizer") == "rmsprop" {
            return RMSprop(parameters, learningRate: lr, alpha: 0.99, eps: 1e-5)
        }
        return Adam(parameters, learningRate: lr)
    }
}
