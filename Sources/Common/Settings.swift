import Foundation

/// A setting's value: what `--set key=value` and a world's recommended settings give.
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case flag(Bool)
    case text(String)

    public var description: String {
        switch self {
        case let .integer(i): return String(i)
        case let .number(d): return String(d)
        case let .flag(b): return b ? "true" : "false"
        case let .text(s): return s
        }
    }

    var json: JSONValue {
        switch self {
        case let .integer(i): return .int(Int64(i))
        case let .number(d): return .double(d)
        case let .flag(b): return .bool(b)
        case let .text(s): return .string(s)
        }
    }

    var kind: String {
        switch self {
        case .integer: return "a whole number"
        case .number: return "a number"
        case .flag: return "true or false"
        case .text: return "text"
        }
    }

    /// Reads `text` as a value of the same kind as `self` (the default), or nil.
    func parse(_ text: String) -> SettingValue? {
        switch self {
        case .integer:
            if let i = Int(text) { return .integer(i) }
            if let d = Double(text), d == d.rounded(), abs(d) < 1e15 { return .integer(Int(d)) }   // 1e5
            return nil
        case .number: return Double(text).flatMap { $0.isFinite ? .number($0) : nil }
        case .flag:
            switch text.lowercased() {
            case "true", "1", "yes", "on": return .flag(true)
            case "false", "0", "no", "off": return .flag(false)
            default: return nil
            }
        case .text: return .text(text)
        }
    }
}

/// A setting a learner or the training loop understands: name, default and a line of help.
public struct SettingSpec: Sendable {
    public var name: String
    public var defaultValue: SettingValue
    public var help: String
    /// When set, the value must be one of these.
    public var choices: [String]?

    public init(_ name: String, _ defaultValue: SettingValue, _ help: String, choices: [String]? = nil) {
        self.name = name
        self.defaultValue = defaultValue
        self.help = help
        self.choices = choices
    }
}

extension Array where Element == SettingSpec {
    /// The same settings with some defaults replaced (a learner that shares a family's settings but
    /// follows its own reference code).
    public func withDefaults(_ defaults: [String: SettingValue]) -> [SettingSpec] {
        precondition(Set(defaults.keys).isSubset(of: map(\.name)), "unknown setting among \(defaults.keys.sorted())")
        return map { spec in
            guard let value = defaults[spec.name] else { return spec }
            var changed = spec
            changed.defaultValue = value
            return changed
        }
    }
}

/// A setting given with the wrong name or value; names the valid settings or values.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// The resolved settings of a run: defaults, then the world's recommendations, then `--set`.
public struct Settings: Sendable {
    public let specs: [SettingSpec]
    private var values: [String: SettingValue]
    /// Where each value came from: "default", the world file, or "--set".
    public private(set) var sources: [String: String]

    public init(specs: [SettingSpec]) {
        self.specs = specs
        values = Dictionary(specs.map { ($0.name, $0.defaultValue) }, uniquingKeysWith: { first, _ in first })
        sources = Dictionary(specs.map { ($0.name, "default") }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether the learner declares a setting of this name (some settings belong to one family only).
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// Applies `key=value` overrides; an unknown key or a value of the wrong kind is an error.
    public mutating func apply(_ overrides: [(String, String)], from source: String) throws {
        for (key, text) in overrides {
            guard let spec = specs.first(where: { $0.name == key }) else {
                let hint = Suggestions.hint(for: key, in: specs.map(\.name))
                throw SettingsError(message: "\(source): unknown setting '\(key)'\(hint); valid settings: \(specs.map(\.name).sorted().joined(separator: ", "))")
            }
            guard let value = spec.defaultValue.parse(text) else {
                throw SettingsError(message: "\(source): setting '\(key)' takes \(spec.defaultValue.kind), got '\(text)'")
            }
            if let choices = spec.choices, !choices.contains(value.description) {
                throw SettingsError(message: "\(source): setting '\(key)' must be one of \(choices.joined(separator: ", ")), got '\(text)'")
            }
            values[key] = value
            sources[key] = source
        }
    }

    /// Parses `key=value` pairs from the command line.
    public static func pairs(_ items: [String]) throws -> [(String, String)] {
        try items.map { item in
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw SettingsError(message: "--set takes key=value, got '\(item)'")
            }
            return (String(item[..<equals]), String(item[item.index(after: equals)...]))
        }
    }

    public subscript(name: String) -> SettingValue {
        guard let value = values[name] else { preconditionFailure("no setting named \(name)") }
        return value
    }

    public func int(_ name: String) -> Int {
        if case let .integer(i) = self[name] { return i }
        preconditionFailure("\(name) is not a whole number")
    }

    public func double(_ name: String) -> Double {
        switch self[name] {
        case let .number(d): return d
        case let .integer(i): return Double(i)
        default: preconditionFailure("\(name) is not a number")
        }
    }

    public func bool(_ name: String) -> Bool {
        if case let .flag(b) = self[name] { return b }
        preconditionFailure("\(name) is not a flag")
    }

    public func string(_ name: String) -> String { self[name].description }

    /// Every setting with its value, sorted by name, for config.json.
    public var json: JSONValue {
        .object(specs.map(\.name).sorted().map { ($0, values[$0]!.json) })
    }
}
