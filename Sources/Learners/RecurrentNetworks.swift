import Common
import Tensors

/// The online and target recurrent agent networks of a value learner, with the acting
/// controller and the hard target-copy cadence (every `target_update_episodes` episodes, PyMARL).
final class RecurrentNetworks {
    let inputs: AgentInputs
    let agent: RecurrentAgent
    let targetAgent: RecurrentAgent
    let controller: RecurrentController
    private let targetInterval: Int
    private var lastTargetUpdate = 0

    init(layout: EpisodeLayout, settings: Settings, rng: inout RandomSource) {
        inputs = AgentInputs(layout: layout, lastAction: settings.bool("obs_last_action"), agentID: settings.bool("obs_agent_id"))
        let hidden = settings.int("rnn_hidden")
        agent = RecurrentAgent("agent", inputs: inputs.width, hidden: hidden, actions: layout.actions, rng: &rng)
        targetAgent = RecurrentAgent("target_agent", inputs: inputs.width, hidden: hidden, actions: layout.actions, rng: &rng)
        controller = RecurrentController(agent: agent, inputs: inputs)
        targetInterval = max(1, settings.int("target_update_episodes"))
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
