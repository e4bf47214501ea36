import Common
import Foundation

/// A run's learning curve as an SVG picture (curve.svg, redrawn at every metrics row): the greedy
/// test return and the training episodes' mean return against environment steps.
public struct LearningCurve {
    public private(set) var steps: [Double] = []
    public private(set) var trainReturns: [Double] = []
    public private(set) var testReturns: [Double] = []

    public init() {}

    /// Adds one metrics row; NaN (no episode finished yet) leaves a gap.
    public mutating func add(step: Double, trainReturn: Double, testReturn: Double) {
        steps.append(step)
        trainReturns.append(trainReturn)
        testReturns.append(testReturn)
    }

    static let width = 760.0, height = 400.0
    static let left = 72.0, right = 24.0, top = 44.0, bottom = 52.0

    public func svg(title: String) -> String {
        let finite = (trainReturns + testReturns).filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high - low < 1e-9 { low -= 1; high += 1 }
        let yTicks = Self.ticks(low, high)
        low = Swift.min(low, yTicks.first!)
        high = Swift.max(high, yTicks.last!)
        let xTicks = Self.ticks(0, Swift.max(steps.last ?? 1, 1))
        let xMax = xTicks.last!
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func x(_ step: Double) -> Double { Self.left + step / xMax * plotWidth }
        func y(_ value: Double) -> Double { Self.top + (high - value) / (high - low) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" \
            viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="system-ui, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="#ffffff"/>
            <text x="\(f(Self.left))" y="20" font-size="14">\(title.markupEscaped)</text>

            """
        for tick in yTicks {
            svg += "<line x1=\"\(f(Self.left))\" x2=\"\(f(Self.width - Self.right))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#e6e6e6\"/>"
            svg += "<text x=\"\(f(Self.left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
        }
        for tick in xTicks {
            svg += "<line x1=\"\(f(x(tick)))\" x2=\"\(f(x(tick)))\" y1=\"\(f(Self.top))\" y2=\"\(f(Self.height - Self.bottom))\" stroke=\"#e6e6e6\"/>"
            svg += "<text x=\"\(f(x(tick)))\" y=\"\(f(Self.height - Self.bottom + 16))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        svg += "<rect x=\"\(f(Self.left))\" y=\"\(f(Self.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#999999\"/>\n"
        svg += "<text x=\"\(f(Self.left + plotWidth / 2))\" y=\"\(f(Self.height - 12))\" text-anchor=\"middle\">environment steps</text>\n"
        svg += "<text transform=\"translate(16 \(f(Self.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">return per episode</text>\n"
        for (values, colour, name, legendX) in [(trainReturns, "#7f8fa6", "training episodes", 0.0), (testReturns, "#e4572e", "greedy test", 170.0)] {
            // A NaN ends a segment, so missing rows show as gaps rather than as zeros.
            var segment: [String] = []
            func flush() {
                if segment.count > 1 {
                    svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(segment.joined(separator: " "))\"/>\n"
                }
                segment.removeAll()
            }
            for (step, value) in zip(steps, values) {
                if value.isFinite { segment.append("\(f(x(step))),\(f(y(value)))") } else { flush() }
                if value.isFinite && steps.count <= 200 {
                    svg += "<circle cx=\"\(f(x(step)))\" cy=\"\(f(y(value)))\" r=\"2.5\" fill=\"\(colour)\"/>"
                }
            }
            flush()
            let lx = Self.width - Self.right - 330 + legendX
            svg += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 24))\" y1=\"24\" y2=\"24\" stroke=\"\(colour)\" stroke-width=\"3\"/>"
            svg += "<text x=\"\(f(lx + 30))\" y=\"28\">\(name)</text>\n"
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
