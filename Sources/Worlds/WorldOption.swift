import CLua
import Common

/// An option a world declares in its `options` table.
public struct WorldOption: Sendable, Equatable {
    public var name: String
    public var defaultValue: String
    public var help: String
    /// The default's type, which every value given with `--env` is converted to.
    public var kind: Kind = .text
    /// When declared, the value must be one of these.
    public var choices: [String]? = nil

    /// The Lua type of an option's default; `free` for an option declared without one (the world
    /// computes its value when it is not given, and a given value arrives as `--env` parsed it).
    public enum Kind: String, Sendable { case integer, number, flag, text, free }

    /// `value` as this option takes it, or why not.
    public func converted(_ value: OptionValue) -> Result<OptionValue, OptionError> {
        let text = value.description
        let result: OptionValue?
        switch kind {
        case .integer: if case .integer = value { result = value } else { result = nil }
        case .number:
            switch value {
            case .integer, .number: result = value
            default: result = nil
            }
        case .flag:
            switch text.lowercased() {
            case "true": result = .flag(true)
            case "false": result = .flag(false)
            default: result = nil
            }
        case .text: result = .string(text)
        case .free: result = value
        }
        guard let result else {
            let wanted = [Kind.integer: "a whole number", .number: "a number", .flag: "true or false"][kind] ?? "text"
            return .failure(OptionError(message: "option '\(name)' takes \(wanted) (its default is \(defaultValue)), got '\(text)'"))
        }
        if let choices, !choices.contains(result.description) {
            return .failure(OptionError(message: "option '\(name)' must be one of \(choices.joined(separator: ", ")), got '\(text)'"))
        }
        return .success(result)
    }

    /// The default as a value of its type (nil: declared without a default).
    public var defaultOptionValue: OptionValue? {
        switch kind {
        case .free: return nil
        case .integer: return Int64(defaultValue).map { .integer($0) } ?? .string(defaultValue)
        case .number: return Double(defaultValue).map { .number($0) } ?? .string(defaultValue)
        case .flag: return .flag(defaultValue == "true")
        case .text: return .string(defaultValue)
        }
    }
}

extension WorldOption {
    /// `options` checked against the declarations: known names, each converted to its default's type.
    static func resolve(_ options: [(String, OptionValue)], declared: [WorldOption], file: String,
                        source: String) throws -> [(String, OptionValue)] {
        try options.map { name, value in
            let line = SourceLines.line(ofField: "options", in: source)
            guard let option = declared.first(where: { $0.name == name }) else {
                let names = declared.map(\.name)
                throw WorldError(file: file, line: line,
                                 message: "unknown option '\(name)'\(Suggestions.hint(for: name, in: names)); "
                                     + (names.isEmpty ? "this world declares no options" : "this world's options are \(names.sorted().joined(separator: ", "))"),
                                 rule: ContractRule.options)
            }
            switch option.converted(value) {
            case let .success(converted): return (name, converted)
            case let .failure(error): throw WorldError(file: file, line: line, message: error.message, rule: ContractRule.optionType)
            }
        }
    }

    /// Pushes a value onto the world's Lua stack.
    static func push(_ value: OptionValue, vm: LuaVM) {
        switch value {
        case let .integer(i): lua_pushinteger(vm.L, i)
        case let .number(d): lua_pushnumber(vm.L, d)
        case let .string(s): vm.push(s)
        case let .flag(b): lua_pushboolean(vm.L, b ? 1 : 0)
        }
    }
}
