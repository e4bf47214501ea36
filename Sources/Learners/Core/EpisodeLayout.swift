import Common

/// One agent's action space as the learners see it: `count` discrete actions, or `count`
/// continuous dimensions normalized to [−1, 1].
public enum AgentActions: Equatable, Hashable, Sendable, CustomStringConvertible {
    case discrete(Int)
    case continuous(Int)

    public var isContinuous: Bool { if case .continuous = self { return true } else { return false } }

    /// The number of actions, or of dimensions.
    public var count: Int {
        switch self {
        case let .discrete(n), let .continuous(n): return n
        }
    }

    public var description: String { isContinuous ? "continuous(\(count))" : "discrete(\(count))" }
}

/// The shape of the episodes a buffer holds. Agents may differ in observation size and action
/// space (heterogeneous teams, even mixed discrete and continuous ones); the buffers then store
/// every agent padded to the widest: observations [N][`observationSize`] with zeros after agent
/// i's own values, availability and one-hots [N][`actions`] with the padded actions unavailable,
/// continuous values [N][`actionDimensions`]. Networks read each agent's own columns only, so
/// the padding never reaches a learner. A homogeneous team has no padding at all.
public struct EpisodeLayout: Equatable, Sendable {
    public let agents: Int
    /// The widest observation (the stride of agent rows in observation arrays).
    public let observationSize: Int
    public let stateSize: Int
    /// The most discrete actions of any agent (0: none acts discretely).
    public let actions: Int
    public let episodeLimit: Int
    /// The most continuous dimensions of any agent (0: none acts continuously).
    public let actionDimensions: Int
    /// Each agent's own observation size.
    public let observationSizes: [Int]
    /// Each agent's own action space.
    public let actionSpaces: [AgentActions]

    /// A homogeneous team: every agent has `actions` discrete actions or `actionDimensions` continuous ones.
    public init(agents: Int, observationSize: Int, stateSize: Int, actions: Int, episodeLimit: Int, actionDimensions: Int = 0) {
        precondition((actions > 0) != (actionDimensions > 0), "an agent has discrete actions or continuous dimensions, not both")
        self.init(observationSizes: Array(repeating: observationSize, count: agents), stateSize: stateSize,
                  actionSpaces: Array(repeating: actions > 0 ? .discrete(actions) : .continuous(actionDimensions), count: agents),
                  episodeLimit: episodeLimit)
    }

    /// A team whose agents have their own observation sizes and action spaces.
    public init(observationSizes: [Int], stateSize: Int, actionSpaces: [AgentActions], episodeLimit: Int) {
        precondition(!observationSizes.isEmpty && observationSizes.count == actionSpaces.count, "one observation size and action space per agent")
        precondition(actionSpaces.allSatisfy { $0.count > 0 }, "every agent has at least one action or dimension")
        agents = observationSizes.count
        self.observationSizes = observationSizes
        self.actionSpaces = actionSpaces
        self.stateSize = stateSize
        self.episodeLimit = episodeLimit
        observationSize = observationSizes.max()!
        actions = actionSpaces.filter { !$0.isContinuous }.map(\.count).max() ?? 0
        actionDimensions = actionSpaces.filter(\.isContinuous).map(\.count).max() ?? 0
    }

    /// The same team with `extra` more observation values per agent (inputs appended to observations).
    public func widening(observationsBy extra: Int) -> EpisodeLayout {
        EpisodeLayout(observationSizes: observationSizes.map { $0 + extra }, stateSize: stateSize, actionSpaces: actionSpaces,
                      episodeLimit: episodeLimit)
    }

    /// Every agent acts continuously.
    public var isContinuous: Bool { actionSpaces.allSatisfy(\.isContinuous) }
    /// Some agents act discretely and others continuously.
    public var isMixed: Bool { actions > 0 && actionDimensions > 0 }
    /// All agents share one observation size and one action space.
    public var isHomogeneous: Bool { Set(observationSizes).count == 1 && Set(actionSpaces).count == 1 }

    /// The widest action as a network input (the stride of agent rows in action arrays): a
    /// one-hot of the discrete actions or the continuous values.
    public var actionWidth: Int { Swift.max(actions, actionDimensions) }

    /// Agent i's action width: its one-hot or its values.
    public func actionWidth(of i: Int) -> Int { actionSpaces[i].count }

    /// Σ_i of each agent's own action width: the joint action a centralized critic reads.
    public var jointActionWidth: Int { actionSpaces.reduce(0) { $0 + $1.count } }

    /// Agents with the same observation size and action space, in world order (first members
    /// first): the agents that can share one network.
    public var groups: [[Int]] {
        var result: [[Int]] = []
        var keys: [(Int, AgentActions)] = []
        for i in 0..<agents {
            if let g = keys.firstIndex(where: { $0.0 == observationSizes[i] && $0.1 == actionSpaces[i] }) {
                result[g].append(i)
            } else {
                keys.append((observationSizes[i], actionSpaces[i]))
                result.append([i])
            }
        }
        return result
    }

    /// One line per kind of agent, e.g. "agents 1, 3: observation 8, discrete(5)".
    public var agentSummary: String {
        groups.map { group in
            let who = group.count == 1 ? "agent \(group[0] + 1)" : "agents " + group.map { String($0 + 1) }.joined(separator: ", ")
            return "\(who): observation \(observationSizes[group[0]]), \(actionSpaces[group[0]])"
        }.joined(separator: "; ")
    }
}
