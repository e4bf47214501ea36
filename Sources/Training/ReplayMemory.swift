import Common
import Learners

/// The replay memory of a run and its update cadence: an episode buffer and one update per
/// collection (PyMARL), or a transition buffer with n-step returns, a random warm-up, and
/// `updates_per_step` gradient steps per environment step (HARL).
final class ReplayMemory {
    let warmupSteps: Int
    /// The running mean and deviation the rewards are standardised with (nil: trained on raw rewards).
    private(set) var standardization: () -> (mean: Double, deviation: Double)? = { nil }
    private let learn: ([EpisodeRecord], Int, Int, Int) -> [[(String, Double)]]

    init(learner: AnyLearner, layout: EpisodeLayout, settings: Settings, seed: UInt64) {
        var sampler = SeededGenerator(seed: seed, stream: 0xB0FF)
        let batchSize = settings.int("batch_size")
        switch learner {
        case let .episodes(l):
            warmupSteps = 0
            let buffer = EpisodeBuffer(layout: layout, capacity: settings.int("buffer_size"))
            let batch = EpisodeBatch(layout: layout, episodes: batchSize)
            var standardizer = settings.has("standardise_rewards") && settings.bool("standardise_rewards") ? RewardStandardizer() : nil
            standardization = { standardizer.map { ($0.mean, $0.deviation) } }
            learn = { records, _, step, episodes in
                for record in records {
                    buffer.insert(record)
                    standardizer?.observe(record)
                }
                guard buffer.count >= batchSize else { return [] }
                buffer.sample(into: batch, using: &sampler)
                standardizer?.apply(to: batch)
                return [l.train(batch, step: step, episodes: episodes)]
            }
        case let .transitions(l):
            let warmup = settings.int("warmup_steps"), ratio = settings.double("updates_per_step")
            warmupSteps = warmup
            let buffer = TransitionBuffer(layout: layout, capacity: settings.int("buffer_size"), steps: settings.int("n_step"),
                                          gamma: Float(settings.double("gamma")))
            let batch = TransitionBatch(layout: layout, size: batchSize)
            var credit = 0.0
            learn = { records, collected, step, _ in
                for record in records { buffer.insert(record) }
                guard step > warmup else { return [] }
                credit += Double(min(collected, step - warmup)) * ratio
                var logged: [[(String, Double)]] = []
                while credit >= 1 {
                    credit -= 1
                    buffer.sample(into: batch, using: &sampler)
                    logged.append(l.train(batch, step: step))
                }
                return logged
            }
        }
    }

    /// Stores the episodes just collected (`collected` steps, reaching `step`) and runs the updates
    /// now due; returns each update's logged values.
    func store(_ records: [EpisodeRecord], collected: Int, step: Int, episodes: Int) -> [[(String, Double)]] {
        learn(records, collected, step, episodes)
    }
}
