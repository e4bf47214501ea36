import Common
import Learners
import Worlds

/// Who chooses the joint actions of a collection: a learner (either family) or uniform random
/// actions (the actor-critics' warm-up).
struct ActingPolicy {
    /// Called when E new episodes start (recurrent learners reset their hidden states).
    let begin: (Int) -> Void
    /// Actions for one step of all instances: observations [E][N][O], states [E][S], availability [E][N][A].
    let act: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> JointActions

    static func learner(_ learner: AnyLearner, mode: ActingMode, step: Int) -> ActingPolicy {
        switch learner {
        case let .episodes(l):
            return ActingPolicy(begin: { l.beginEpisodes(envs: $0) }) { o, s, a in
                JointActions(discrete: l.act(observations: o, states: s, available: a, mode: mode, step: step))
            }
        case let .transitions(l):
            return ActingPolicy(begin: { _ in }) { o, s, a in l.act(observations: o, states: s, available: a, mode: mode, step: step) }
        }
    }

    /// Uniformly random available actions, or uniform values in [−1, 1] for each of a continuous agent's dimensions.
    static func uniform(_ layout: EpisodeLayout, rng: UnsafeMutablePointer<SeededGenerator>) -> ActingPolicy {
        ActingPolicy(begin: { _ in }) { observations, _, available in
            let rows = observations.count / layout.observationSize, N = layout.agents, A = layout.actions, D = layout.actionDimensions
            if D == 0 {
                return JointActions(discrete: (0..<rows).map { r in
                    ActionSelection.uniformAvailable(row: r, available: available.baseAddress!, actions: A, rng: &rng.pointee) ?? 0
                })
            }
            var joint = JointActions(discrete: A > 0 ? Array(repeating: 0, count: rows) : [], continuous: Array(repeating: 0, count: rows * D))
            for r in 0..<rows {
                switch layout.actionSpaces[r % N] {
                case .discrete:
                    joint.discrete[r] = ActionSelection.uniformAvailable(row: r, available: available.baseAddress!, actions: A, rng: &rng.pointee) ?? 0
                case let .continuous(d):
                    for k in 0..<d { joint.continuous[r * D + k] = rng.pointee.uniform(-1, 1) }
                }
            }
            return joint
        }
    }
}

/// Runs one episode in every world instance of a pool at once, the policy choosing all joint
/// actions of a step in one batch (PyMARL's parallel runner). Optionally records the episodes
/// for the replay memory, or films them (the world's picture at every step) for replay.html.
/// Continuous actions arrive in [−1, 1] and are scaled to each dimension's [low, high].
final class Collector {
    let pool: WorldPool
    let layout: EpisodeLayout
    /// One record per instance: the episodes of the last `collect` (when recording).
    let records: [EpisodeRecord]
    private let recording: Bool
    private let filming: Bool
    /// The smallest and largest reward of any step collected so far (the scale Q estimates are checked against).
    private(set) var rewardRange = (lowest: Double.infinity, highest: -Double.infinity)
    private var slots: [Slot]
    private var observations: [Float]
    private var states: [Float]
    private var available: [Float]
    private let padding: AgentPadding

    /// Per-instance state touched only by the thread stepping that instance.
    final class Slot {
        var action: JointAction
        var result = StepResult(reward: 0, terminated: false, truncated: false)
        var episodeReturn = 0.0
        var active = true
        var film = ReplayEpisode()
        /// The world's observations and availability padded to the layout's agent rows (heterogeneous teams).
        var observations: [Float] = [], available: [UInt8] = []
        init(spec: WorldSpec) { action = JointAction(spec: spec) }
    }

    init(pool: WorldPool, layout: EpisodeLayout, recording: Bool, filming: Bool = false) {
        self.pool = pool
        self.layout = layout
        self.recording = recording
        self.filming = filming
        padding = AgentPadding(spec: pool.spec, layout: layout)
        let count = pool.worlds.count
        records = (0..<count).map { _ in EpisodeRecord(layout: layout) }
        slots = (0..<count).map { _ in Slot(spec: pool.spec) }
        observations = [Float](repeating: 0, count: count * layout.agents * layout.observationSize)
        states = [Float](repeating: 0, count: count * layout.stateSize)
        available = [Float](repeating: 0, count: count * layout.agents * layout.actions)
        // Strict checks for each instance's first episode; later ones rely on the cheap checks.
        for world in pool.worlds { world.strict = true }
    }

    func collect(learner: AnyLearner, mode: ActingMode, step: Int) throws -> [EpisodeOutcome] {
        try collect(ActingPolicy.learner(learner, mode: mode, step: step))
    }

    func collect(_ policy: ActingPolicy) throws -> [EpisodeOutcome] {
        let E = pool.worlds.count, N = layout.agents, D = layout.actionDimensions
        let spaces = pool.spec.actionSpaces, continuousOffsets = pool.spec.continuousOffsets
        policy.begin(E)
        try pool.forEach(Array(0..<E)) { k in
            let world = pool.worlds[k]
            try world.reset()
            slots[k].active = true
            slots[k].episodeReturn = 0
            if filming {
                slots[k].film = ReplayEpisode()
                try slots[k].film.film(world, reward: nil)
            }
            if recording {
                records[k].clear()
                record(world, in: slots[k], to: records[k])
            }
        }
        var active = Array(0..<E)
        while !active.isEmpty {
            gather()
            var actions = observations.withUnsafeBufferPointer { obs in
                states.withUnsafeBufferPointer { s in
                    available.withUnsafeBufferPointer { avail in policy.act(obs, s, avail) }
                }
            }
            for k in 0..<actions.continuous.count { actions.continuous[k] = min(max(actions.continuous[k], -1), 1) }
            try pool.forEach(active) { k in
                let world = pool.worlds[k], slot = slots[k]
                for i in 0..<N {
                    switch spaces[i] {
                    case .discrete: slot.action.discrete[i] = actions.discrete[k * N + i]
                    case let .continuous(low, high):
                        let offset = continuousOffsets[i]
                        for d in 0..<low.count {
                            slot.action.continuous[offset + d] = AgentPadding.worldValue(actions.continuous[(k * N + i) * D + d], low: low[d], high: high[d])
                        }
                    }
                }
                slot.result = try world.step(slot.action)
                slot.episodeReturn += slot.result.reward
                rewardRange = (min(rewardRange.lowest, slot.result.reward), max(rewardRange.highest, slot.result.reward))
                if filming { try slot.film.film(world, reward: slot.result.reward) }
                if recording {
                    if layout.isMixed {
                        records[k].act(discrete: actions.discrete[(k * N)..<((k + 1) * N)],
                                       continuous: actions.continuous[(k * N * D)..<((k + 1) * N * D)], reward: slot.result.reward)
                    } else if D > 0 {
                        records[k].act(continuous: actions.continuous[(k * N * D)..<((k + 1) * N * D)], reward: slot.result.reward)
                    } else {
                        records[k].act(actions.discrete[(k * N)..<((k + 1) * N)], reward: slot.result.reward)
                    }
                    record(world, in: slot, to: records[k])
                    if slot.result.done { records[k].finish(terminated: slot.result.terminated) }
                }
                if slot.result.done {
                    slot.active = false
                    if filming { slot.film.info = world.episodeInfo }
                    world.strict = false
                }
            }
            active = active.filter { slots[$0].active }
        }
        return (0..<E).map { k in
            EpisodeOutcome(episodeReturn: slots[k].episodeReturn, length: pool.worlds[k].stepsInEpisode,
                           terminated: slots[k].result.terminated, info: pool.worlds[k].episodeInfo)
        }
    }

    /// The filmed episodes of the last `collect`, one per instance (when filming).
    var films: [ReplayEpisode] { slots.map(\.film) }

    /// Records what the agents of `world` see now, padded to the layout's rows where agents differ.
    private func record(_ world: LuaWorld, in slot: Slot, to record: EpisodeRecord) {
        if padding.isIdentity {
            record.observe(observations: UnsafeBufferPointer(world.observations), state: UnsafeBufferPointer(world.state),
                           available: UnsafeBufferPointer(world.available))
            return
        }
        padding.observations(from: UnsafeBufferPointer(world.observations), into: &slot.observations)
        padding.available(from: UnsafeBufferPointer(world.available), into: &slot.available)
        slot.observations.withUnsafeBufferPointer { o in
            slot.available.withUnsafeBufferPointer { a in record.observe(observations: o, state: UnsafeBufferPointer(world.state), available: a) }
        }
    }

    /// Copies every instance's current observations, state and availability into the batch arrays
    /// (finished instances keep their last ones; their actions are ignored).
    private func gather() {
        let perObs = layout.agents * layout.observationSize, perAvail = layout.agents * layout.actions, S = layout.stateSize
        for (k, world) in pool.worlds.enumerated() {
            if padding.isIdentity {
                for j in 0..<perObs { observations[k * perObs + j] = world.observations[j] }
                for j in 0..<perAvail { available[k * perAvail + j] = Float(world.available[j]) }
            } else {
                padding.copyObservations(from: UnsafeBufferPointer(world.observations), to: &observations, at: k * perObs)
                padding.copyAvailable(from: UnsafeBufferPointer(world.available), to: &available, at: k * perAvail)
            }
            for j in 0..<S { states[k * S + j] = world.state[j] }
        }
    }
}

extension Collector: Checkpointable {
    /// The reward range seen so far (the scale of the divergence warning); the worlds are saved by
    /// the run, and the records are rebuilt by the next collection.
    func exchangeState(with archive: StateArchive) throws {
        try archive.value("lowest_reward", &rewardRange.lowest)
        try archive.value("highest_reward", &rewardRange.highest)
    }
}
