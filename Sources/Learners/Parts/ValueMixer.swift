import Tensors

/// How per-agent values combine into Q_tot: VDN's sum or QMIX's monotonic hypernetwork mixer
/// (docs/learners.md §0.9). One value of this type per network (online or target).
public enum ValueMixer {
    case sum
    case qmix(QMixer)

    /// q [rows, N], states [rows, S] → Q_tot [rows, 1].
    public func callAsFunction(_ q: Tensor, _ states: Tensor) -> Tensor {
        switch self {
        case .sum: return VDNMixer()(q)
        case let .qmix(mixer): return mixer(q, states)
        }
    }

    public var parameters: [Parameter] {
        switch self {
        case .sum: return []
        case let .qmix(mixer): return mixer.parameters
        }
    }
}

/// Tensors built from an episode batch, shared by the value learners' updates.
struct BatchTensors {
    let steps: Int, episodes: Int
    /// Each network's agent inputs [T+1, B·Mₖ, widthₖ]
    let inputs: [Tensor]
    /// Availability [T+1, B·N, A]
    let available: Tensor
    /// Actions taken, as indices [T, B·N, 1]
    let actions: Tensor
    /// States of slots 0..<T [T·B, S] and of every slot [(T+1)·B, S]
    let states: Tensor, allStates: Tensor
    /// Mask [T·B, 1] and its sum
    let mask: Tensor, maskSum: Float

    init(_ batch: EpisodeBatch, agents: RecurrentAgents, rows: inout [[Float]], graph g: Graph) {
        let layout = batch.layout
        let T = batch.steps, B = batch.episodes, N = layout.agents
        steps = T
        episodes = B
        inputs = agents.batchInputs(batch, rows: &rows, graph: g)
        available = batch.available.withUnsafeBufferPointer { g.constant(copying: $0.baseAddress!, Shape(T + 1, B * N, layout.actions)) }
        actions = g.constant(Shape(T, B * N, 1)) { out in
            for k in 0..<out.count { out[k] = Float(batch.actions[k]) }
        }
        allStates = batch.states.withUnsafeBufferPointer { g.constant(copying: $0.baseAddress!, Shape((T + 1) * B, layout.stateSize)) }
        states = allStates.sliced(axis: 0, 0..<(T * B))
        mask = batch.mask.withUnsafeBufferPointer { g.constant(copying: $0.baseAddress!, Shape(T * B, 1)) }
        maskSum = Swift.max(1, batch.mask.reduce(0, +))
    }

    /// Values with unavailable actions pushed far below the rest, for argmax over available ones.
    func maskedForArgmax(_ values: Tensor) -> Tensor {
        values + (available - 1) * 1e7
    }
}
