import Tensors

/// The acting side of a recurrent learner: keeps every agent's hidden state and previous action
/// across the steps of the running episodes and computes the agent networks' outputs (Q-values
/// or logits) for all environments in one batch.
public final class RecurrentController {
    public let agents: RecurrentAgents
    /// The step's tape: the tensor `step` returns lives until the next call.
    public let graph = Graph()
    private var hidden: [[Float]] = []
    private var lastActions: [Int32] = []
    private var rows: [[Float]] = []
    private var envs = 0

    public init(agents: RecurrentAgents) {
        self.agents = agents
        rows = Array(repeating: [], count: agents.networks.count)
    }

    /// A controller of one network over every agent.
    public convenience init(agent: RecurrentAgent, inputs: AgentInputs) {
        self.init(agents: RecurrentAgents(network: agent, inputs: inputs))
    }

    /// Starts `envs` episodes: zero hidden states, no previous action.
    public func begin(envs: Int) {
        self.envs = envs
        hidden = agents.inputs.map { [Float](repeating: 0, count: envs * $0.members.count * agents.hidden) }
        lastActions = [Int32](repeating: -1, count: envs * agents.layout.agents)
    }

    /// The agent outputs [E·N, A] for the current observations [E][N][O]; advances the hidden states.
    public func step(observations: UnsafeBufferPointer<Float>) -> Tensor {
        graph.reset()
        var xs: [Tensor] = [], hs: [Tensor] = []
        for (k, inputs) in agents.inputs.enumerated() {
            inputs.fill(observations: observations, lastActions: lastActions, envs: envs, into: &rows[k])
            let count = envs * inputs.members.count
            xs.append(rows[k].withUnsafeMutableBufferPointer { graph.constant(copying: $0.baseAddress!, Shape(count, inputs.width)) })
            hs.append(hidden[k].withUnsafeMutableBufferPointer { graph.constant(copying: $0.baseAddress!, Shape(count, agents.hidden)) })
        }
        let (output, next) = graph.withoutGradients { agents.step(xs, hs) }
        for k in next.indices {
            hidden[k].withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: next[k].storage, count: next[k].count) }
        }
        return output
    }

    /// Records the actions taken, the next step's "previous action".
    public func record(actions: [Int32]) {
        lastActions = actions
    }
}
