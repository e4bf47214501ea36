import Common
import Tensors

/// Double Q-learning with TD(λ) targets on a factorized Q_tot: the update shared by QMIX and
/// VDN (docs/learners.md §1.3–§1.4, §2; PyMARL2's nq_learner with the corrected λ-return of §0.4).
///
///   Q_tot,t = mixer(s_t, Q_1(τ¹_t, a¹_t), …, Q_N(τᴺ_t, aᴺ_t))
///   a*_i = argmax over available a of Q_i(τⁱ_{t+1}, a)          (online network: double Q)
///   Q̄_{t+1} = target mixer(s_{t+1}, Q̄_1(τ¹_{t+1}, a*_1), …)
///   y_t = TD(λ) return over Q̄;   L = Σ_t m_t ½ (Q_tot,t − y_t)² / Σ_t m_t
///
/// Behaviour: ε-greedy over available actions, ε annealed linearly; tests act greedily.
public final class FactorizedQLearning: EpisodeLearner {
    public static let settings: [SettingSpec] = RecurrentSettings.specs + [RecurrentSettings.sharing, UpdateThreads.spec] + [
        SettingSpec("td_lambda", .number(0.6), "λ of the TD(λ) targets (0: one-step)", range: .unit),
        SettingSpec("double_q", .flag(true), "choose bootstrap actions with the online network"),
        SettingSpec("epsilon_start", .number(1.0), "ε at step 0", range: .unit),
        SettingSpec("epsilon_finish", .number(0.05), "ε after annealing", range: .unit),
        SettingSpec("epsilon_anneal_steps", .integer(100_000), "environment steps over which ε anneals", range: .nonNegative),
    ]

    let layout: EpisodeLayout
    let networks: RecurrentNetworks
    let mixer: ValueMixer, targetMixer: ValueMixer
    let online: ParameterSet, target: ParameterSet
    let optimizer: any Optimizer
    let graph = Graph()
    var rng: RandomSource
    let gamma: Float, lambda: Float, gradClip: Float
    let doubleQ: Bool
    let epsilon: LinearSchedule
    private var rows: [[Float]] = []

    var agent: RecurrentAgents { networks.agents }
    var controller: RecurrentController { networks.controller }

    /// - Parameter makeMixer: builds a mixer with the given parameter-name prefix (called for the
    ///   online and the target network).
    public init(layout: EpisodeLayout, settings: Settings, seed: UInt64,
                makeMixer: (String, inout RandomSource) -> ValueMixer) {
        self.layout = layout
        var rng = RandomSource(seed: seed)
        networks = RecurrentNetworks(layout: layout, settings: settings, rng: &rng)
        mixer = makeMixer("mixer", &rng)
        targetMixer = makeMixer("target_mixer", &rng)
        online = ParameterSet(networks.agents.parameters + mixer.parameters)
        target = ParameterSet(networks.targetAgents.parameters + targetMixer.parameters)
        target.copy(from: online)
        target.setRequiresGrad(false)
        optimizer = RecurrentSettings.optimizer(settings, online)
        self.rng = rng
        gamma = Float(settings.double("gamma"))
        lambda = Float(settings.double("td_lambda"))
        gradClip = Float(settings.double("grad_clip"))
        doubleQ = settings.bool("double_q")
        epsilon = LinearSchedule(start: settings.double("epsilon_start"), finish: settings.double("epsilon_finish"),
                                 steps: settings.int("epsilon_anneal_steps"))
    }

    public var parameters: ParameterSet { online }

    public func schedules(at step: Int) -> [(String, Double)] { [("epsilon", epsilon.value(at: step))] }

    public func beginEpisodes(envs: Int) { controller.begin(envs: envs) }

    public func act(observations: UnsafeBufferPointer<Float>, states: UnsafeBufferPointer<Float>, available: UnsafeBufferPointer<Float>,
                    mode: ActingMode, step: Int) -> [Int32] {
        let q = controller.step(observations: observations)
        let rows = q.shape[0]
        let chosen: [Int32]
        switch mode {
        case .greedy:
            chosen = ActionSelection.greedy(q.storage, available: available.baseAddress!, rows: rows, actions: layout.actions)
        case .explore:
            chosen = ActionSelection.epsilonGreedy(q.storage, available: available.baseAddress!, rows: rows, actions: layout.actions,
                                                   epsilon: epsilon.value(at: step), rng: &rng)
        }
        controller.record(actions: chosen)
        return chosen
    }

    /// Each agent's utilities Q_i(τ, ·) at the first step of an episode with these observations
    /// [N][O] (for inspecting learned values).
    public func firstStepUtilities(observations: [Float]) -> [Float] {
        controller.begin(envs: 1)
        return observations.withUnsafeBufferPointer { controller.step(observations: $0).array }
    }

    /// Q_tot of a joint action at the first step of an episode.
    public func firstStepJointValue(observations: [Float], state: [Float], actions: [Int]) -> Float {
        let utilities = firstStepUtilities(observations: observations)
        let g = controller.graph
        let chosen = g.constant((0..<layout.agents).map { utilities[$0 * layout.actions + actions[$0]] }, Shape(1, layout.agents))
        return g.withoutGradients { mixer(chosen, g.constant(state, Shape(1, layout.stateSize))) }.scalar
    }

    public func train(_ batch: EpisodeBatch, step: Int, episodes: Int) -> [(String, Double)] {
        let g = graph
        g.reset()
        optimizer.zeroGrad()
        let b = BatchTensors(batch, agents: networks.agents, rows: &rows, graph: g)
        let T = b.steps, B = b.episodes, N = layout.agents

        let unrolls = networks.unrolls(b.inputs)
        let q = unrolls.online                                                          // [T+1, B·N, A]
        let chosen = q.sliced(axis: 0, 0..<T).gather(b.actions).reshaped(Shape(T * B, N))
        let qTot = mixer(chosen, b.states)                                              // [T·B, 1]

        // Bootstrap values Q̄ at every slot, then the TD(λ) targets (all without gradient).
        let qBar = g.withoutGradients { () -> Tensor in
            let targetQ = unrolls.target
            let best = b.maskedForArgmax(doubleQ ? q.detached() : targetQ).argmax()
            return targetMixer(targetQ.gather(best).reshaped(Shape((T + 1) * B, N)), b.allStates)
        }
        let bootstrap = Array(UnsafeBufferPointer(start: qBar.storage, count: (T + 1) * B))
        let targets = LambdaReturn.targets(for: batch, bootstrap: bootstrap, gamma: gamma, lambda: lambda)
        let y = g.constant(targets, Shape(T * B, 1))
        let error = (qTot - y) * b.mask
        let loss = 0.5 * error.square().sum() / b.maskSum
        g.backward(loss)
        let norm = online.clipGradientNorm(maxNorm: gradClip)
        optimizer.step()

        networks.updateTargets(target, from: online, episodes: episodes)
        let taken = (qTot * b.mask).sum().scalar / b.maskSum
        return [("loss", Double(loss.scalar)), ("grad_norm", Double(norm)), ("q_taken_mean", Double(taken)),
                ("target_mean", Double(targets.reduce(0, +) / b.maskSum))]
    }
}

extension FactorizedQLearning: RecurrentValueState {}
