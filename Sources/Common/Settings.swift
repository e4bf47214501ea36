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
    public func parse(_ text: String) -> SettingValue? {
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

/// The values a numeric setting allows: an interval, open or closed at either end.
public struct SettingRange: Sendable, Equatable, CustomStringConvertible {
    public var lower: Double?
    public var lowerIncluded: Bool
    public var upper: Double?
    public var upperIncluded: Bool

    /// `x` or more.
    public static func atLeast(_ x: Double) -> SettingRange { SettingRange(lower: x, lowerIncluded: true, upper: nil, upperIncluded: false) }
    /// More than `x`.
    public static func above(_ x: Double) -> SettingRange { SettingRange(lower: x, lowerIncluded: false, upper: nil, upperIncluded: false) }
    /// From `a` to `b`, both included.
    public static func between(_ a: Double, _ b: Double) -> SettingRange { SettingRange(lower: a, lowerIncluded: true, upper: b, upperIncluded: true) }
    /// More than `a`, at most `b`.
    public static func aboveUpTo(_ a: Double, _ b: Double) -> SettingRange { SettingRange(lower: a, lowerIncluded: false, upper: b, upperIncluded: true) }

    public static let positive = above(0)
    public static let nonNegative = atLeast(0)
    public static let unit = between(0, 1)
    public static let count = atLeast(1)

    public func contains(_ x: Double) -> Bool {
        if let lower, lowerIncluded ? x < lower : x <= lower { return false }
        if let upper, upperIncluded ? x > upper : x >= upper { return false }
        return true
    }

    public var description: String {
        func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
        switch (lower, upper) {
        case let (lower?, upper?):
            return (lowerIncluded ? "[" : "(") + number(lower) + ", " + number(upper) + (upperIncluded ? "]" : ")")
        case let (lower?, nil): return (lowerIncluded ? "≥ " : "> ") + number(lower)
        case let (nil, upper?): return (upperIncluded ? "≤ " : "< ") + number(upper)
        case (nil, nil): return "any"
        }
    }
}

/// A setting a learner or the training loop understands: its name, type (the default's kind),
/// default, allowed values and a line of help. One declaration feeds validation, `marl-sim help
/// settings`, docs/settings.md and config.json.
public struct SettingSpec: Sendable {
    public var name: String
    public var defaultValue: SettingValue
    public var help: String
    /// When set, the value must be one of these.
    public var choices: [String]?
    /// When set, a numeric value must lie in it.
    public var range: SettingRange?
    /// Earlier names still accepted, with a warning.
    public var formerNames: [String]

    public init(_ name: String, _ defaultValue: SettingValue, _ help: String, choices: [String]? = nil, range: SettingRange? = nil,
                formerNames: [String] = []) {
        self.name = name
        self.defaultValue = defaultValue
        self.help = help
        self.choices = choices
        self.range = range
        self.formerNames = formerNames
    }

    /// The setting's type, for the reference table.
    public var type: String {
        switch defaultValue {
        case .integer: return "integer"
        case .number: return "number"
        case .flag: return "bool"
        case .text: return "text"
        }
    }

    /// What values it allows, for the reference table ("" when any value of its type).
    public var allowed: String {
        if let choices { return choices.joined(separator: " | ") }
        return range?.description ?? ""
    }

    /// `text` read as this setting's value, or the rule it breaks.
    public func value(of text: String) -> Result<SettingValue, SettingsError> {
        guard let value = defaultValue.parse(text) else {
            return .failure(SettingsError(message: "setting '\(name)' takes \(defaultValue.kind), got '\(text)'"))
        }
        if let choices, !choices.contains(value.description) {
            return .failure(SettingsError(message: "setting '\(name)' must be one of \(choices.joined(separator: ", ")), got '\(text)'"))
        }
        if let range {
            let x: Double
            switch value {
            case let .integer(i): x = Double(i)
            case let .number(d): x = d
            default: return .success(value)
            }
            if !range.contains(x) {
                let rule = range.lower != nil && range.upper != nil ? "in \(range)" : range.description
                return .failure(SettingsError(message: "setting '\(name)' must be \(rule), got \(text)"))
            }
        }
        return .success(value)
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
    /// Deprecated names used, one line each, for the caller to print.
    public private(set) var warnings: [String] = []

    public init(specs: [SettingSpec]) {
        self.specs = specs
        values = Dictionary(specs.map { ($0.name, $0.defaultValue) }, uniquingKeysWith: { first, _ in first })
        sources = Dictionary(specs.map { ($0.name, "default") }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether the learner declares a setting of this name (some settings belong to one family only).
    public func has(_ name: String) -> Bool { values[name] != nil }

    static let rule = "\n  rule: a learner's settings have names, types and allowed values (marl-sim help settings <learner>, docs/settings.md)"

    /// Applies `key=value` overrides; an unknown key or a value of the wrong kind is an error.
    public mutating func apply(_ overrides: [(String, String)], from source: String) throws {
        for (key, text) in overrides {
            guard let spec = specs.first(where: { $0.name == key || $0.formerNames.contains(key) }) else {
                let hint = Suggestions.hint(for: key, in: specs.map(\.name))
                throw SettingsError(message: "\(source): unknown setting '\(key)'\(hint); valid settings: \(specs.map(\.name).sorted().joined(separator: ", "))"
                                        + Self.rule)
            }
            if key != spec.name {
                let warning = "\(source): setting '\(key)' is now called '\(spec.name)'; the old name will go"
                if !warnings.contains(warning) { warnings.append(warning) }
            }
            switch spec.value(of: text) {
            case let .success(value):
                values[spec.name] = value
                sources[spec.name] = source
            case let .failure(error):
                throw SettingsError(message: "\(source): \(error.message)" + Self.rule)
            }
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
