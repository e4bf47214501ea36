import Common
import Foundation

/// Learning curves as an SVG line chart against environment steps: a run's curve.svg (training and
/// greedy test return, redrawn at every metrics row) or `marl-sim curves` over many runs (each
/// group's mean with its min–max band across seeds).
public struct LearningCurve {
    /// One line; with `low`/`high` a band drawn under it. NaN leaves a gap.
    public struct Series {
        public var name: String
        public var steps: [Double]
        public var values: [Double]
        public var low: [Double]?
        public var high: [Double]?
        /// A CSS colour; nil takes the palette's next.
        public var colour: String?
        /// Drawn dashed, without points (a reference level such as random play).
        public var dashed = false

        public init(name: String, steps: [Double], values: [Double], low: [Double]? = nil, high: [Double]? = nil, colour: String? = nil,
                    dashed: Bool = false) {
            self.name = name
            self.colour = colour
            self.dashed = dashed
            self.steps = steps
            self.values = values
            self.low = low
            self.high = high
        }
    }

    public var title: String
    public var valueLabel: String
    public var series: [Series]
    /// A remark at the right of the title line.
    public var note: String?

    public init(title: String, valueLabel: String = "return per episode", series: [Series]) {
        self.title = title
        self.valueLabel = valueLabel
        self.series = series
    }

    /// A run's curve.svg from its metrics rows so far.
    public static func ofRun(title: String, steps: [Double], trainReturns: [Double], testReturns: [Double]) -> LearningCurve {
        LearningCurve(title: title, series: [Series(name: "training episodes", steps: steps, values: trainReturns, colour: "#7f8fa6"),
                                             Series(name: "greedy test", steps: steps, values: testReturns, colour: palette[0])])
    }

    /// Runs grouped by label, aligned on a common step grid: every step any run of the group logged,
    /// between the latest first step and the earliest last step of its runs (a run still going or
    /// stopped early shortens its group's line), each run's value there interpolated linearly
    /// between its neighbouring rows (runs that logged a few steps apart, as episodes end, still
    /// meet). At each grid step the mean, min and max over the runs with a finite value (none
    /// leaves a gap, such as before the first training episode finished).
    /// Runs marked in `interrupted` (by index: stopped early, or still going) are counted in their
    /// group's legend entry as unfinished.
    public static func comparing(title: String, valueLabel: String, runs: [(label: String, steps: [Double], values: [Double])],
                                 interrupted: Set<Int> = []) -> LearningCurve {
        var labels: [String] = []
        for run in runs where !labels.contains(run.label) { labels.append(run.label) }
        let series = labels.map { label -> Series in
            let group = runs.filter { $0.label == label && !$0.steps.isEmpty }
            let first = group.map { $0.steps.first! }.max() ?? 0, last = group.map { $0.steps.last! }.min() ?? 0
            let steps = Set(group.flatMap { $0.steps.filter { first <= $0 && $0 <= last } }).sorted()
            var mean: [Double] = [], low: [Double] = [], high: [Double] = []
            for step in steps {
                let values = group.map { interpolated($0.steps, $0.values, at: step) }.filter(\.isFinite)
                mean.append(values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count))
                low.append(values.min() ?? .nan)
                high.append(values.max() ?? .nan)
            }
            let members = runs.indices.filter { runs[$0].label == label }
            let stopped = members.filter(interrupted.contains).count
            let count = members.count
            var notes = count == 1 ? [] : ["\(count) runs"]
            if stopped > 0 { notes.append(count == 1 ? "unfinished" : "\(stopped) unfinished") }
            let name = notes.isEmpty ? label : "\(label) (\(notes.joined(separator: ", ")))"
            return Series(name: name, steps: steps, values: mean, low: count > 1 ? low : nil, high: count > 1 ? high : nil)
        }
        var chart = LearningCurve(title: title, valueLabel: valueLabel, series: series)
        if series.contains(where: { $0.low != nil }) { chart.note = "lines: mean over runs; bands: min to max" }
        return chart
    }

    /// Adds a dashed horizontal line at `value` across the chart's steps (random play, say).
    public mutating func addLevel(_ value: Double, name: String) {
        let last = series.compactMap(\.steps.last).max() ?? 1
        series.append(Series(name: name, steps: [0, last], values: [value, value], colour: "#555555", dashed: true))
    }

    /// A run's value at `step` (ascending `steps`): the logged value there, or the straight line
    /// between the rows around it; NaN outside the run or next to a missing value.
    static func interpolated(_ steps: [Double], _ values: [Double], at step: Double) -> Double {
        guard let after = steps.firstIndex(where: { $0 >= step }) else { return .nan }
        if steps[after] == step { return values[after] }
        guard after > 0 else { return .nan }
        let (s0, s1, v0, v1) = (steps[after - 1], steps[after], values[after - 1], values[after])
        return v0 + (v1 - v0) * (step - s0) / (s1 - s0)
    }

    static let palette = ["#e4572e", "#2e86de", "#27ae60", "#8e44ad", "#f39c12", "#16a085", "#c0392b", "#7f8fa6"]
    static let width = 760.0, height = 400.0
    static let left = 72.0, right = 24.0, bottom = 52.0

    public func svg() -> String {
        // The legend: entries left to right above the plot, wrapping into rows of 20 px.
        var legend: [(x: Double, y: Double)] = [], legendX = Self.left, legendY = 34.0
        for line in series {
            let entryWidth = 30 + 6.4 * Double(line.name.count) + 24
            if legendX > Self.left && legendX + entryWidth > Self.width - Self.right {
                legendX = Self.left
                legendY += 20
            }
            legend.append((legendX, legendY))
            legendX += entryWidth
        }
        let top = legendY + 22
        let finite = series.flatMap { $0.values + ($0.low ?? []) + ($0.high ?? []) }.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high - low < 1e-9 { low -= 1; high += 1 }
        let yTicks = Self.ticks(low, high)
        low = Swift.min(low, yTicks.first!)
        high = Swift.max(high, yTicks.last!)
        let xTicks = Self.ticks(0, Swift.max(series.compactMap(\.steps.last).max() ?? 1, 1))
        let xMax = xTicks.last!
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - top - Self.bottom
        func x(_ step: Double) -> Double { Self.left + step / xMax * plotWidth }
        func y(_ value: Double) -> Double { top + (high - value) / (high - low) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" \
            viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="system-ui, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="#ffffff"/>
            <text x="\(f(Self.left))" y="20" font-size="14">\(title.markupEscaped)</text>

            """
        if let note {
            svg += "<text x=\"\(f(Self.width - Self.right))\" y=\"20\" text-anchor=\"end\" fill=\"#666666\">\(note.markupEscaped)</text>\n"
        }
        for tick in yTicks {
            svg += "<line x1=\"\(f(Self.left))\" x2=\"\(f(Self.width - Self.right))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#e6e6e6\"/>"
            svg += "<text x=\"\(f(Self.left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
        }
        for tick in xTicks {
            svg += "<line x1=\"\(f(x(tick)))\" x2=\"\(f(x(tick)))\" y1=\"\(f(top))\" y2=\"\(f(Self.height - Self.bottom))\" stroke=\"#e6e6e6\"/>"
            svg += "<text x=\"\(f(x(tick)))\" y=\"\(f(Self.height - Self.bottom + 16))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        svg += "<rect x=\"\(f(Self.left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#999999\"/>\n"
        svg += "<text x=\"\(f(Self.left + plotWidth / 2))\" y=\"\(f(Self.height - 12))\" text-anchor=\"middle\">environment steps</text>\n"
        svg += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(valueLabel.markupEscaped)</text>\n"

        for (k, line) in series.enumerated() {
            let colour = line.colour ?? Self.palette[k % Self.palette.count]
            let points = zip(line.steps, line.values).map { (step: $0.0, value: $0.1) }
            // Runs of consecutive finite values: a NaN ends one, so missing rows show as gaps, not zeros.
            var runs: [[Int]] = [], current: [Int] = []
            for (index, point) in points.enumerated() {
                if point.value.isFinite { current.append(index) } else if !current.isEmpty { runs.append(current); current = [] }
            }
            if !current.isEmpty { runs.append(current) }
            if let lows = line.low, let highs = line.high {
                for run in runs where run.count > 1 {
                    let upper = run.map { "\(f(x(line.steps[$0]))),\(f(y(highs[$0])))" }
                    let lower = run.reversed().map { "\(f(x(line.steps[$0]))),\(f(y(lows[$0])))" }
                    svg += "<polygon fill=\"\(colour)\" fill-opacity=\"0.18\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
                }
            }
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            for run in runs where run.count > 1 {
                let text = run.map { "\(f(x(points[$0].step))),\(f(y(points[$0].value)))" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash) points=\"\(text)\"/>\n"
            }
            if points.count <= 200 && !line.dashed {
                for point in points where point.value.isFinite {
                    svg += "<circle cx=\"\(f(x(point.step)))\" cy=\"\(f(y(point.value)))\" r=\"2.5\" fill=\"\(colour)\"/>"
                }
                svg += "\n"
            }
            let (lx, ly) = legend[k]
            svg += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 24))\" y1=\"\(f(ly))\" y2=\"\(f(ly))\" stroke=\"\(colour)\" stroke-width=\"3\"\(dash)/>"
            svg += "<text x=\"\(f(lx + 30))\" y=\"\(f(ly + 4))\">\(line.name.markupEscaped)</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten, about five of them.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let raw = (high - low) / 5
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        let first = floor(low / step), last = ceil(high / step)
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// 250000 → 250k, 1000000 → 1M, 0.5 → 0.5.
    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return String(format: "%gM", value / 1e6) }
        if magnitude >= 1e3 { return String(format: "%gk", value / 1e3) }
        return String(format: "%g", abs(value) < 1e-12 ? 0 : value)
    }
}
