/// The recurrent agent's input for one agent and step (ALGORITHMS.md §0.10): its observation,
/// the one-hot of its previous action (zeros at t = 0) and the one-hot of its id.
public struct AgentInputs: Sendable {
    public let layout: EpisodeLayout
    public let lastAction: Bool
    public let agentID: Bool

    public init(layout: EpisodeLayout, lastAction: Bool, agentID: Bool) {
        self.layout = layout
        self.lastAction = lastAction
        self.agentID = agentID
    }

    public var width: Int {
        layout.observationSize + (lastAction ? layout.actions : 0) + (agentID ? layout.agents : 0)
    }

    /// Rows for every slot of a batch, [steps + 1][B][N][width] (the batch's own layout).
    public func fill(batch: EpisodeBatch, into out: inout [Float]) {
        let N = layout.agents, O = layout.observationSize, B = batch.episodes
        let rows = (batch.steps + 1) * B * N
        reset(&out, count: rows * width)
        batch.observations.withUnsafeBufferPointer { obs in
            out.withUnsafeMutableBufferPointer { x in
                for row in 0..<rows {
                    let base = row * width
                    for k in 0..<O { x[base + k] = obs[row * O + k] }
                    var offset = O
                    if lastAction {
                        // slot t ≥ 1 shows the action of slot t − 1 (B·N rows earlier)
                        if row >= B * N { x[base + offset + Int(batch.actions[row - B * N])] = 1 }
                        offset += layout.actions
                    }
                    if agentID { x[base + offset + row % N] = 1 }
                }
            }
        }
    }

    /// Rows for one step of `envs` environments: observations [E][N][O], previous actions
    /// [E·N] (−1 before the first step) → [E][N][width].
    public func fill(observations: UnsafeBufferPointer<Float>, lastActions: [Int32], envs: Int, into out: inout [Float]) {
        let N = layout.agents, O = layout.observationSize
        let rows = envs * N
        reset(&out, count: rows * width)
        out.withUnsafeMutableBufferPointer { x in
            for row in 0..<rows {
                let base = row * width
                for k in 0..<O { x[base + k] = observations[row * O + k] }
                var offset = O
                if lastAction {
                    if lastActions[row] >= 0 { x[base + offset + Int(lastActions[row])] = 1 }
                    offset += layout.actions
                }
                if agentID { x[base + offset + row % N] = 1 }
            }
        }
    }

    private func reset(_ array: inout [Float], count: Int) {
        if array.count != count {
            array = [Float](repeating: 0, count: count)
        } else {
            array.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }
}
