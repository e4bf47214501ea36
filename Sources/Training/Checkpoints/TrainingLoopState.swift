import Common

/// Where a run's loop stands between two collections: its counters, the values being averaged
/// toward the next metrics row, the last test, the learning curve so far and the warm-up's random
/// generator — with the learner, the replay memory and the worlds, what a checkpoint restores.
final class TrainingLoopState: Checkpointable {
    var step = 0, episodes = 0, updates = 0
    var nextLog = 0, nextCheckpoint = 0
    /// Training returns since the last metrics row.
    var trainReturns: [Double] = []
    /// The learner's logged values since the last metrics row: names in first-seen order, sums, counts.
    var statNames: [String] = [], statSums: [Double] = [], statCounts: [Int] = []
    var lastTestReturn = Double.nan
    var lastTestInfoNames: [String] = [], lastTestInfoValues: [Double] = []
    var curveSteps: [Double] = [], curveTrain: [Double] = [], curveTest: [Double] = []
    var warnings: [String] = []
    /// Wall-clock seconds the run had trained for when this state was saved.
    var wallSeconds = 0.0
    var warmupRandom: SeededGenerator

    init(seed: UInt64) { warmupRandom = SeededGenerator(seed: seed, stream: 0x3A43) }

    /// Adds one update's logged values to the running means.
    func accumulate(_ values: [(String, Double)]) {
        for (key, value) in values {
            let k: Int
            if let found = statNames.firstIndex(of: key) {
                k = found
            } else {
                statNames.append(key)
                statSums.append(0)
                statCounts.append(0)
                k = statNames.count - 1
            }
            statSums[k] += value
            statCounts[k] += 1
        }
    }

    /// The running means (NaN for a value not logged since the last row), then a fresh start.
    func takeMeans() -> [(String, Double)] {
        let means = statNames.indices.map { k in (statNames[k], statCounts[k] > 0 ? statSums[k] / Double(statCounts[k]) : .nan) }
        for k in statNames.indices { statSums[k] = 0; statCounts[k] = 0 }
        trainReturns.removeAll()
        return means
    }

    var lastTestInfo: [(String, Double)] { Array(zip(lastTestInfoNames, lastTestInfoValues)) }

    func exchangeState(with archive: StateArchive) throws {
        try archive.value("step", &step)
        try archive.value("episodes", &episodes)
        try archive.value("updates", &updates)
        try archive.value("next_log", &nextLog)
        try archive.value("next_checkpoint", &nextCheckpoint)
        try archive.array("train_returns", &trainReturns)
        try archive.texts("stat_names", &statNames)
        try archive.array("stat_sums", &statSums)
        try archive.array("stat_counts", &statCounts)
        try archive.value("last_test_return", &lastTestReturn)
        try archive.texts("last_test_info_names", &lastTestInfoNames)
        try archive.array("last_test_info_values", &lastTestInfoValues)
        try archive.array("curve_steps", &curveSteps)
        try archive.array("curve_train", &curveTrain)
        try archive.array("curve_test", &curveTest)
        try archive.texts("warnings", &warnings)
        try archive.value("wall_seconds", &wallSeconds)
        try archive.value("warmup_random", &warmupRandom)
        guard statSums.count == statNames.count, statCounts.count == statNames.count,
              lastTestInfoValues.count == lastTestInfoNames.count,
              curveTrain.count == curveSteps.count, curveTest.count == curveSteps.count else {
            throw StateArchiveError("the checkpoint's training loop state has lists of different lengths")
        }
    }
}
