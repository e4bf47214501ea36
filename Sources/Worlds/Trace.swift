import Common
import Foundation

/// `marl-sim trace`: one episode as JSON lines, one per step, for comparing a world against a
/// reference implementation. Line t = 0 holds the state after reset (and after `restore`).
public struct Trace {
    public var file: String
    public var options: [(String, OptionValue)]
    public var seed: UInt64
    public var restore: JSONValue?
    /// One entry per step, each a list with one action per agent (1-based ids or number lists).
    public var actions: JSONValue?
    public var limits: WorldLimits

    public init(file: String, options: [(String, OptionValue)], seed: UInt64, restore: JSONValue?, actions: JSONValue?,
                limits: WorldLimits = WorldLimits()) {
        self.file = file
        self.options = options
        self.seed = seed
        self.restore = restore
        self.actions = actions
        self.limits = limits
    }

    /// An `--actions` file that does not fit the world.
    public struct ActionsError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Writes the lines through `emit`; returns the number of steps taken.
    @discardableResult
    public func run(emit: (String) -> Void) throws -> Int {
        let world = try LuaWorld(file: file, options: options, seed: seed, instance: 0, limits: limits)
        world.strict = true
        let scripted = try actions.map { try Self.jointActions($0, spec: world.spec) }
        try world.reset()
        if let restore { try world.restore(restore) }
        emit(try line(world, t: 0, action: nil, result: nil).serialized)
        var policy = RandomPolicy(seed: seed, stream: 7)
        var action = JointAction(spec: world.spec)
        var t = 0
        while world.episodeRunning {
            if let scripted {
                guard t < scripted.count else { break }
                action = scripted[t]
            } else {
                policy.act(world, into: &action)
            }
            let result = try world.step(action)
            t += 1
            emit(try line(world, t: t, action: action, result: result).serialized)
        }
        return t
    }

    private func line(_ world: LuaWorld, t: Int, action: JointAction?, result: StepResult?) throws -> JSONValue {
        let spec = world.spec
        var pairs: [(String, JSONValue)] = [("t", .int(Int64(t)))]
        if let action, let result {
            let continuousOffsets = spec.continuousOffsets
            pairs.append(("actions", .array((0..<spec.agents).map { i in
                switch spec.actionSpaces[i] {
                case .discrete: return .int(Int64(action.discrete[i]) + 1)
                case let .continuous(low, high):
                    return .array((0..<low.count).map { d in
                        .double(Swift.min(Swift.max(action.continuous[continuousOffsets[i] + d], low[d]), high[d]))
                    })
                }
            })))
            pairs.append(("reward", .double(result.reward)))
            pairs.append(("terminated", .bool(result.terminated)))
            pairs.append(("truncated", .bool(result.truncated)))
            pairs.append(("info", .object(zip(world.infoKeys, world.infoValues).filter { !$0.1.isNaN }.sorted { $0.0 < $1.0 }.map { ($0.0, .double($0.1)) })))
        }
        let offsets = spec.observationOffsets
        pairs.append(("observations", .array((0..<spec.agents).map { i in
            .array((0..<spec.observationSizes[i]).map { .double(Double(world.observations[offsets[i] + $0])) })
        })))
        pairs.append(("state", .array(world.state.map { .double(Double($0)) })))
        let availableOffsets = spec.availableOffsets
        pairs.append(("available", .array((0..<spec.agents).map { i in
            guard spec.actionSpaces[i].isDiscrete else { return .null }
            return .array((0..<spec.actionSpaces[i].size).map { .bool(world.available[availableOffsets[i] + $0] != 0) })
        })))
        if let snapshot = try world.snapshot() { pairs.append(("snapshot", snapshot)) }
        return .object(pairs)
    }

    /// Reads `--actions`: a list with one entry per step, each a list with one action per agent.
    static func jointActions(_ value: JSONValue, spec: WorldSpec) throws -> [JointAction] {
        guard case let .array(steps) = value else { throw ActionsError(message: "the actions must be a JSON array with one entry per step") }
        let continuousOffsets = spec.continuousOffsets
        return try steps.enumerated().map { t, stepValue in
            guard case let .array(perAgent) = stepValue, perAgent.count == spec.agents else {
                throw ActionsError(message: "step \(t + 1): expected a list of \(spec.agents) actions, one per agent")
            }
            var action = JointAction(spec: spec)
            for (i, entry) in perAgent.enumerated() {
                switch spec.actionSpaces[i] {
                case let .discrete(n):
                    guard case let .int(id) = entry, id >= 1, id <= Int64(n) else {
                        throw ActionsError(message: "step \(t + 1), agent \(i + 1): expected an action id 1..\(n), got \(entry.serialized)")
                    }
                    action.discrete[i] = Int32(id - 1)
                case let .continuous(low, _):
                    let values: [JSONValue]
                    if case let .array(list) = entry { values = list } else { values = [entry] }
                    guard values.count == low.count else {
                        throw ActionsError(message: "step \(t + 1), agent \(i + 1): expected \(low.count) numbers, got \(entry.serialized)")
                    }
                    for (d, v) in values.enumerated() {
                        switch v {
                        case let .int(x): action.continuous[continuousOffsets[i] + d] = Double(x)
                        case let .double(x): action.continuous[continuousOffsets[i] + d] = x
                        default: throw ActionsError(message: "step \(t + 1), agent \(i + 1): \(v.serialized) is not a number")
                        }
                    }
                }
            }
            return action
        }
    }
}
