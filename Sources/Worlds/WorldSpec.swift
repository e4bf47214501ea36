/// The action space of one agent.
public enum ActionSpace: Equatable, Sendable, CustomStringConvertible {
    /// Actions 1...n on the Lua side, 0..<n in Swift.
    case discrete(Int)
    /// One value per dimension inside [low[d], high[d]].
    case continuous(low: [Double], high: [Double])

    public var isDiscrete: Bool { if case .discrete = self { return true } else { return false } }

    /// The number of discrete actions, or the number of continuous dimensions.
    public var size: Int {
        switch self {
        case let .discrete(n): return n
        case let .continuous(low, _): return low.count
        }
    }

    public var description: String {
        switch self {
        case let .discrete(n): return "discrete(\(n))"
        case let .continuous(low, high):
            if Set(low).count == 1, Set(high).count == 1 {
                return "continuous(\(low.count), [\(low[0]), \(high[0])])"
            }
            return "continuous(\(low.count), low \(low), high \(high))"
        }
    }
}
/// Everything the host reads once from a world table.
public struct WorldSpec: Sendable {
    public var name: String
    public var description: String
    public var agents: Int
    public var actionSpaces: [ActionSpace]
    public var observationSizes: [Int]
    /// The world's own state size, or the observations' total when it has no `state`.
    public var stateSize: Int
    public var hasStateFunction: Bool
    public var hasAvailable: Bool
    public var hasRender: Bool
    public var hasSnapshot: Bool
    /// The world has `scripted_action(self, i)`, its own reference policy.
    public var hasScriptedAction: Bool = false
    public var episodeLimit: Int
    public var view: [Double]?
    public var options: [WorldOption]?
    /// Recommended training settings: under "all" for every learner, or under a learner's name.
    public var recommendedSettings: [String: [(String, String)]] = [:]

    /// The recommended settings for `learner`, the shared ones first, keeping the keys `known`
    /// accepts: learners of different families differ in settings, and a learner's entry may hold
    /// keys of its other action form (a world whose action kind is an option).
    public func recommendedSettings(for learner: String, known: (String) -> Bool = { _ in true }) -> [(String, String)] {
        ((recommendedSettings["all"] ?? []) + (recommendedSettings[learner] ?? [])).filter { known($0.0) }
    }

    /// Where agent i's observation starts in the flat observation buffer.
    public var observationOffsets: [Int] { offsets(observationSizes) }
    public var totalObservationSize: Int { observationSizes.reduce(0, +) }

    /// Where agent i's values start in the flat buffers of discrete availability (n per discrete
    /// agent, 0 for continuous ones) and of continuous actions (d per continuous agent).
    public var availableOffsets: [Int] { offsets(actionSpaces.map { $0.isDiscrete ? $0.size : 0 }) }
    public var totalAvailableSize: Int { actionSpaces.reduce(0) { $0 + ($1.isDiscrete ? $1.size : 0) } }
    public var continuousOffsets: [Int] { offsets(actionSpaces.map { $0.isDiscrete ? 0 : $0.size }) }
    public var totalContinuousSize: Int { actionSpaces.reduce(0) { $0 + ($1.isDiscrete ? 0 : $1.size) } }

    public var isHomogeneous: Bool {
        Set(observationSizes).count == 1 && actionSpaces.allSatisfy { $0 == actionSpaces[0] }
    }

    private func offsets(_ sizes: [Int]) -> [Int] {
        var result: [Int] = []
        var running = 0
        for size in sizes {
            result.append(running)
            running += size
        }
        return result
    }
}

/// Actions for all agents of one step: `discrete[i]` (0-based) for discrete agents, and the
/// continuous agents' values side by side in `continuous` (see `WorldSpec.continuousOffsets`).
public struct JointAction: Sendable, Equatable {
    public var discrete: [Int32]
    public var continuous: [Double]

    public init(spec: WorldSpec) {
        discrete = Array(repeating: 0, count: spec.agents)
        continuous = Array(repeating: 0, count: spec.totalContinuousSize)
    }
}

/// One step's outcome. `terminated` ends the episode in the world; `truncated` is the host's
/// episode limit, which is not a termination.
public struct StepResult: Sendable, Equatable {
    public var reward: Double
    public var terminated: Bool
    public var truncated: Bool

    public init(reward: Double, terminated: Bool, truncated: Bool) {
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
    }

    public var done: Bool { terminated || truncated }
}

/// One draw call recorded from `render`.
public struct DrawCall: Sendable, Equatable {
    public enum Kind: String, Sendable { case circle, line, rect, text }
    public var kind: Kind
    /// circle: x, y, r; line: x1, y1, x2, y2; rect: x, y, w, h; text: x, y.
    public var values: [Double]
    public var color: String?
    public var text: String?
}

/// A `--env key=value` value: numbers arrive in Lua as numbers, everything else as a string
/// (a world that declares its options gets each converted to its default's type, booleans too).
public enum OptionValue: Sendable, Equatable, CustomStringConvertible {
    case integer(Int64)
    case number(Double)
    case string(String)
    case flag(Bool)

    public init(parsing text: String) {
        if let i = Int64(text) {
            self = .integer(i)
        } else if let d = Double(text), d.isFinite, text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true {
            self = .number(d)
        } else {
            self = .string(text)
        }
    }

    public var description: String {
        switch self {
        case let .integer(i): return String(i)
        case let .number(d): return String(d)
        case let .string(s): return s
        case let .flag(b): return b ? "true" : "false"
        }
    }
}

/// Parses `key=value` pairs, keeping their order; a malformed or repeated key is an error.
public func parseWorldOptions(_ pairs: [String]) throws -> [(String, OptionValue)] {
    var result: [(String, OptionValue)] = []
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw OptionError(message: "--env takes key=value, got '\(pair)'")
        }
        let key = String(pair[..<equals])
        guard key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw OptionError(message: "--env key '\(key)' must be letters, digits and '_'")
        }
        guard !result.contains(where: { $0.0 == key }) else {
            throw OptionError(message: "--env key '\(key)' is given twice")
        }
        result.append((key, OptionValue(parsing: String(pair[pair.index(after: equals)...]))))
    }
    return result
}

/// A malformed command-line option.
public struct OptionError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}
