import Common
import Tensors

/// The online and target recurrent agent networks of a value learner, with the acting
/// controller and the hard target-copy cadence (every `target_update_episodes` episodes, PyMARL).
final class RecurrentNetworks {
    let agents: RecurrentAgents
    let targetAgents: RecurrentAgents
    let controller: RecurrentController
    private let targetInterval: Int
    var lastTargetUpdate = 0
    /// The two unrolls of an update run side by side on tapes of their own (the `threads` setting).
    private let pool: WorkerPool?
    private let unrollTapes = [Graph(), Graph()]

    init(layout: EpisodeLayout, settings: Settings, rng: inout RandomSource) {
        let sharing = ParameterSharing.from(settings, automatic: .groups)
        func make(_ name: String) -> RecurrentAgents {
            RecurrentAgents(name, layout: layout, sharing: sharing, lastAction: settings.bool("obs_last_action"),
                            agentID: settings.bool("obs_agent_id"), hidden: settings.int("rnn_hidden"), rng: &rng)
        }
        agents = make("agent")
        targetAgents = make("target_agent")
        controller = RecurrentController(agents: agents)
        targetInterval = max(1, settings.int("target_update_episodes"))
        pool = UpdateThreads.pool(settings, parts: 2)
    }

    /// Both networks unrolled over an episode batch's inputs ([T+1, B·N, A] each): the online one
    /// recording gradients as its graph does, the target one without.
    func unrolls(_ inputs: [Tensor]) -> (online: Tensor, target: Tensor) {
        let outputs = inputs[0].graph.branches(inputs, tapes: unrollTapes, pool: pool) { k, inputs in
            k == 0 ? self.agents.unroll(inputs) : inputs[0].graph.withoutGradients { self.targetAgents.unroll(inputs) }
        }
        return (outputs[0], outputs[1])
    }

    /// Copies `online` into `target` when `target_update_episodes` episodes have passed since the
    /// last copy (checked after every update, as PyMARL does).
    func updateTargets(_ target: ParameterSet, from online: ParameterSet, episodes: Int) {
        if (episodes - lastTargetUpdate) / targetInterval >= 1 {
            target.copy(from: online)
            lastTargetUpdate = episodes
        }
    }
}

extension RecurrentNetworks: Checkpointable {
    func exchangeState(with archive: StateArchive) throws {
        try archive.value("last_target_update", &lastTargetUpdate)
    }
}

/// The state of a value learner on recurrent agents (QMIX, VDN, Soft-QMIX, FSV): its online and
/// target parameters, one optimizer, the target-copy cadence and the acting generator.
protocol RecurrentValueState: Checkpointable {
    var online: ParameterSet { get }
    var target: ParameterSet { get }
    var optimizer: any Optimizer { get }
    var networks: RecurrentNetworks { get }
    var rng: RandomSource { get set }
}

extension RecurrentValueState {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.parameters("online", online)
        try archive.parameters("target", target)
        try archive.optimizer("optimizer", optimizer)
        try archive.part("networks", networks)
        var generator = rng
        try archive.value("rng", &generator)
        if !archive.isSaving { rng = generator }
    }
}
