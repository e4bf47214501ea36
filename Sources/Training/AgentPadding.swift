import Learners
import Worlds

/// How a world's per-agent buffers (each agent's own values side by side) map onto a layout's
/// padded agent rows: agent i's observation at row i of width `observationSize`, its availability
/// at row i of width `actions` (padded actions, and continuous agents' rows, unavailable).
struct AgentPadding {
    let layout: EpisodeLayout
    let observationOffsets: [Int], availableOffsets: [Int]
    let availableSizes: [Int]
    /// The world's buffers already have the layout's rows (a homogeneous team).
    let isIdentity: Bool

    init(spec: WorldSpec, layout: EpisodeLayout) {
        self.layout = layout
        observationOffsets = spec.observationOffsets
        availableOffsets = spec.availableOffsets
        availableSizes = spec.actionSpaces.map { $0.isDiscrete ? $0.size : 0 }
        isIdentity = layout.isHomogeneous
    }

    /// A learner's continuous action in [−1, 1] as the world's value in [low, high].
    static func worldValue(_ action: Float, low: Double, high: Double) -> Double {
        low + (Double(action) + 1) / 2 * (high - low)
    }

    /// Copies one instance's observations (the world's layout) into the padded rows at `base`.
    func copyObservations(from source: UnsafeBufferPointer<Float>, to out: inout [Float], at base: Int) {
        let O = layout.observationSize
        for i in 0..<layout.agents {
            let size = layout.observationSizes[i], from = observationOffsets[i]
            for k in 0..<O { out[base + i * O + k] = k < size ? source[from + k] : 0 }
        }
    }

    func copyAvailable(from source: UnsafeBufferPointer<UInt8>, to out: inout [Float], at base: Int) {
        copyAvailable(from: source, to: &out, at: base) { Float($0) }
    }

    func observations(from source: UnsafeBufferPointer<Float>, into out: inout [Float]) {
        if out.count != layout.agents * layout.observationSize { out = Array(repeating: 0, count: layout.agents * layout.observationSize) }
        copyObservations(from: source, to: &out, at: 0)
    }

    func available(from source: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        if out.count != layout.agents * layout.actions { out = Array(repeating: 0, count: layout.agents * layout.actions) }
        copyAvailable(from: source, to: &out, at: 0) { $0 }
    }

    /// Agent i's flags at row i of width `actions`, converted to the buffer's element type.
    private func copyAvailable<T>(from source: UnsafeBufferPointer<UInt8>, to out: inout [T], at base: Int, _ convert: (UInt8) -> T) {
        let A = layout.actions
        for i in 0..<layout.agents {
            let size = availableSizes[i], from = availableOffsets[i]
            for k in 0..<A { out[base + i * A + k] = convert(k < size ? source[from + k] : 0) }
        }
    }
}
