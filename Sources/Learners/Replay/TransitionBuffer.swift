import Common

/// Single transitions with n-step returns, first in first out (docs/learners.md §0.2, HARL's buffer).
/// Episodes arrive whole, so the n-step sums are exact: from step t the return follows the episode
/// for k = min(n, length − t) steps, R = Σ_{j<k} γʲ r_{t+j}, and the bootstrap is taken at slot
/// t + k with discount γᵏ, or 0 when the episode terminated there. A truncated episode bootstraps
/// from its last state. Like HARL, intermediate entropy bonuses are not added; only the bootstrap
/// carries them.
public final class TransitionBuffer {
    public let layout: EpisodeLayout
    public let capacity: Int
    public let steps: Int
    public let gamma: Float
    public internal(set) var count = 0
    var next = 0
    var rows: TransitionRows

    public init(layout: EpisodeLayout, capacity: Int, steps: Int, gamma: Float) {
        precondition(capacity >= 1 && steps >= 1)
        self.layout = layout
        self.capacity = capacity
        self.steps = steps
        self.gamma = gamma
        rows = TransitionRows(layout: layout, count: 0)
    }

    /// Stores every transition of a finished episode, overwriting the oldest when full.
    public func insert(_ record: EpisodeRecord) {
        precondition(record.layout == layout)
        let L = record.length
        for t in 0..<L {
            let k = min(steps, L - t), end = t + k
            var ret: Float = 0, scale: Float = 1
            for j in 0..<k {
                ret += scale * record.rewards[t + j]
                scale *= gamma
            }
            let terminal = end == L && record.terminated
            if next >= rows.count { rows.grow(to: min(capacity, max(2 * rows.count, 1024))) }
            rows.store(at: next, from: record, slot: t, next: end, reward: ret, discount: terminal ? 0 : scale)
            next = (next + 1) % capacity
            count = min(count + 1, capacity)
        }
    }

    /// Fills `batch` with `batch.size` transitions drawn uniformly with replacement (as HARL).
    public func sample(into batch: TransitionBatch, using generator: inout SeededGenerator) {
        precondition(count > 0, "the buffer is empty")
        batch.rows.gather(from: rows, rows: batch.size) { _ in generator.nextInt(below: count) }
    }
}

/// A minibatch of transitions, row-major: row b, agent i.
public final class TransitionBatch {
    public let layout: EpisodeLayout
    public let size: Int
    var rows: TransitionRows

    public init(layout: EpisodeLayout, size: Int) {
        self.layout = layout
        self.size = size
        rows = TransitionRows(layout: layout, count: size)
    }

    /// [B][S]
    public var states: [Float] { rows.states }
    /// [B][N][O]
    public var observations: [Float] { rows.observations }
    /// [B][N][A], 1 for available (discrete layouts).
    public var available: [Float] { rows.available }
    /// [B][N][W]: one-hot actions (discrete agents) or the values in [−1, 1] (continuous agents), each agent's row
    /// padded with zeros to the layout's `actionWidth`.
    public var actions: [Float] { rows.actions }
    /// [B][N], 0-based (discrete layouts).
    public var actionIndices: [Int32] { rows.actionIndices }
    /// [B]: the n-step discounted reward sum.
    public var rewards: [Float] { rows.rewards }
    /// [B]: γᵏ for the bootstrap, 0 after a termination.
    public var discounts: [Float] { rows.discounts }
    /// [B][S], [B][N][O], [B][N][A]: where the n-step return bootstraps.
    public var nextStates: [Float] { rows.nextStates }
    public var nextObservations: [Float] { rows.nextObservations }
    public var nextAvailable: [Float] { rows.nextAvailable }
}

/// Column storage shared by the buffer and its batches.
struct TransitionRows {
    let S: Int, NO: Int, NA: Int, NW: Int, N: Int
    var states: [Float], observations: [Float], available: [Float], actions: [Float], actionIndices: [Int32]
    var rewards: [Float], discounts: [Float]
    var nextStates: [Float], nextObservations: [Float], nextAvailable: [Float]
    /// Rows allocated (a buffer grows toward its capacity as transitions arrive).
    var count: Int { rewards.count }

    init(layout: EpisodeLayout, count: Int) {
        N = layout.agents
        S = layout.stateSize
        NO = N * layout.observationSize
        NA = N * layout.actions
        NW = N * layout.actionWidth
        states = Array(repeating: 0, count: count * S)
        observations = Array(repeating: 0, count: count * NO)
        available = Array(repeating: 0, count: count * NA)
        actions = Array(repeating: 0, count: count * NW)
        actionIndices = Array(repeating: 0, count: count * N)
        rewards = Array(repeating: 0, count: count)
        discounts = Array(repeating: 0, count: count)
        nextStates = Array(repeating: 0, count: count * S)
        nextObservations = Array(repeating: 0, count: count * NO)
        nextAvailable = Array(repeating: 0, count: count * NA)
    }

    mutating func grow(to rows: Int) {
        let more = rows - count
        guard more > 0 else { return }
        states += repeatElement(0, count: more * S)
        observations += repeatElement(0, count: more * NO)
        available += repeatElement(0, count: more * NA)
        actions += repeatElement(0, count: more * NW)
        actionIndices += repeatElement(0, count: more * N)
        rewards += repeatElement(0, count: more)
        discounts += repeatElement(0, count: more)
        nextStates += repeatElement(0, count: more * S)
        nextObservations += repeatElement(0, count: more * NO)
        nextAvailable += repeatElement(0, count: more * NA)
    }

    mutating func store(at r: Int, from record: EpisodeRecord, slot t: Int, next end: Int, reward: Float, discount: Float) {
        Self.put(record.states, t * S, &states, r * S, S)
        Self.put(record.observations, t * NO, &observations, r * NO, NO)
        Self.put(record.available, t * NA, &available, r * NA, NA)
        Self.put(record.states, end * S, &nextStates, r * S, S)
        Self.put(record.observations, end * NO, &nextObservations, r * NO, NO)
        Self.put(record.available, end * NA, &nextAvailable, r * NA, NA)
        let layout = record.layout
        if layout.isContinuous && layout.actionDimensions == layout.actionWidth {
            Self.put(record.continuousActions, t * NW, &actions, r * NW, NW)
        } else {
            // Agent i's row of width W: a one-hot of its discrete action, or its continuous values, then zeros.
            let W = layout.actionWidth, D = layout.actionDimensions
            for k in 0..<NW { actions[r * NW + k] = 0 }
            for i in 0..<N {
                let a = record.actions[t * N + i]
                actionIndices[r * N + i] = a
                switch layout.actionSpaces[i] {
                case .discrete: actions[r * NW + i * W + Int(a)] = 1
                case let .continuous(d): Self.put(record.continuousActions, (t * N + i) * D, &actions, r * NW + i * W, d)
                }
            }
        }
        rewards[r] = reward
        discounts[r] = discount
    }

    /// Rows 0..<rows of self become source's rows `pick(0)`, `pick(1)`, … (drawn in that order): one
    /// pass over the batch with plain memory copies, the buffer's arrays opened once.
    mutating func gather(from source: TransitionRows, rows: Int, pick: (Int) -> Int) {
        let (S, NO, NA, NW, N) = (S, NO, NA, NW, N)
        func copy(_ from: [Float], _ to: inout [Float], _ width: Int, _ r: Int, _ b: Int) {
            guard width > 0 else { return }
            from.withUnsafeBufferPointer { f in
                to.withUnsafeMutableBufferPointer { t in (t.baseAddress! + b * width).update(from: f.baseAddress! + r * width, count: width) }
            }
        }
        for b in 0..<rows {
            let r = pick(b)
            copy(source.states, &states, S, r, b)
            copy(source.observations, &observations, NO, r, b)
            copy(source.available, &available, NA, r, b)
            copy(source.actions, &actions, NW, r, b)
            for i in 0..<N { actionIndices[b * N + i] = source.actionIndices[r * N + i] }
            rewards[b] = source.rewards[r]
            discounts[b] = source.discounts[r]
            copy(source.nextStates, &nextStates, S, r, b)
            copy(source.nextObservations, &nextObservations, NO, r, b)
            copy(source.nextAvailable, &nextAvailable, NA, r, b)
        }
    }

    @inline(__always)
    static func put(_ source: [Float], _ from: Int, _ target: inout [Float], _ at: Int, _ count: Int) {
        for k in 0..<count { target[at + k] = source[from + k] }
    }
}

extension TransitionBuffer: Checkpointable {
    /// The filled rows of every column and the ring position.
    public func exchangeState(with archive: StateArchive) throws {
        try archive.value("count", &count)
        try archive.value("next", &next)
        try rows.exchange(with: archive, rows: count)
        guard !archive.isSaving else { return }
        guard count >= 0, count <= capacity, next >= 0, next < capacity, rows.count == count, rows.isConsistent else {
            throw StateArchiveError("the checkpoint's replay buffer does not fit this run's buffer (capacity \(capacity))")
        }
    }
}

extension TransitionRows {
    /// The first `rows` rows of every column (rows allocated ahead of use are not saved).
    mutating func exchange(with archive: StateArchive, rows n: Int) throws {
        try archive.array("states", &states, prefix: n * S)
        try archive.array("observations", &observations, prefix: n * NO)
        try archive.array("available", &available, prefix: n * NA)
        try archive.array("actions", &actions, prefix: n * NW)
        try archive.array("action_indices", &actionIndices, prefix: n * N)
        try archive.array("rewards", &rewards, prefix: n)
        try archive.array("discounts", &discounts, prefix: n)
        try archive.array("next_states", &nextStates, prefix: n * S)
        try archive.array("next_observations", &nextObservations, prefix: n * NO)
        try archive.array("next_available", &nextAvailable, prefix: n * NA)
    }

    /// Every column has `count` rows of its width.
    var isConsistent: Bool {
        let n = count
        return states.count == n * S && observations.count == n * NO && available.count == n * NA && actions.count == n * NW
            && actionIndices.count == n * N && discounts.count == n && nextStates.count == n * S
            && nextObservations.count == n * NO && nextAvailable.count == n * NA
    }
}
