/// The recurrent agent's input for one agent and step (docs/learners.md §0.10): its observation,
/// the one-hot of its previous action (zeros at t = 0) and the one-hot of its id, for the agents
/// (`members`) of one network. All members share one observation size and action space; the
/// id is the agent's position among them.
public struct AgentInputs: Sendable {
    public let layout: EpisodeLayout
    public let lastAction: Bool
    public let agentID: Bool
    /// The agents whose rows these are, in world order.
    public let members: [Int]

    /// Inputs for `members` (default: every agent, a homogeneous team).
    public init(layout: EpisodeLayout, members: [Int]? = nil, lastAction: Bool, agentID: Bool) {
        self.layout = layout
        self.members = members ?? Array(0..<layout.agents)
        self.lastAction = lastAction
        self.agentID = agentID
    }

    /// The members' observation size.
    public var observationSize: Int { layout.observationSizes[members[0]] }
    /// The members' number of actions.
    public var actions: Int { layout.actionSpaces[members[0]].count }

    public var width: Int {
        observationSize + (lastAction ? actions : 0) + (agentID ? members.count : 0)
    }

    /// Rows for every slot of a batch, [steps + 1][B][members][width].
    public func fill(batch: EpisodeBatch, into out: inout [Float]) {
        let N = layout.agents, O = layout.observationSize, B = batch.episodes, M = members.count
        let slots = (batch.steps + 1) * B
        reset(&out, count: slots * M * width)
        batch.observations.withUnsafeBufferPointer { obs in
            out.withUnsafeMutableBufferPointer { x in
                for slot in 0..<slots {
                    for (p, i) in members.enumerated() {
                        fill(&x, row: slot * M + p, position: p, observation: obs.baseAddress! + (slot * N + i) * O,
                             // slot t ≥ 1 shows the action of slot t − 1 (B slots earlier)
                             lastAction: slot >= B ? batch.actions[(slot - B) * N + i] : -1)
                    }
                }
            }
        }
    }

    /// Rows for one step of `envs` environments: observations [E][N][O], previous actions
    /// [E·N] (−1 before the first step) → [E][members][width].
    public func fill(observations: UnsafeBufferPointer<Float>, lastActions: [Int32], envs: Int, into out: inout [Float]) {
        let N = layout.agents, O = layout.observationSize, M = members.count
        reset(&out, count: envs * M * width)
        out.withUnsafeMutableBufferPointer { x in
            for e in 0..<envs {
                for (p, i) in members.enumerated() {
                    fill(&x, row: e * M + p, position: p, observation: observations.baseAddress! + (e * N + i) * O,
                         lastAction: lastActions[e * N + i])
                }
            }
        }
    }

    @inline(__always)
    private func fill(_ x: inout UnsafeMutableBufferPointer<Float>, row: Int, position p: Int, observation: UnsafePointer<Float>,
                      lastAction: Int32) {
        let base = row * width, O = observationSize
        for k in 0..<O { x[base + k] = observation[k] }
        var offset = O
        if self.lastAction {
            if lastAction >= 0 { x[base + offset + Int(lastAction)] = 1 }
            offset += actions
        }
        if agentID { x[base + offset + p] = 1 }
    }

    private func reset(_ array: inout [Float], count: Int) {
        if array.count != count {
            array = [Float](repeating: 0, count: count)
        } else {
            array.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }
}
