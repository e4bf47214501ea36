import Common
import Foundation

/// What a run folder says about its outcome: its summary.json and its metrics.csv curve.
struct RunResult {
    let metric: String
    /// The metric's final value: summary.json's `final_<metric>`, else metrics.csv's last logged value.
    var final: Double?
    var finished = false
    var wallSeconds: Double?
    var stepsPerSecond: Double?
    var won: Double?
    var columns: [String: [Double]] = [:]

    init(folder: String, metric: String) {
        self.metric = metric
        let summary = try? JSONValue.parse(String(contentsOfFile: (folder as NSString).appendingPathComponent("summary.json"), encoding: .utf8))
        func number(_ key: String) -> Double? {
            switch summary?[key] {
            case let .double(d)?: return d
            case let .int(i)?: return Double(i)
            default: return nil
            }
        }
        finished = summary?["interrupted"] == .bool(false)
        wallSeconds = number("wall_seconds")
        stepsPerSecond = number("env_steps_per_s")
        won = number("final_test_won_mean")
        columns = (try? RunFolder.readMetrics(folder: folder)) ?? [:]
        final = number("final_\(metric)") ?? columns[metric]?.last(where: { $0.isFinite })
        if wallSeconds == nil { wallSeconds = columns["wall_seconds"]?.last(where: { $0.isFinite }) }
    }

    /// The run's logged (step, value) pairs of the metric, NaN rows left out.
    var curve: (steps: [Double], values: [Double]) {
        guard let steps = columns["step"], let values = columns[metric] else { return ([], []) }
        let kept = zip(steps, values).filter { $0.1.isFinite }
        return (kept.map(\.0), kept.map(\.1))
    }

    /// The first logged step at which the metric reached `bar`.
    func firstStep(reaching bar: Double) -> Double? {
        let curve = self.curve
        return zip(curve.steps, curve.values).first { $0.1 >= bar }?.0
    }
}
