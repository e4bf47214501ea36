import Foundation

/// The live progress line. On a terminal a background thread redraws it in place every half
/// second, whatever the training loop is doing (a long update, a test round), with the phase,
/// the elapsed time and an ETA from the measured rate of the current phase; otherwise it prints
/// a plain line every few seconds, so logs of runs in the background stay readable.
public final class Progress: @unchecked Sendable {
    /// What the loop is doing.
    public enum Phase: String, Sendable {
        case warmup = "warm-up", training, testing
    }

    /// What the loop last reported.
    struct State {
        var phase = Phase.testing
        var step = 0, totalSteps = 1, warmupSteps = 0, episodes = 0
        var returnMean: Double?, testReturnMean: Double?
        var warning: String?
    }

    private let onTerminal: Bool
    private let interval: Double
    /// Seconds since the run started (a parameter so that tests can drive time).
    private let clock: () -> Double
    private let lock = NSLock()
    private var state = State()
    private var lastPlain = -Double.infinity
    /// Where the current phase began (steps, seconds), for its rate; training keeps its start across test rounds.
    private var phaseStart: [Phase: (step: Int, seconds: Double)] = [:]
    private var drawer: Thread?
    private var stopped = false

    public init(plainInterval: Double = 10, terminal: Bool? = nil, clock: (() -> Double)? = nil) {
        interval = plainInterval
        let start = Date()
        self.clock = clock ?? { Date().timeIntervalSince(start) }
        onTerminal = terminal ?? (isatty(STDERR_FILENO) != 0)
        guard onTerminal else { return }
        let thread = Thread { [weak self] in
            while let progress = self, !progress.isStopped {
                progress.draw()
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        thread.name = "marl-sim progress"
        drawer = thread
        thread.start()
    }

    public var elapsed: Double { clock() }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Records the state of the run (cheap: call it as often as the loop likes).
    public func update(phase: Phase, step: Int, totalSteps: Int, warmupSteps: Int, episodes: Int,
                       returnMean: Double? = nil, testReturnMean: Double? = nil) {
        let now = elapsed
        lock.lock()
        if phase != state.phase, phaseStart[phase] == nil { phaseStart[phase] = (step, now) }
        state.phase = phase
        state.step = step
        state.totalSteps = totalSteps
        state.warmupSteps = warmupSteps
        state.episodes = episodes
        if let returnMean { state.returnMean = returnMean }
        if let testReturnMean { state.testReturnMean = testReturnMean }
        lock.unlock()
        if !onTerminal { draw() }
    }

    /// A warning kept on the line until the run ends (say, Q estimates leaving the rewards' range).
    public func warn(_ text: String) {
        lock.lock()
        state.warning = text
        lock.unlock()
    }

    /// The line as it stands now.
    func line() -> String {
        let now = elapsed
        lock.lock()
        defer { lock.unlock() }
        let s = state
        var text = "\(s.phase.rawValue)  step \(s.step)/\(s.totalSteps)  \(s.episodes) episodes"
        if let r = s.returnMean { text += String(format: "  return %.3g", r) }
        if let r = s.testReturnMean, !r.isNaN { text += String(format: "  test %.3g", r) }
        text += "  elapsed " + Self.duration(now)
        switch s.phase {
        case .warmup:
            if let begin = phaseStart[.warmup], now - begin.seconds > 0.5, s.step > begin.step {
                let rate = Double(s.step - begin.step) / (now - begin.seconds)
                text += String(format: "  %.0f steps/s  warm-up ends in %@ (training rate not measured yet)", rate,
                               Self.duration(Double(max(0, s.warmupSteps - s.step)) / rate))
            }
        case .training, .testing:
            // Training's rate over its whole phase so far, test rounds included (they recur).
            if let begin = phaseStart[.training] {
                let seconds = now - begin.seconds
                if seconds > 1, s.step > begin.step {
                    let rate = Double(s.step - begin.step) / seconds
                    text += String(format: "  %.0f steps/s  eta %@", rate, Self.duration(Double(max(0, s.totalSteps - s.step)) / rate))
                }
            }
        }
        if let warning = s.warning { text += "  ⚠ " + warning }
        return text
    }

    private func draw() {
        let text = line()
        if onTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else {
            let now = elapsed
            lock.lock()
            let due = now - lastPlain >= interval
            if due { lastPlain = now }
            lock.unlock()
            if due { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        }
    }

    /// Stops the redraws and ends the line on a terminal.
    public func finish() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        guard !wasStopped else { return }
        if onTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line() + "\n").utf8))
        }
    }

    deinit { finish() }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, s % 3600 / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
