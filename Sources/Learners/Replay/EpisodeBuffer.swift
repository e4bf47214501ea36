import Common

/// One episode as it is collected: slot t holds the observations, state and availability seen
/// at step t (t = 0...length) and, for t < length, the actions taken and the reward received.
/// Slot `length` is the final state, stored without a reward (docs/learners.md §0.2).
public final class EpisodeRecord {
    public let layout: EpisodeLayout
    public internal(set) var length = 0
    public internal(set) var terminated = false
    public internal(set) var episodeReturn = 0.0
    var observations: [Float] = []
    var states: [Float] = []
    var available: [Float] = []
    var actions: [Int32] = []
    var continuousActions: [Float] = []
    var rewards: [Float] = []

    public init(layout: EpisodeLayout) {
        self.layout = layout
        // Room for a typical episode; a longer one grows the arrays as it goes (an episode limit of
        // 10⁸ must not reserve 10⁸ slots).
        let slots = min(layout.episodeLimit, 128) + 1
        observations.reserveCapacity(slots * layout.agents * layout.observationSize)
        states.reserveCapacity(slots * layout.stateSize)
        available.reserveCapacity(slots * layout.agents * layout.actions)
        actions.reserveCapacity(slots * layout.agents)
        continuousActions.reserveCapacity(slots * layout.agents * layout.actionDimensions)
        rewards.reserveCapacity(slots)
    }

    /// Starts a new episode, keeping the memory of the last one.
    public func clear() {
        length = 0
        terminated = false
        episodeReturn = 0
        observations.removeAll(keepingCapacity: true)
        states.removeAll(keepingCapacity: true)
        available.removeAll(keepingCapacity: true)
        actions.removeAll(keepingCapacity: true)
        continuousActions.removeAll(keepingCapacity: true)
        rewards.removeAll(keepingCapacity: true)
    }

    /// Records what the agents see at the current slot (after reset, then after every step).
    public func observe(observations o: UnsafeBufferPointer<Float>, state s: UnsafeBufferPointer<Float>, available a: UnsafeBufferPointer<UInt8>) {
        precondition(o.count == layout.agents * layout.observationSize && s.count == layout.stateSize && a.count == layout.agents * layout.actions)
        observations.append(contentsOf: o)
        states.append(contentsOf: s)
        for flag in a { available.append(flag == 0 ? 0 : 1) }
    }

    /// Records the joint action (0-based ids) taken at the current slot and its reward.
    public func act<Joint: Collection<Int32>>(_ joint: Joint, reward: Double) {
        precondition(joint.count == layout.agents && actions.count == length * layout.agents)
        actions.append(contentsOf: joint)
        rewards.append(Float(reward))
        episodeReturn += reward
        length += 1
    }

    /// Records the continuous joint action ([N][D], normalized to [−1, 1]) taken at the current slot and its reward.
    public func act<Joint: Collection<Float>>(continuous joint: Joint, reward: Double) {
        precondition(joint.count == layout.agents * layout.actionDimensions && rewards.count == length)
        continuousActions.append(contentsOf: joint)
        actions.append(contentsOf: repeatElement(0, count: layout.agents))
        rewards.append(Float(reward))
        episodeReturn += reward
        length += 1
    }

    /// Records a mixed team's joint action: the discrete agents' ids [N] (0 for continuous agents)
    /// and the continuous agents' values [N][D] (0 for discrete agents), and the reward.
    public func act<Ids: Collection<Int32>, Values: Collection<Float>>(discrete ids: Ids, continuous values: Values, reward: Double) {
        precondition(ids.count == layout.agents && values.count == layout.agents * layout.actionDimensions && rewards.count == length)
        actions.append(contentsOf: ids)
        continuousActions.append(contentsOf: values)
        rewards.append(Float(reward))
        episodeReturn += reward
        length += 1
    }

    /// Ends the episode; `terminated` is the world's termination, not the host's time limit.
    public func finish(terminated: Bool) {
        precondition(observations.count == (length + 1) * layout.agents * layout.observationSize, "the final observation is missing")
        self.terminated = terminated
    }

    /// A copy holding exactly this episode's values: the collector's record keeps its spare room,
    /// a stored episode none (sharing the record's arrays would keep their reserve alive per episode).
    func copy() -> EpisodeRecord {
        let c = EpisodeRecord(stored: layout)
        c.length = length
        c.terminated = terminated
        c.episodeReturn = episodeReturn
        c.observations = observations.withUnsafeBufferPointer(Array.init)
        c.states = states.withUnsafeBufferPointer(Array.init)
        c.available = available.withUnsafeBufferPointer(Array.init)
        c.actions = actions.withUnsafeBufferPointer(Array.init)
        c.continuousActions = continuousActions.withUnsafeBufferPointer(Array.init)
        c.rewards = rewards.withUnsafeBufferPointer(Array.init)
        return c
    }

    /// An empty record without reserved room (a stored episode, filled by `copy` or a checkpoint).
    init(stored layout: EpisodeLayout) {
        self.layout = layout
    }
}

/// Whole episodes, first in first out, sampled uniformly without replacement (docs/learners.md §0.2).
/// Each episode keeps only its own length of memory.
public final class EpisodeBuffer {
    public let layout: EpisodeLayout
    public let capacity: Int
    var episodes: [EpisodeRecord] = []
    var next = 0
    private var indices: [Int] = []

    public init(layout: EpisodeLayout, capacity: Int) {
        precondition(capacity >= 1)
        self.layout = layout
        self.capacity = capacity
    }

    public var count: Int { episodes.count }

    /// Stores a copy of a finished episode, replacing the oldest when full.
    public func insert(_ record: EpisodeRecord) {
        precondition(record.layout == layout)
        let stored = record.copy()
        if episodes.count < capacity {
            episodes.append(stored)
        } else {
            episodes[next] = stored
        }
        next = (next + 1) % capacity
    }

    /// Fills `batch` with `batch.episodes` distinct episodes drawn uniformly.
    public func sample(into batch: EpisodeBatch, using generator: inout SeededGenerator) {
        precondition(batch.episodes <= episodes.count, "the buffer holds \(episodes.count) episodes, fewer than a batch")
        // Restart from the identity so that a sample depends only on the generator, not on history.
        indices.removeAll(keepingCapacity: true)
        indices.append(contentsOf: 0..<episodes.count)
        for k in 0..<batch.episodes {
            let j = k + generator.nextInt(below: episodes.count - k)
            indices.swapAt(k, j)
        }
        batch.fill(from: indices[0..<batch.episodes].map { episodes[$0] })
    }
}

/// A minibatch of episodes laid out time-major, padded to the longest episode in it, so that
/// the rows of every time step are contiguous: slot t of episode b, agent i is row (t·B + b)·N + i.
public final class EpisodeBatch {
    public let layout: EpisodeLayout
    public let episodes: Int
    /// Transitions in the longest episode of the batch; slots run 0...steps.
    public private(set) var steps = 0
    /// [steps + 1][B][N][observationSize]
    public private(set) var observations: [Float] = []
    /// [steps + 1][B][stateSize]
    public private(set) var states: [Float] = []
    /// [steps + 1][B][N][actions], 1 for available; padded slots have none available.
    public private(set) var available: [Float] = []
    /// [steps + 1][B][N], 0-based; padded slots and each final slot hold 0.
    public private(set) var actions: [Int32] = []
    /// [steps + 1][B][N][D] continuous actions in [−1, 1] (continuous layouts); padded and final slots hold 0.
    public private(set) var continuousActions: [Float] = []
    /// [steps][B]
    public private(set) var rewards: [Float] = []
    /// [steps][B]: 1 for t < length of episode b.
    public private(set) var mask: [Float] = []
    public private(set) var lengths: [Int] = []
    public private(set) var terminated: [Bool] = []

    public init(layout: EpisodeLayout, episodes: Int) {
        self.layout = layout
        self.episodes = episodes
    }

    func fill(from records: [EpisodeRecord]) {
        let B = episodes, N = layout.agents, O = layout.observationSize, S = layout.stateSize, A = layout.actions
        steps = records.map(\.length).max() ?? 0
        let slots = steps + 1
        observations = Self.zeroed(observations, slots * B * N * O)
        states = Self.zeroed(states, slots * B * S)
        available = Self.zeroed(available, slots * B * N * A)
        actions = Self.zeroedInts(actions, slots * B * N)
        let D = layout.actionDimensions
        continuousActions = Self.zeroed(continuousActions, slots * B * N * D)
        rewards = Self.zeroed(rewards, steps * B)
        mask = Self.zeroed(mask, steps * B)
        lengths = records.map(\.length)
        terminated = records.map(\.terminated)
        for (b, record) in records.enumerated() {
            for t in 0...record.length {
                let row = t * B + b
                copy(record.observations, from: t * N * O, to: &observations, at: row * N * O, count: N * O)
                copy(record.states, from: t * S, to: &states, at: row * S, count: S)
                copy(record.available, from: t * N * A, to: &available, at: row * N * A, count: N * A)
                if t < record.length {
                    for i in 0..<N { actions[row * N + i] = record.actions[t * N + i] }
                    if D > 0 { copy(record.continuousActions, from: t * N * D, to: &continuousActions, at: row * N * D, count: N * D) }
                    rewards[row] = record.rewards[t]
                    mask[row] = 1
                }
            }
        }
    }

    /// Replaces every valid reward r by (r − mean)/deviation (padded steps keep 0).
    func standardizeRewards(mean: Float, deviation: Float) {
        for k in 0..<rewards.count where mask[k] != 0 { rewards[k] = (rewards[k] - mean) / deviation }
    }

    private func copy(_ source: [Float], from: Int, to target: inout [Float], at: Int, count: Int) {
        for k in 0..<count { target[at + k] = source[from + k] }
    }

    private static func zeroed(_ array: [Float], _ count: Int) -> [Float] {
        var a = array
        a.removeAll(keepingCapacity: true)
        a.append(contentsOf: repeatElement(0, count: count))
        return a
    }

    private static func zeroedInts(_ array: [Int32], _ count: Int) -> [Int32] {
        var a = array
        a.removeAll(keepingCapacity: true)
        a.append(contentsOf: repeatElement(0, count: count))
        return a
    }
}

extension EpisodeBuffer: Checkpointable {
    /// The ring position and every stored episode, each under its slot.
    public func exchangeState(with archive: StateArchive) throws {
        var count = episodes.count
        try archive.value("count", &count)
        try archive.value("next", &next)
        guard count >= 0, count <= capacity, next >= 0, next < capacity else {
            throw StateArchiveError("the checkpoint's replay buffer (\(count) episodes) does not fit this run's (capacity \(capacity))")
        }
        if !archive.isSaving { episodes = (0..<count).map { _ in EpisodeRecord(stored: layout) } }
        for (k, episode) in episodes.enumerated() { try archive.part("episode.\(k)", episode) }
    }
}

extension EpisodeRecord: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.value("length", &length)
        try archive.value("terminated", &terminated)
        try archive.value("return", &episodeReturn)
        try archive.array("observations", &observations)
        try archive.array("states", &states)
        try archive.array("available", &available)
        try archive.array("actions", &actions)
        try archive.array("continuous_actions", &continuousActions)
        try archive.array("rewards", &rewards)
        guard !archive.isSaving else { return }
        let N = layout.agents, slots = length + 1
        guard length >= 0, length <= layout.episodeLimit, observations.count == slots * N * layout.observationSize,
              states.count == slots * layout.stateSize, available.count == slots * N * layout.actions,
              actions.count == length * N, rewards.count == length,
              continuousActions.isEmpty || continuousActions.count == length * N * layout.actionDimensions else {
            throw StateArchiveError("a stored episode of the checkpoint does not fit this world's sizes")
        }
    }
}
