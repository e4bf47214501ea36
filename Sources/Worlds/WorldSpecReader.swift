import CLua
import Common

/// Reads and validates the world table (docs/design.md §2) into a `WorldSpec`. Each broken rule is a
/// `WorldError` that names the line of the offending field when the file shows it.
struct WorldSpecReader {
    let vm: LuaVM
    let file: String
    let source: String
    let worldIndex: Int32

    static let maxAgents = 4096
    static let maxSize = 1_000_000
    static let maxEpisodeLimit = 100_000_000

    func fail(_ key: String?, _ message: String, rule: String = ContractRule.spec) -> WorldError {
        WorldError(file: file, line: key.flatMap { SourceLines.line(ofField: $0, in: source) }, message: message, rule: rule)
    }

    func read(fileStem: String) throws -> WorldSpec {
        let base = vm.top
        defer { vm.top = base }

        let name: String
        switch vm.rawField(worldIndex, "name") {
        case LUA_TNIL: name = fileStem
        case LUA_TSTRING where !(vm.string(at: -1) ?? "").isEmpty: name = vm.string(at: -1)!
        default: throw fail("name", "name must be a non-empty string, got \(vm.typeName(at: -1))")
        }
        vm.top = base

        let description: String
        switch vm.rawField(worldIndex, "description") {
        case LUA_TNIL: description = ""
        case LUA_TSTRING: description = vm.string(at: -1)!
        default: throw fail("description", "description must be a string, got \(vm.typeName(at: -1))")
        }
        vm.top = base

        vm.rawField(worldIndex, "agents")
        guard let agents64 = vm.integer(at: -1) else {
            throw fail("agents", "agents must be a whole number of agents, got \(describeTop())")
        }
        guard agents64 >= 1, agents64 <= Int64(Self.maxAgents) else {
            throw fail("agents", "agents must be between 1 and \(Self.maxAgents), got \(agents64)")
        }
        let agents = Int(agents64)
        vm.top = base

        for function in ["reset", "observe", "step"] {
            let type = vm.rawField(worldIndex, function)
            guard type == LUA_TFUNCTION else {
                throw fail(function, type == LUA_TNIL ? "the world has no \(function) function"
                    : "\(function) must be a function, got \(vm.typeName(at: -1))")
            }
            vm.top = base
        }
        var present: [String: Bool] = [:]
        for function in ["state", "available", "render", "snapshot", "restore", "scripted_action"] {
            let type = vm.rawField(worldIndex, function)
            guard type == LUA_TNIL || type == LUA_TFUNCTION else {
                throw fail(function, "\(function) must be a function when present, got \(vm.typeName(at: -1))")
            }
            present[function] = type == LUA_TFUNCTION
            vm.top = base
        }
        guard present["snapshot"] == present["restore"] else {
            throw fail(present["snapshot"]! ? "snapshot" : "restore",
                       "snapshot and restore come together: the world has only \(present["snapshot"]! ? "snapshot" : "restore")",
                       rule: ContractRule.snapshot)
        }

        vm.rawField(worldIndex, "actions")
        let actionSpaces = try readActionSpaces(agents: agents)
        vm.top = base

        vm.rawField(worldIndex, "observation_size")
        let observationSizes = try readSizes(key: "observation_size", agents: agents)
        vm.top = base

        let hasState = present["state"]!
        var stateSize = observationSizes.reduce(0, +)
        let stateType = vm.rawField(worldIndex, "state_size")
        if stateType == LUA_TNIL {
            if hasState { throw fail("state", "the world has a state function but no state_size") }
        } else {
            guard let size = vm.integer(at: -1), size >= 1, size <= Int64(Self.maxSize) else {
                throw fail("state_size", "state_size must be a whole number from 1 to \(Self.maxSize), got \(describeTop())")
            }
            guard hasState else { throw fail("state_size", "state_size is set but the world has no state function") }
            stateSize = Int(size)
        }
        vm.top = base

        vm.rawField(worldIndex, "episode_limit")
        guard let limit = vm.integer(at: -1), limit >= 1, limit <= Int64(Self.maxEpisodeLimit) else {
            throw fail("episode_limit", "episode_limit must be a whole number of steps from 1 to \(Self.maxEpisodeLimit), got \(describeTop())")
        }
        vm.top = base

        if present["available"]!, !actionSpaces.contains(where: \.isDiscrete) {
            throw fail("available", "available is for discrete actions, but every agent's actions are continuous",
                       rule: ContractRule.available)
        }

        var view: [Double]?
        if vm.rawField(worldIndex, "view") != LUA_TNIL {
            guard let values = numberList(at: -1), values.count == 4, values.allSatisfy(\.isFinite),
                  values[2] > values[0], values[3] > values[1] else {
                throw fail("view", "view must be {x_min, y_min, x_max, y_max} with x_max > x_min and y_max > y_min")
            }
            view = values
        }
        vm.top = base

        var options: [WorldOption]?
        if vm.rawField(worldIndex, "options") != LUA_TNIL {
            options = try readOptions()
        }
        vm.top = base

        var recommended: [String: [(String, String)]] = [:]
        if vm.rawField(worldIndex, "settings") != LUA_TNIL {
            recommended = try readRecommendedSettings()
        }
        vm.top = base

        try checkMisspelledFields()

        var spec = WorldSpec(
            name: name, description: description, agents: agents, actionSpaces: actionSpaces,
            observationSizes: observationSizes, stateSize: stateSize, hasStateFunction: hasState,
            hasAvailable: present["available"]!, hasRender: present["render"]!,
            hasSnapshot: present["snapshot"]!, episodeLimit: Int(limit), view: view, options: options)
        spec.recommendedSettings = recommended
        spec.hasScriptedAction = present["scripted_action"]!
        return spec
    }

    /// settings = {all = {steps = 20000}, qmix = {lambda = 0.6}}: learner name → setting → value.
    private func readRecommendedSettings() throws -> [String: [(String, String)]] {
        let L = vm.L
        let rule = "settings = {all = {name = value, ...}, <learner> = {...}} recommends training settings"
        guard lua_type(L, -1) == LUA_TTABLE else { throw fail("settings", "settings must be a table", rule: rule) }
        let table = lua_absindex(L, -1)
        var result: [String: [(String, String)]] = [:]
        for learner in keys(at: table) {
            guard !learner.hasPrefix("[") else { throw fail("settings", "settings must be keyed by learner names or all", rule: rule) }
            vm.rawField(table, learner)
            guard lua_type(L, -1) == LUA_TTABLE else {
                throw fail("settings", "settings.\(learner) must be a table of name = value", rule: rule)
            }
            let entry = lua_absindex(L, -1)
            var pairs: [(String, String)] = []
            for name in keys(at: entry) {
                vm.rawField(entry, name)
                guard [LUA_TNUMBER, LUA_TSTRING, LUA_TBOOLEAN].contains(lua_type(L, -1)) else {
                    throw fail("settings", "settings.\(learner).\(name) must be a number, string or boolean", rule: rule)
                }
                pairs.append((name, plainText(at: -1)))
                lua_settop(L, entry)
            }
            result[learner] = pairs
            lua_settop(L, table)
        }
        return result
    }

    private func describeTop() -> String {
        switch vm.type(at: -1) {
        case LUA_TNIL: return "nothing (nil)"
        case LUA_TNUMBER: return String(lua_tonumberx(vm.L, -1, nil))
        case LUA_TSTRING: return "the string \"\(vm.string(at: -1)!)\""
        default: return "a \(vm.typeName(at: -1))"
        }
    }

    private func numberList(at index: Int32) -> [Double]? {
        let L = vm.L
        guard lua_type(L, index) == LUA_TTABLE else { return nil }
        let table = lua_absindex(L, index)
        let count = Int(lua_rawlen(L, table))
        guard count <= Self.maxSize else { return nil }
        var values: [Double] = []
        for k in 0..<count {
            lua_rawgeti(L, table, lua_Integer(k + 1))
            defer { lua_settop(L, -2) }
            guard let v = vm.number(at: -1) else { return nil }
            values.append(v)
        }
        return values
    }

    /// The keys of the table at `index` (strings only; others are described).
    /// The contract's field names and the Lua types each may hold.
    static let contractFields: [String: Set<Int32>] = {
        var fields: [String: Set<Int32>] = [
            "name": [LUA_TSTRING], "description": [LUA_TSTRING], "agents": [LUA_TNUMBER], "actions": [LUA_TTABLE],
            "observation_size": [LUA_TNUMBER, LUA_TTABLE], "state_size": [LUA_TNUMBER], "episode_limit": [LUA_TNUMBER],
            "view": [LUA_TTABLE], "options": [LUA_TTABLE], "settings": [LUA_TTABLE],
        ]
        for function in ["reset", "observe", "step", "state", "available", "render", "snapshot", "restore", "scripted_action"] {
            fields[function] = [LUA_TFUNCTION]
        }
        return fields
    }()

    /// A field within two edits of a contract name, holding what that name would hold, is a typo
    /// (`avaliable`, `observation_sise`) that would otherwise switch a feature off without a word.
    /// Other fields are the world's own state and are left alone.
    private func checkMisspelledFields() throws {
        let base = vm.top
        defer { vm.top = base }
        let names = Self.contractFields.keys.sorted()
        for key in keys(at: worldIndex) where Self.contractFields[key] == nil && !key.hasPrefix("[") {
            let type = vm.rawField(worldIndex, key)
            vm.top = base
            let close = names.filter { Suggestions.distance(key, $0) <= 2 && Self.contractFields[$0]!.contains(type) }
                .sorted { Suggestions.distance(key, $0) < Suggestions.distance(key, $1) }
            if let name = close.first {
                throw fail(key, "the world table has a field '\(key)' that the contract does not know (did you mean \(name)?)",
                           rule: "the world table's fields are the contract's names (docs/writing-worlds.md); a misspelled optional field is ignored otherwise")
            }
        }
    }

    private func keys(at index: Int32) -> [String] {
        let L = vm.L
        let table = lua_absindex(L, index)
        var result: [String] = []
        lua_pushnil(L)
        while lua_next(L, table) != 0 {
            if lua_type(L, -2) == LUA_TSTRING { result.append(vm.string(at: -2)!) } else { result.append("[\(vm.typeName(at: -2))]") }
            lua_settop(L, -2)
        }
        return result.sorted()
    }

    private func readActionSpaces(agents: Int) throws -> [ActionSpace] {
        let L = vm.L
        guard lua_type(L, -1) == LUA_TTABLE else {
            throw fail("actions", "actions must be a table such as {discrete = 5} or {continuous = 2, low = -1, high = 1}, got \(describeTop())")
        }
        let table = lua_absindex(L, -1)
        if lua_rawlen(L, table) > 0 {
            guard Int(lua_rawlen(L, table)) == agents else {
                throw fail("actions", "actions is a list of \(lua_rawlen(L, table)) action spaces, but there are \(agents) agents")
            }
            var spaces: [ActionSpace] = []
            for i in 1...agents {
                lua_rawgeti(L, table, lua_Integer(i))
                defer { lua_settop(L, -2) }
                spaces.append(try readActionSpace(which: "actions[\(i)]"))
            }
            return spaces
        }
        return Array(repeating: try readActionSpace(which: "actions"), count: agents)
    }

    private func readActionSpace(which: String) throws -> ActionSpace {
        let L = vm.L
        guard lua_type(L, -1) == LUA_TTABLE else {
            throw fail("actions", "\(which) must be a table such as {discrete = 5}, got \(describeTop())")
        }
        let table = lua_absindex(L, -1)
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        let known: Set<String> = ["discrete", "continuous", "low", "high"]
        if let unknown = keys(at: table).first(where: { !known.contains($0) }) {
            throw fail("actions", "\(which): unknown action-space kind or field '\(unknown)' (expected discrete = n, or continuous = d with low and high)")
        }
        let hasDiscrete = vm.rawField(table, "discrete") != LUA_TNIL
        let discrete = vm.integer(at: -1)
        let discreteText = describeTop()
        lua_settop(L, base)
        let hasContinuous = vm.rawField(table, "continuous") != LUA_TNIL
        let continuous = vm.integer(at: -1)
        let continuousText = describeTop()
        lua_settop(L, base)
        switch (hasDiscrete, hasContinuous) {
        case (true, true):
            throw fail("actions", "\(which) sets both discrete and continuous; an agent's actions are one or the other")
        case (false, false):
            throw fail("actions", "\(which) sets neither discrete nor continuous")
        case (true, false):
            guard let n = discrete, n >= 1, n <= Int64(Self.maxSize) else {
                throw fail("discrete", "\(which).discrete must be a whole number of actions from 1 to \(Self.maxSize), got \(discreteText)")
            }
            return .discrete(Int(n))
        case (false, true):
            guard let d = continuous, d >= 1, d <= 4096 else {
                throw fail("continuous", "\(which).continuous must be a whole number of dimensions from 1 to 4096, got \(continuousText)")
            }
            let low = try bound(table: table, key: "low", dimensions: Int(d), fallback: -1, which: which)
            let high = try bound(table: table, key: "high", dimensions: Int(d), fallback: 1, which: which)
            for k in 0..<Int(d) where !(low[k] < high[k]) {
                throw fail("low", "\(which): low must be below high in every dimension (dimension \(k + 1): low \(low[k]), high \(high[k]))")
            }
            return .continuous(low: low, high: high)
        }
    }

    private func bound(table: Int32, key: String, dimensions: Int, fallback: Double, which: String) throws -> [Double] {
        let L = vm.L
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        switch vm.rawField(table, key) {
        case LUA_TNIL: return Array(repeating: fallback, count: dimensions)
        case LUA_TNUMBER:
            let v = lua_tonumberx(L, -1, nil)
            guard v.isFinite else { throw fail(key, "\(which).\(key) must be finite, got \(v)") }
            return Array(repeating: v, count: dimensions)
        default:
            guard let values = numberList(at: -1), values.count == dimensions, values.allSatisfy(\.isFinite) else {
                throw fail(key, "\(which).\(key) must be a finite number or a list of \(dimensions) finite numbers")
            }
            return values
        }
    }

    private func readSizes(key: String, agents: Int) throws -> [Int] {
        let L = vm.L
        if let size = vm.integer(at: -1) {
            guard size >= 1, size <= Int64(Self.maxSize) else {
                throw fail(key, "\(key) must be a whole number from 1 to \(Self.maxSize), got \(size)")
            }
            return Array(repeating: Int(size), count: agents)
        }
        guard lua_type(L, -1) == LUA_TTABLE else {
            throw fail(key, "\(key) must be a whole number of values per agent (or a list, one per agent), got \(describeTop())")
        }
        guard let values = numberList(at: -1), values.count == agents else {
            throw fail(key, "\(key) as a list must hold one whole number per agent (\(agents))")
        }
        return try values.map { value in
            guard value == value.rounded(), value >= 1, value <= Double(Self.maxSize) else {
                throw fail(key, "\(key) must list whole numbers from 1 to \(Self.maxSize), got \(value)")
            }
            return Int(value)
        }
    }

    /// The option declarations of the table at `worldIndex` (a world file's outer table that has `build`), or nil.
    func readDeclaredOptions() throws -> [WorldOption]? {
        let base = vm.top
        defer { vm.top = base }
        return vm.rawField(worldIndex, "options") == LUA_TNIL ? nil : try readOptions()
    }

    private func readOptions() throws -> [WorldOption] {
        let L = vm.L
        guard lua_type(L, -1) == LUA_TTABLE else {
            throw fail("options", "options must be a table of option name = {default = ..., help = \"...\"}", rule: ContractRule.optionDeclaration)
        }
        let table = lua_absindex(L, -1)
        var result: [WorldOption] = []
        for key in keys(at: table) {
            guard !key.hasPrefix("[") else { throw fail("options", "options must be keyed by option names (strings)", rule: ContractRule.optionDeclaration) }
            let base = lua_gettop(L)
            vm.rawField(table, key)
            var option = WorldOption(name: key, defaultValue: "", help: "")
            if lua_type(L, -1) == LUA_TTABLE {
                let entry = lua_absindex(L, -1)
                vm.rawField(entry, "default")
                option.defaultValue = plainText(at: -1)
                option.kind = kind(at: -1)
                lua_settop(L, -2)
                vm.rawField(entry, "help")
                option.help = vm.string(at: -1) ?? ""
                lua_settop(L, -2)
                if vm.rawField(entry, "choices") != LUA_TNIL {
                    guard lua_type(L, -1) == LUA_TTABLE, lua_rawlen(L, -1) > 0 else {
                        throw fail(key, "options.\(key).choices must be a list of the values the option allows", rule: ContractRule.optionDeclaration)
                    }
                    let list = lua_absindex(L, -1)
                    option.choices = (1...Int64(lua_rawlen(L, list))).map { k in
                        lua_rawgeti(L, list, k)
                        defer { lua_settop(L, -2) }
                        return plainText(at: -1)
                    }
                    if !option.choices!.contains(option.defaultValue) {
                        throw fail(key, "options.\(key): the default \(option.defaultValue) is not among its choices \(option.choices!.joined(separator: ", "))",
                                   rule: ContractRule.optionDeclaration)
                    }
                }
            } else {
                option.defaultValue = plainText(at: -1)
                option.kind = kind(at: -1)
            }
            if option.kind == .text, option.choices == nil, ["true", "false"].contains(option.defaultValue) {
                option.choices = ["true", "false"]   // a flag written as text
            }
            lua_settop(L, base)
            result.append(option)
        }
        return result
    }

    private func kind(at index: Int32) -> WorldOption.Kind {
        switch vm.type(at: index) {
        case LUA_TNIL: return .free
        case LUA_TNUMBER: return lua_isinteger(vm.L, index) != 0 ? .integer : .number
        case LUA_TBOOLEAN: return .flag
        default: return .text
        }
    }

    private func plainText(at index: Int32) -> String {
        switch vm.type(at: index) {
        case LUA_TSTRING: return vm.string(at: index)!
        case LUA_TNUMBER:
            if let i = vm.integer(at: index), lua_isinteger(vm.L, index) != 0 { return String(i) }
            return String(lua_tonumberx(vm.L, index, nil))
        case LUA_TBOOLEAN: return lua_toboolean(vm.L, index) != 0 ? "true" : "false"
        case LUA_TNIL: return ""
        default: return "(\(vm.typeName(at: index)))"
        }
    }
}

/// Finds the line of a field in a world's source text, for errors about the world table.
enum SourceLines {
    static func line(ofField key: String, in source: String) -> Int? {
        var number = 0
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let code = line.split(separator: "--", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            var search = code.startIndex
            while let range = code.range(of: key, range: search..<code.endIndex) {
                search = range.upperBound
                if range.lowerBound > code.startIndex {
                    let before = code[code.index(before: range.lowerBound)]
                    if before.isLetter || before.isNumber || before == "_" || before == "." { continue }
                }
                let rest = code[range.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
                if rest.hasPrefix("="), !rest.hasPrefix("==") { return number }
            }
        }
        return nil
    }
}
