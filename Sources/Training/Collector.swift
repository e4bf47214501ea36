import Learners
import Worlds

/// Runs one episode in every world instance of a pool at once, the learner choosing all joint
/// actions of a step in one batch (PyMARL's parallel runner). Optionally records the episodes.
final class Collector {
    let pool: WorldPool
    let layout: EpisodeLayout
    /// One record per instance: the episodes of the last `collect` (when recording).
    let records: [EpisodeRecord]
    private let recording: Bool
    private var slots: [Slot]
    private var observations: [Float]
    private var states: [Float]
    private var available: [Float]

    /// Per-instance state touched only by the thread stepping that instance.
    final class Slot {
        var action: JointAction
        var result = StepResult(reward: 0, terminated: false, truncated: false)
        var episodeReturn = 0.0
        var active = true
        init(spec: WorldSpec) { action = JointAction(spec: spec) }
    }

    init(pool: WorldPool, layout: EpisodeLayout, recording: Bool) {
        self.pool = pool
        self.layout = layout
        self.recording = recording
        let count = pool.worlds.count
        records = (0..<count).map { _ in EpisodeRecord(layout: layout) }
        slots = (0..<count).map { _ in Slot(spec: pool.spec) }
        observations = [Float](repeating: 0, count: count * layout.agents * layout.observationSize)
        states = [Float](repeating: 0, count: count * layout.stateSize)
        available = [Float](repeating: 0, count: count * layout.agents * layout.actions)
        // Strict checks for each instance's first episode; later ones rely on the cheap checks.
        for world in pool.worlds { world.strict = true }
    }

    func collect(learner: EpisodeLearner, mode: ActingMode, step: Int) throws -> [EpisodeOutcome] {
        let E = pool.worlds.count, N = layout.agents
        learner.beginEpisodes(envs: E)
        try pool.forEach(Array(0..<E)) { k in
            let world = pool.worlds[k]
            try world.reset()
            slots[k].active = true
            slots[k].episodeReturn = 0
            if recording {
                records[k].clear()
                records[k].observe(observations: UnsafeBufferPointer(world.observations), state: UnsafeBufferPointer(world.state),
                                   available: UnsafeBufferPointer(world.available))
            }
        }
        var active = Array(0..<E)
        while !active.isEmpty {
            gather()
            let actions = observations.withUnsafeBufferPointer { obs in
                states.withUnsafeBufferPointer { s in
                    available.withUnsafeBufferPointer { avail in
                        learner.act(observations: obs, states: s, available: avail, mode: mode, step: step)
                    }
                }
            }
            try pool.forEach(active) { k in
                let world = pool.worlds[k], slot = slots[k]
                for i in 0..<N { slot.action.discrete[i] = actions[k * N + i] }
                slot.result = try world.step(slot.action)
                slot.episodeReturn += slot.result.reward
                if recording {
                    records[k].act(actions[(k * N)..<((k + 1) * N)], reward: slot.result.reward)
                    records[k].observe(observations: UnsafeBufferPointer(world.observations), state: UnsafeBufferPointer(world.state),
                                       available: UnsafeBufferPointer(world.available))
                    if slot.result.done { records[k].finish(terminated: slot.result.terminated) }
                }
                if slot.result.done {
                    slot.active = false
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

    /// Copies every instance's current observations, state and availability into the batch arrays
    /// (finished instances keep their last ones; their actions are ignored).
    private func gather() {
        let perObs = layout.agents * layout.observationSize, perAvail = layout.agents * layout.actions, S = layout.stateSize
        for (k, world) in pool.worlds.enumerated() {
            for j in 0..<perObs { observations[k * perObs + j] = world.observations[j] }
            for j in 0..<S { states[k * S + j] = world.state[j] }
            for j in 0..<perAvail { available[k * perAvail + j] = Float(world.available[j]) }
        }
    }
}
