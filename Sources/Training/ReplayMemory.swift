import Common
import Learners

/// The replay memory of a run and its update cadence: an episode buffer and one update per
/// collection (PyMARL), or a transition buffer with n-step returns, a random warm-up, and
/// `updates_per_step` gradient steps per environment step (HARL).
final class ReplayMemory: Checkpointable {
    let warmupSteps: Int
    private let learner: AnyLearner
    private let batchSize: Int
    private var sampler: SeededGenerator
    private var episodes: (buffer: EpisodeBuffer, batch: EpisodeBatch)?
    private var transitions: (buffer: TransitionBuffer, batch: TransitionBatch)?
    private var standardizer: RewardStandardizer?
    private let updatesPerStep: Double
    /// Gradient steps earned by the steps collected but not yet taken (transition learners).
    private var credit = 0.0

    init(learner: AnyLearner, layout: EpisodeLayout, settings: Settings, seed: UInt64) {
        self.learner = learner
        sampler = SeededGenerator(seed: seed, stream: 0xB0FF)
        batchSize = settings.int("batch_size")
        switch learner {
        case .episodes:
            warmupSteps = 0
            updatesPerStep = 0
            episodes = (EpisodeBuffer(layout: layout, capacity: settings.int("buffer_size")), EpisodeBatch(layout: layout, episodes: batchSize))
            standardizer = settings.has("standardise_rewards") && settings.bool("standardise_rewards") ? RewardStandardizer() : nil
        case .transitions:
            warmupSteps = settings.int("warmup_steps")
            updatesPerStep = settings.double("updates_per_step")
            transitions = (TransitionBuffer(layout: layout, capacity: settings.int("buffer_size"), steps: settings.int("n_step"),
                                            gamma: Float(settings.double("gamma"))),
                           TransitionBatch(layout: layout, size: batchSize))
        }
    }

    /// The running mean and deviation the rewards are standardised with (nil: trained on raw rewards).
    var standardization: (mean: Double, deviation: Double)? { standardizer.map { ($0.mean, $0.deviation) } }

    /// Stores the episodes just collected (`collected` steps, reaching `step`) and runs the updates
    /// now due; returns each update's logged values.
    func store(_ records: [EpisodeRecord], collected: Int, step: Int, episodes count: Int) -> [[(String, Double)]] {
        switch learner {
        case let .episodes(l):
            let (buffer, batch) = episodes!
            for record in records {
                buffer.insert(record)
                standardizer?.observe(record)
            }
            guard buffer.count >= batchSize else { return [] }
            buffer.sample(into: batch, using: &sampler)
            standardizer?.apply(to: batch)
            return [l.train(batch, step: step, episodes: count)]
        case let .transitions(l):
            let (buffer, batch) = transitions!
            for record in records { buffer.insert(record) }
            guard step > warmupSteps else { return [] }
            credit += Double(min(collected, step - warmupSteps)) * updatesPerStep
            var logged: [[(String, Double)]] = []
            while credit >= 1 {
                credit -= 1
                buffer.sample(into: batch, using: &sampler)
                logged.append(l.train(batch, step: step))
            }
            return logged
        }
    }

    func exchangeState(with archive: StateArchive) throws {
        try archive.value("sampler", &sampler)
        try archive.value("credit", &credit)
        if let buffer = episodes?.buffer { try archive.part("episodes", buffer) }
        if let buffer = transitions?.buffer { try archive.part("transitions", buffer) }
        if standardizer != nil { try archive.group("reward_standardizer") { try standardizer!.exchangeState(with: archive) } }
    }
}
