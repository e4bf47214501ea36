import Common
import Foundation
import Learners
import Tensors
import Worlds

/// What a run will hold in memory, estimated from the world's sizes and the settings before any of
/// it is allocated, so that a world too large for the machine gets one error naming the estimate, the
/// limit and what to lower instead of an allocation failure (docs/design.md §4.4).
public struct MemoryEstimate {
    /// One part of the estimate: its size and the sizes or settings it grows with.
    public struct Part {
        public let name: String
        public let bytes: Double
        public let lower: String
    }

    public let parts: [Part]
    public var bytes: Double { parts.reduce(0) { $0 + $1.bytes } }

    /// The limit a run must stay under: `memory_limit_gib`, or 80 % of the machine's memory.
    public static func limit(_ settings: Settings) -> (bytes: Double, source: String) {
        let given = settings.double("memory_limit_gib")
        if given > 0 { return (given * 1_073_741_824, "memory_limit_gib") }
        return (0.8 * Double(ProcessInfo.processInfo.physicalMemory), "80 % of this machine's \(gib(Double(ProcessInfo.processInfo.physicalMemory))) GiB")
    }

    /// Bytes in GiB, for messages.
    public static func gib(_ bytes: Double) -> String { String(format: bytes < 0.1 * 1_073_741_824 ? "%.3f" : "%.1f", bytes / 1_073_741_824) }

    /// The estimate for `learner` on `layout` with `settings`; `episodeLength` is a typical episode's
    /// length (random play), `instances` the world instances the run keeps.
    init(layout: EpisodeLayout, learner variant: LearnerVariant, settings: Settings, episodeLength: Double, isEpisodic: Bool) {
        let N = Double(layout.agents), O = Double(layout.observationSize), A = Double(layout.actionWidth)
        let S = Double(layout.stateSize), W = Double(layout.jointActionWidth)
        let envs = Double(settings.int("envs")), tests = Double(min(settings.int("envs"), settings.int("test_episodes")))
        let batch = Double(settings.int("batch_size")), capacity = Double(settings.int("buffer_size"))
        // Weights, gradients and up to two optimizer moments per scalar.
        let scalars = Self.parameterScalars(layout: layout, variant: variant, settings: settings)
        var parts = [Part(name: "networks", bytes: 16 * scalars,
                          lower: "the world's sizes (agents \(layout.agents), observation \(layout.observationSize), actions \(layout.actionWidth), state \(layout.stateSize)) or the hidden sizes")]
        // Every slot of an episode: observations, state, availability (and the actions taken).
        let slot = 4 * (N * O + S + N * A + 2 * N + 1)
        if isEpisodic {
            parts.append(Part(name: "replay buffer", bytes: capacity * (episodeLength + 1) * slot, lower: "buffer_size"))
            let hidden = Double(settings.has("rnn_hidden") ? settings.int("rnn_hidden") : 64)
            // The batch padded to its longest episode and the unrolls' activations (online and target).
            let longest = min(Double(layout.episodeLimit), 3 * episodeLength + 1)
            parts.append(Part(name: "update batch", bytes: batch * longest * (slot + 2 * 4 * N * (O + A + N + 12 * hidden + 4 * A)),
                              lower: "batch_size"))
        } else {
            let row = 4 * (2 * (S + N * O + N * A) + N * A + N + 2)
            parts.append(Part(name: "replay buffer", bytes: capacity * row, lower: "buffer_size"))
            let hidden = Double(settings.has("hidden") ? settings.int("hidden") : 64)
            parts.append(Part(name: "update batch", bytes: batch * (row + 4 * 16 * N * (hidden + A + S + W)), lower: "batch_size"))
        }
        // The collectors' arrays and each instance's outputs, and the episodes being recorded.
        parts.append(Part(name: "world instances", bytes: (envs + tests + 1) * (4 * (N * O + S) + 5 * N * A)
                            + envs * (min(Double(layout.episodeLimit), 128) + 1) * slot, lower: "envs"))
        self.parts = parts
    }

    /// The learner's parameter count, by building it for small teams: for fixed hidden sizes the count
    /// is a polynomial in the team's sizes — agents n (up to cubic: a critic per agent on the joint
    /// action has n²·a weights), observation o, actions a and state s (each up to quadratic) — so its
    /// coefficients follow from 108 small builds and give the count at any size without allocating
    /// it. A test checks the fit against real builds of every learner.
    static func parameterScalars(layout: EpisodeLayout, variant: LearnerVariant, settings: Settings) -> Double {
        var single = settings
        if single.has("threads") { try? single.apply([("threads", "1")], from: "the memory estimate") }
        var rows: [[Double]] = [], counts: [Double] = []
        for n in 1...4 { for o in 1...3 { for a in 2...4 { for s in 1...3 {
            let proxy = proxyLayout(like: layout, agents: n, observation: o, actions: a, state: s)
            let before = Parameter.scalarsMade
            _ = variant.make(proxy, single, 1)
            counts.append(Double(Parameter.scalarsMade &- before))
            rows.append(basis(Double(n), Double(o), Double(a), Double(s)))
        } } } }
        let coefficients = leastSquares(rows, counts)
        let x = basis(Double(layout.agents), Double(layout.observationSize), Double(layout.actionWidth), Double(layout.stateSize))
        return max(0, zip(coefficients, x).reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// The monomials nⁱ·oʲ·aᵏ·sˡ of total degree at most 3, n up to cubic, the others up to quadratic.
    static func basis(_ n: Double, _ o: Double, _ a: Double, _ s: Double) -> [Double] {
        var terms: [Double] = []
        for i in 0...3 { for j in 0...2 { for k in 0...2 { for l in 0...2 where i + j + k + l <= 3 {
            terms.append(pow(n, Double(i)) * pow(o, Double(j)) * pow(a, Double(k)) * pow(s, Double(l)))
        } } } }
        return terms
    }

    /// A team of `agents` agents of `layout`'s action kind (a mixed team's as discrete), each with the
    /// given sizes: a homogeneous stand-in sized like the widest agent.
    static func proxyLayout(like layout: EpisodeLayout, agents: Int, observation: Int, actions: Int, state: Int) -> EpisodeLayout {
        let spaces = (0..<agents).map { _ -> AgentActions in layout.isContinuous ? .continuous(actions) : .discrete(actions) }
        return EpisodeLayout(observationSizes: Array(repeating: observation, count: agents), stateSize: state, actionSpaces: spaces,
                             episodeLimit: 2)
    }

    /// The least-squares solution of rows · c = values (normal equations, Gaussian elimination with pivoting).
    static func leastSquares(_ rows: [[Double]], _ values: [Double]) -> [Double] {
        let k = rows[0].count
        var m = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
        for (row, value) in zip(rows, values) {
            for i in 0..<k {
                for j in 0..<k { m[i][j] += row[i] * row[j] }
                m[i][k] += row[i] * value
            }
        }
        for column in 0..<k {
            let pivot = (column..<k).max { abs(m[$0][column]) < abs(m[$1][column]) }!
            m.swapAt(column, pivot)
            guard abs(m[column][column]) > 1e-12 else { continue }
            for r in 0..<k where r != column {
                let factor = m[r][column] / m[column][column]
                if factor != 0 { for c in column...k { m[r][c] -= factor * m[column][c] } }
            }
        }
        return (0..<k).map { abs(m[$0][$0]) > 1e-12 ? m[$0][k] / m[$0][$0] : 0 }
    }

    /// One error when the estimate passes the limit: the estimate, its largest parts, the limit and what to lower.
    func check(file: String, limit: (bytes: Double, source: String)) throws {
        guard bytes > limit.bytes else { return }
        let largest = parts.sorted { $0.bytes > $1.bytes }
        let listing = largest.prefix(3).map { "\($0.name) \(Self.gib($0.bytes)) GiB" }.joined(separator: ", ")
        throw TrainingError(message: "\(file): this run would need about \(Self.gib(bytes)) GiB of memory (\(listing)), over the limit of \(Self.gib(limit.bytes)) GiB (\(limit.source)); lower \(largest[0].lower)\n  rule: a run fits in the memory it is given (--set memory_limit_gib=N sets the limit)")
    }
}
