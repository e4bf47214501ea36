import Foundation

/// The live progress line: rewritten in place on a terminal, printed as plain lines every few
/// seconds otherwise (so logs of runs in the background stay readable).
public final class Progress {
    private let onTerminal = isatty(STDERR_FILENO) != 0
    private let interval: Double
    private var lastPlain = -Double.infinity
    private let start = Date()

    public init(plainInterval: Double = 10) {
        interval = plainInterval
    }

    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// Shows the state of the run; `fraction` in [0, 1] gives the ETA.
    public func update(step: Int, totalSteps: Int, episodes: Int, returnMean: Double?, testReturnMean: Double?) {
        let seconds = elapsed
        let rate = seconds > 0 ? Double(step) / seconds : 0
        let eta = rate > 0 ? Double(totalSteps - step) / rate : 0
        var text = String(format: "step %d/%d  %.0f steps/s  %d episodes", step, totalSteps, rate, episodes)
        if let returnMean { text += String(format: "  return %.3g", returnMean) }
        if let testReturnMean { text += String(format: "  test %.3g", testReturnMean) }
        text += String(format: "  eta %@", Self.duration(eta))
        if onTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else if seconds - lastPlain >= interval {
            lastPlain = seconds
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Ends the line on a terminal.
    public func finish() {
        if onTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, s % 3600 / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
