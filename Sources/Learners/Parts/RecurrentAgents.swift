import Common
import Tensors

/// A team's recurrent agent networks (docs/learners.md §0.10): one network per group of agents with
/// equal observation size and action space, shared within the group with an agent-id input
/// (PyMARL's parameter sharing; a homogeneous team has one network), or one per agent. Outputs
/// come back for every agent in world order, padded to the layout's widest action set with
/// zeros that the availability masks exclude.
public final class RecurrentAgents {
    public let layout: EpisodeLayout
    public let networks: [RecurrentAgent]
    /// Each network's inputs (its members' rows).
    public let inputs: [AgentInputs]

    /// Networks named `name` (one network) or `name0`, `name1`, … (one per group or agent).
    public init(_ name: String, layout: EpisodeLayout, sharing: ParameterSharing, lastAction: Bool, agentID: Bool, hidden: Int,
                rng: inout RandomSource) {
        self.layout = layout
        let members = sharing == .groups ? layout.groups : (0..<layout.agents).map { [$0] }
        inputs = members.map { AgentInputs(layout: layout, members: $0, lastAction: lastAction, agentID: agentID) }
        networks = inputs.enumerated().map { k, input in
            RecurrentAgent(members.count == 1 ? name : "\(name)\(k)", inputs: input.width, hidden: hidden, actions: input.actions, rng: &rng)
        }
    }

    /// A team of one network over every agent (its inputs' members).
    public init(network: RecurrentAgent, inputs: AgentInputs) {
        layout = inputs.layout
        networks = [network]
        self.inputs = [inputs]
    }

    /// Every network's parameters.
    public var parameters: [Parameter] { networks.flatMap(\.parameters) }

    /// Hidden size.
    public var hidden: Int { networks[0].hidden }

    /// Each network's input rows of a batch, as constants [T+1, B·Mₖ, widthₖ]; `rows` keeps their storage between calls.
    public func batchInputs(_ batch: EpisodeBatch, rows: inout [[Float]], graph g: Graph) -> [Tensor] {
        if rows.count != inputs.count { rows = Array(repeating: [], count: inputs.count) }
        let T = batch.steps, B = batch.episodes
        return inputs.indices.map { k in
            inputs[k].fill(batch: batch, into: &rows[k])
            return rows[k].withUnsafeBufferPointer {
                g.constant(copying: $0.baseAddress!, Shape(T + 1, B * inputs[k].members.count, inputs[k].width))
            }
        }
    }

    /// Unrolls every network over its inputs from zero hidden states: outputs [T+1, B·N, A] for all agents.
    public func unroll(_ xs: [Tensor]) -> Tensor {
        interleave(zip(networks, xs).map { $0.unroll($1) })
    }

    /// One step of every network: inputs [E·Mₖ, widthₖ] and hidden states [E·Mₖ, H] → outputs [E·N, A] and the next hidden states.
    public func step(_ xs: [Tensor], _ hs: [Tensor]) -> (output: Tensor, hidden: [Tensor]) {
        let steps = zip(networks, zip(xs, hs)).map { $0.step($1.0, $1.1) }
        let outputs = steps.map(\.output)
        let rows = outputs[0].shape[0] / inputs[0].members.count
        return (interleave(outputs.map { $0.reshaped(Shape(1, $0.shape[0], $0.shape[1])) }).reshaped(Shape(rows * layout.agents, layout.actions)),
                steps.map(\.hidden))
    }

    private func interleave(_ parts: [Tensor]) -> Tensor {
        GroupOutputs.interleave(parts, members: inputs.map(\.members), agents: layout.agents, actions: layout.actions)
    }
}

/// Outputs of networks that each serve some agents (a group), laid back out for the whole team.
public enum GroupOutputs {
    /// Per-network outputs [T, B·Mₖ, Aₖ] (network k's agents `members[k]`, Aₖ ≤ A) as [T, B·N, A] in
    /// world order, zeros in the padded actions; the output itself when one network serves every agent.
    public static func interleave(_ parts: [Tensor], members: [[Int]], agents N: Int, actions A: Int) -> Tensor {
        if parts.count == 1 && parts[0].shape[2] == A { return parts[0] }
        let T = parts[0].shape[0], B = parts[0].shape[1] / members[0].count, g = parts[0].graph
        let padded = zip(parts, members).map { part, group -> Tensor in
            let wide = part.shape[2] == A ? part : concat([part, g.zeros(Shape(T, part.shape[1], A - part.shape[2]))], axis: -1)
            return wide.reshaped(Shape(T, B, group.count, A))
        }
        // Runs of agents that are consecutive in world order and in one network become one slice.
        var pieces: [Tensor] = []
        var i = 0
        while i < N {
            let k = members.firstIndex { $0.contains(i) }!, start = members[k].firstIndex(of: i)!
            var end = start + 1
            while end < members[k].count && members[k][end] == i + (end - start) { end += 1 }
            pieces.append(padded[k].sliced(axis: 2, start..<end))
            i += end - start
        }
        return concat(pieces, axis: 2).reshaped(Shape(T, B * N, A))
    }
}
