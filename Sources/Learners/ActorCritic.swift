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
public protocol TransitionLearner: AnyObject {
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
/// ones (HARL's defaults, ALGORITHMS.md §4.5, scaled to one update per `envs` environment steps).
public enum ActorCriticSettings {
    public static let specs: [SettingSpec] = [
        SettingSpec("gamma", .number(0.99), "discount"),
        SettingSpec("batch_size", .integer(1000), "transitions per update"),
        SettingSpec("buffer_size", .integer(1_000_000), "transitions kept in the replay buffer"),
        SettingSpec("n_step", .integer(20), "steps of the n-step return"),
        SettingSpec("warmup_steps", .integer(10_000), "environment steps of uniformly random actions before training"),
        SettingSpec("updates_per_step", .number(0.05), "gradient steps per environment step (HARL: 1 per step of 20 threads)"),
        SettingSpec("actor_lr", .number(5e-4), "actor learning rate (Adam)"),
        SettingSpec("critic_lr", .number(5e-4), "critic learning rate (Adam)"),
        SettingSpec("hidden", .integer(256), "units per hidden layer of actors and critics"),
        SettingSpec("hidden_layers", .integer(2), "hidden layers of actors and critics"),
        SettingSpec("polyak", .number(0.005), "τ of the Polyak target update after every gradient step"),
        SettingSpec("grad_clip", .number(0), "global gradient-norm clip per optimizer (0: none, as HARL)"),
        SettingSpec("critic_layer_norm", .flag(false), "LayerNorm before each hidden activation of the critics (bounds their extrapolation; ADER: also its mixers' hypernetworks)"),
    ]

    /// The temperature settings of the soft methods (ALGORITHMS.md §0.8).
    public static let temperatureSpecs: [SettingSpec] = [
        SettingSpec("auto_alpha", .flag(true), "learn α toward the target entropy"),
        SettingSpec("alpha", .number(0.2), "α when fixed; its starting value when learned"),
        SettingSpec("alpha_lr", .number(3e-4), "learning rate of log α"),
        SettingSpec("alpha_max", .number(0), "upper bound of every learned α, log α kept below it (0: none, as HARL)"),
        SettingSpec("target_entropy_scale", .number(0.98), "discrete target entropy κ·log|A| (HARL's code gives 0, ALGORITHMS.md §0.8)"),
        SettingSpec("target_entropy_per_dim", .number(-1), "continuous target entropy = dim A · this (−1: SAC's −dim A)"),
        SettingSpec("discrete_target_entropy", .text("scaled"), "scaled (κ·log|A|) or harl-legacy (0, HARL's bug)", choices: ["scaled", "harl-legacy"]),
    ]

    /// The per-agent target entropy the settings name (a homogeneous team).
    public static func targetEntropy(_ layout: EpisodeLayout, _ settings: Settings) -> Double {
        precondition(layout.isHomogeneous, "a heterogeneous team has one target entropy per agent")
        return targetEntropies(layout, settings)[0]
    }

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

/// Per-agent views of row-major [B][N][stride] data as graph constants: agent i's block is the
/// first `width` values of its row (a heterogeneous agent's own columns; the rest is padding).
public enum AgentColumns {
    /// Agent i's [B, W] block of `data` laid out [B][N][W].
    public static func of(_ data: UnsafeBufferPointer<Float>, agent i: Int, agents N: Int, width W: Int, graph: Graph) -> Tensor {
        of(data, agent: i, agents: N, stride: W, width: W, graph: graph)
    }

    /// Agent i's [B, width] block of `data` laid out [B][N][stride].
    public static func of(_ data: UnsafeBufferPointer<Float>, agent i: Int, agents N: Int, stride: Int, width W: Int, graph: Graph) -> Tensor {
        graph.constant(Shape(data.count / Swift.max(N * stride, 1), W)) { copy(data, agent: i, agents: N, stride: stride, width: W, into: $0) }
    }

    /// Same, from an array.
    public static func of(_ data: [Float], agent i: Int, agents N: Int, width W: Int, graph: Graph) -> Tensor {
        data.withUnsafeBufferPointer { of($0, agent: i, agents: N, stride: W, width: W, graph: graph) }
    }

    /// Same, from an array laid out [B][N][stride].
    public static func of(_ data: [Float], agent i: Int, agents N: Int, stride: Int, width W: Int, graph: Graph) -> Tensor {
        data.withUnsafeBufferPointer { of($0, agent: i, agents: N, stride: stride, width: W, graph: graph) }
    }

    /// Every agent's block, in agent order.
    public static func blocks(_ data: [Float], agents N: Int, width W: Int, graph: Graph) -> [Tensor] {
        (0..<N).map { of(data, agent: $0, agents: N, width: W, graph: graph) }
    }

    /// Agent i's block as plain values [B][width] of data laid out [B][N][stride].
    public static func values(_ data: [Float], agent i: Int, agents N: Int, stride: Int, width W: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: data.count / Swift.max(N * stride, 1) * W) { out, count in
            data.withUnsafeBufferPointer { copy($0, agent: i, agents: N, stride: stride, width: W, into: out) }
            count = out.count
        }
    }

    /// Agent i's block as plain values [B][W].
    public static func values(_ data: [Float], agent i: Int, agents N: Int, width W: Int) -> [Float] {
        values(data, agent: i, agents: N, stride: W, width: W)
    }

    /// [B][N][actionWidth] actions as [B, Σ_i Wᵢ]: each agent's own one-hot or values side by side,
    /// the joint action a centralized critic reads (the data itself when no agent row is padded).
    public static func jointActions(_ data: [Float], layout: EpisodeLayout, graph: Graph) -> Tensor {
        let N = layout.agents, W = layout.actionWidth, B = data.count / Swift.max(N * W, 1)
        if layout.jointActionWidth == N * W { return graph.constant(data, Shape(B, N * W)) }
        let widths = layout.actionSpaces.map(\.count), total = layout.jointActionWidth
        return graph.constant(Shape(B, total)) { out in
            for b in 0..<B {
                var column = 0
                for i in 0..<N {
                    for k in 0..<widths[i] { out[b * total + column + k] = data[(b * N + i) * W + k] }
                    column += widths[i]
                }
            }
        }
    }

    private static func copy(_ data: UnsafeBufferPointer<Float>, agent i: Int, agents N: Int, stride: Int, width W: Int,
                             into out: UnsafeMutableBufferPointer<Float>) {
        let B = data.count / Swift.max(N * stride, 1)
        for b in 0..<B { for k in 0..<W { out[b * W + k] = data[(b * N + i) * stride + k] } }
    }
}

/// Feed-forward stochastic actors (ALGORITHMS.md §4.2): a trunk MLP with ReLU and a final tanh,
/// then a tanh-squashed Gaussian head (continuous agents, §0.6) or masked logits sampled with
/// Gumbel straight-through (discrete agents, §0.7). One network per agent (HARL: no sharing by
/// default), or one per group of agents with equal spaces; each network has its agents' own sizes.
public final class StochasticActors {
    public let layout: EpisodeLayout
    let trunks: [MLP]
    let heads: [Linear]
    /// The log-σ heads of the continuous networks (nil for discrete ones).
    let logStds: [Linear?]
    /// Which network agent i acts with.
    let networkOf: [Int]
    /// The agents of each network.
    public let members: [[Int]]

    public init(_ name: String, layout: EpisodeLayout, hidden: [Int], sharing: ParameterSharing = .none, rng: inout RandomSource) {
        self.layout = layout
        members = sharing == .groups ? layout.groups : (0..<layout.agents).map { [$0] }
        var networkOf = Array(repeating: 0, count: layout.agents)
        for (k, group) in members.enumerated() { for i in group { networkOf[i] = k } }
        self.networkOf = networkOf
        let first = members.map { $0[0] }
        trunks = first.enumerated().map { k, i in MLP("\(name)\(k).trunk", sizes: [layout.observationSizes[i]] + hidden, rng: &rng) }
        heads = first.enumerated().map { k, i in
            let H = hidden.last ?? layout.observationSizes[i]
            switch layout.actionSpaces[i] {
            case let .continuous(d): return Linear("\(name)\(k).mean", H, d, rng: &rng)
            case let .discrete(n): return Linear("\(name)\(k).logits", H, n, orthogonalGain: 0.01, rng: &rng)
            }
        }
        logStds = first.enumerated().map { k, i in
            guard case let .continuous(d) = layout.actionSpaces[i] else { return nil }
            return Linear("\(name)\(k).log_std", hidden.last ?? layout.observationSizes[i], d, rng: &rng)
        }
    }

    /// Every actor's parameters.
    public var parameters: [Parameter] { (0..<trunks.count).flatMap { networkParameters($0) } }

    /// How many networks there are (one per agent, or one per group).
    public var networkCount: Int { trunks.count }

    /// The network agent i acts with.
    public func network(of i: Int) -> Int { networkOf[i] }

    /// The parameters of network k.
    public func networkParameters(_ k: Int) -> [Parameter] {
        trunks[k].parameters + heads[k].parameters + (logStds[k]?.parameters ?? [])
    }

    private func features(_ i: Int, _ observations: Tensor) -> Tensor { trunks[networkOf[i]](observations).tanh() }

    /// A sample for agent i from observations [B, Oᵢ] (and availability [B, Aᵢ] when discrete):
    /// the action [B, Wᵢ] (values, or a one-hot carrying the Gumbel gradient) and log π [B, 1].
    /// Reparameterised, so gradients reach the actor when the graph records.
    public func sample(_ i: Int, observations: Tensor, available: Tensor?, rng: inout RandomSource) -> (action: Tensor, logProbability: Tensor) {
        if layout.actionSpaces[i].isContinuous { return gaussian(i, observations: observations).sample(rng: &rng) }
        let h = features(i, observations)
        let logits = heads[networkOf[i]](h)
        let gumbel = GumbelSoftmaxSample(logits: logits, mask: available, rng: &rng)
        return (gumbel.action, gumbel.logProbability(logits: logits, mask: available))
    }

    /// Agent i's tanh-squashed Gaussian for observations [B, Oᵢ] (continuous agents), for methods
    /// that look at the policy's parameters rather than only at samples.
    public func gaussian(_ i: Int, observations: Tensor) -> TanhGaussian {
        let k = networkOf[i]
        guard let logStd = logStds[k] else { preconditionFailure("a Gaussian policy needs continuous actions") }
        let h = features(i, observations)
        return TanhGaussian(mean: heads[k](h), logStd: logStd(h))
    }

    /// The deterministic test action: tanh(μ), or the most probable available action as a one-hot.
    public func deterministic(_ i: Int, observations: Tensor, available: Tensor?) -> Tensor {
        let k = networkOf[i], h = features(i, observations)
        switch layout.actionSpaces[i] {
        case .continuous: return heads[k](h).tanh()
        case let .discrete(n): return MaskedCategorical(logits: heads[k](h), mask: available).greedy().oneHot(depth: n)
        }
    }

    /// Agent i's observations [B, Oᵢ] from rows laid out [B][N][observationSize].
    public func observations(_ data: UnsafeBufferPointer<Float>, agent i: Int, graph: Graph) -> Tensor {
        AgentColumns.of(data, agent: i, agents: layout.agents, stride: layout.observationSize, width: layout.observationSizes[i], graph: graph)
    }

    /// Agent i's availability [B, Aᵢ] from rows laid out [B][N][actions] (nil for a continuous agent).
    public func availability(_ data: UnsafeBufferPointer<Float>, agent i: Int, graph: Graph) -> Tensor? {
        guard case let .discrete(n) = layout.actionSpaces[i] else { return nil }
        return AgentColumns.of(data, agent: i, agents: layout.agents, stride: layout.actions, width: n, graph: graph)
    }

    /// Actions for one step of E instances ([E][N][O] observations), sampled or deterministic:
    /// discrete agents' ids in `discrete` [E·N], continuous agents' values in `continuous` [E·N·D].
    public func act(observations: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>, mode: ActingMode,
                    graph: Graph, rng: inout RandomSource) -> JointActions {
        let N = layout.agents, D = layout.actionDimensions
        let E = observations.count / (N * layout.observationSize)
        graph.reset()
        var joint = JointActions()
        joint.continuous = D > 0 ? Array(repeating: 0, count: E * N * D) : []
        joint.discrete = layout.actions > 0 ? Array(repeating: 0, count: E * N) : []
        graph.withoutGradients {
            for i in 0..<N {
                let obs = self.observations(observations, agent: i, graph: graph)
                let mask = availability(available, agent: i, graph: graph)
                let action = mode == .greedy ? deterministic(i, observations: obs, available: mask)
                                             : sample(i, observations: obs, available: mask, rng: &rng).action
                let W = layout.actionWidth(of: i)
                for e in 0..<E {
                    if layout.actionSpaces[i].isContinuous {
                        for d in 0..<W { joint.continuous[(e * N + i) * D + d] = action.storage[e * W + d] }
                    } else {
                        for a in 0..<W where action.storage[e * W + a] > 0.5 { joint.discrete[e * N + i] = Int32(a) }
                    }
                }
            }
        }
        return joint
    }
}

/// Whether agents share networks: each its own (`none`), or one per group of agents with equal
/// observation sizes and action spaces (`groups`; a homogeneous team is one group).
public enum ParameterSharing: Sendable {
    case none
    case groups

    /// The `share_parameters` setting: every learner takes `auto`, `group` and `none`.
    public static func spec(auto: String) -> SettingSpec {
        SettingSpec("share_parameters", .text("auto"),
                    "auto (\(auto)), group (one network per group of agents with equal observation size and action space) or none (one network per agent)",
                    choices: ["auto", "group", "none"])
    }

    /// The sharing the settings name, `automatic` standing for `auto`.
    public static func from(_ settings: Settings, automatic: ParameterSharing) -> ParameterSharing {
        switch settings.string("share_parameters") {
        case "group": return .groups
        case "none": return .none
        default: return automatic
        }
    }
}

/// The centralized twin soft-Q critic of HASAC and MASAC (ALGORITHMS.md §4.2): two MLPs on
/// [s, a¹, …, aᴺ] (one-hot for discrete actions) with Polyak-averaged target copies.
public final class TwinCritic {
    let q1: MLP, q2: MLP, target1: MLP, target2: MLP
    public let online: ParameterSet, target: ParameterSet
    let optimizer: Adam

    public init(_ name: String, inputs: Int, hidden: [Int], layerNorm: Bool = false, learningRate: Double, rng: inout RandomSource) {
        let sizes = [inputs] + hidden + [1]
        q1 = MLP("\(name).q1", sizes: sizes, layerNorm: layerNorm, rng: &rng)
        q2 = MLP("\(name).q2", sizes: sizes, layerNorm: layerNorm, rng: &rng)
        target1 = MLP("\(name).target_q1", sizes: sizes, layerNorm: layerNorm, rng: &rng)
        target2 = MLP("\(name).target_q2", sizes: sizes, layerNorm: layerNorm, rng: &rng)
        online = ParameterSet(q1.parameters + q2.parameters)
        target = ParameterSet(target1.parameters + target2.parameters)
        target.copy(from: online)
        target.setRequiresGrad(false)
        optimizer = Adam(online, learningRate: Float(learningRate))
    }

    /// Both online values [B, 1] of inputs [B, S + N·W].
    public func values(_ inputs: Tensor) -> (Tensor, Tensor) { (q1(inputs), q2(inputs)) }

    /// min(Q₁, Q₂) of the online critics (actor losses).
    public func minimum(_ inputs: Tensor) -> Tensor { Tensors.minimum(q1(inputs), q2(inputs)) }

    /// min(Q̄₁, Q̄₂) of the target critics (bootstraps).
    public func targetMinimum(_ inputs: Tensor) -> Tensor { Tensors.minimum(target1(inputs), target2(inputs)) }

    /// One step on ½·mean (Q_k − y)² summed over k (element-wise, so masking would be exact; HARL's
    /// averaged-then-masked loss is a no-op mask, §4.6). Returns the loss and mean min(Q₁, Q₂) before the step.
    public func update(_ inputs: Tensor, targets y: Tensor, gradClip: Float) -> (loss: Float, meanQ: Float) {
        online.zeroGrad()
        let (a, b) = values(inputs)
        let meanQ = inputs.graph.withoutGradients { Tensors.minimum(a, b).mean().scalar }
        let loss = 0.5 * ((a - y).square().mean() + (b - y).square().mean())
        inputs.graph.backward(loss)
        if gradClip > 0 { _ = online.clipGradientNorm(maxNorm: gradClip) }
        optimizer.step()
        return (loss.scalar, meanQ)
    }

    /// Freezes or unfreezes the online critics (actor phases must not record their gradients).
    public func setTrainable(_ flag: Bool) { online.setRequiresGrad(flag) }

    /// θ̄ ← (1 − τ) θ̄ + τ θ.
    public func updateTargets(tau: Float) { target.polyak(from: online, tau: tau) }

    /// Everything a checkpoint holds.
    public var parameters: ParameterSet { online + target }
}
