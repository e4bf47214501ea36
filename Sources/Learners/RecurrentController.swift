import Tensors

/// The acting side of a recurrent learner: keeps every agent's hidden state and previous action
/// across the steps of the running episodes and computes the agent network's outputs (Q-values
/// or logits) for all environments in one batch.
public final class RecurrentController {
    public let agent: RecurrentAgent
    public let inputs: AgentInputs
    /// The step's tape: the tensor `step` returns lives until the next call.
    public let graph = Graph()
    private var hidden: [Float] = []
    private var lastActions: [Int32] = []
    private var rows: [Float] = []
    private var envs = 0

    public init(agent: RecurrentAgent, inputs: AgentInputs) {
        self.agent = agent
        self.inputs = inputs
    }

    /// Starts `envs` episodes: zero hidden states, no previous action.
    public func begin(envs: Int) {
        self.envs = envs
        hidden = [Float](repeating: 0, count: envs * inputs.layout.agents * agent.hidden)
        lastActions = [Int32](repeating: -1, count: envs * inputs.layout.agents)
    }

    /// The agent outputs [E·N, A] for the current observations [E][N][O]; advances the hidden states.
    public func step(observations: UnsafeBufferPointer<Float>) -> Tensor {
        graph.reset()
        inputs.fill(observations: observations, lastActions: lastActions, envs: envs, into: &rows)
        let count = envs * inputs.layout.agents
        let x = rows.withUnsafeMutableBufferPointer { graph.constant(copying: $0.baseAddress!, Shape(count, inputs.width)) }
        let h = hidden.withUnsafeMutableBufferPointer { graph.constant(copying: $0.baseAddress!, Shape(count, agent.hidden)) }
        let (output, next) = graph.withoutGradients { agent.step(x, h) }
        hidden.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: next.storage, count: next.count) }
        return output
    }

    /// Records the actions taken, the next step's "previous action".
    public func record(actions: [Int32]) {
        lastActions = actions
    }
}
