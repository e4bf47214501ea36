import Common
import Tensors

/// The `threads` setting (docs/learners.md §0.12): an update's independent networks — twin critics,
/// the agents' actors when they sample, online and target networks — run side by side, each on a tape
/// of its own (`Graph.branches`). Nothing is split that sums: results are the same for every value.
public enum UpdateThreads {
    public static let spec = SettingSpec(
        "threads", .integer(0),
        "threads of one update: its independent networks (twin critics, the agents' samples, target networks) run side by side, with identical results for every value (0: the machine's cores, at most what helps)",
        range: .between(0, 64))

    /// The threads `threads` asks for, for an update with at most `parts` networks side by side.
    public static func count(_ settings: Settings, parts: Int) -> Int {
        let asked = settings.int("threads")
        return asked == 0 ? WorkerPool.automaticThreads(useful: parts) : Swift.min(asked, parts)
    }

    /// The update's worker threads (nil: one thread, the branches run one after another).
    public static func pool(_ settings: Settings, parts: Int) -> WorkerPool? {
        let threads = count(settings, parts: parts)
        return threads > 1 ? WorkerPool(threads: threads) : nil
    }
}
