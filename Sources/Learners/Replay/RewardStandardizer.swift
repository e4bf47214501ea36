import Common
import Foundation

/// EPyMARL's `standardise_rewards`: every reward a learner trains on becomes (r − mean)/std, with the
/// mean and variance running over all rewards collected so far. Value-factorization mixers fit
/// centred targets far more stably than long runs of large same-sign rewards (e.g. spread's −8 per step).
public struct RewardStandardizer {
    public internal(set) var count = 0.0, mean = 0.0
    var squaredDeviations = 0.0

    public init() {}

    /// Folds in the rewards of a newly collected episode (Welford's update).
    public mutating func observe(_ episode: EpisodeRecord) {
        for r in episode.rewards {
            count += 1
            let delta = Double(r) - mean
            mean += delta / count
            squaredDeviations += delta * (Double(r) - mean)
        }
    }

    /// The standard deviation so far (1 before two rewards were seen, so early batches pass through scaled by 1).
    public var deviation: Double { count > 1 ? Foundation.sqrt(squaredDeviations / count) : 1 }

    /// Standardizes the batch's rewards in place (valid steps only; padding stays 0).
    public func apply(to batch: EpisodeBatch) {
        batch.standardizeRewards(mean: Float(mean), deviation: Float(Swift.max(deviation, 1e-8)))
    }
}

extension RewardStandardizer {
    /// The running moments.
    public mutating func exchangeState(with archive: StateArchive) throws {
        try archive.value("count", &count)
        try archive.value("mean", &mean)
        try archive.value("squared_deviations", &squaredDeviations)
    }
}
