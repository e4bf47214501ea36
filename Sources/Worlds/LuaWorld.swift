import CLua
import Common
import Foundation

/// One instance of a world: its Lua file running in a sandboxed `lua_State` of its own.
///
/// Not thread-safe; distinct instances may run on distinct threads. The output buffers
/// (`observations`, `state`, `available`) hold the values of the last `reset`, `step` or `restore`
/// and are overwritten by the next one.
public final class LuaWorld {
    public let file: String
    public let spec: WorldSpec
    public let limits: WorldLimits

    /// All agents' observations side by side (`spec.observationOffsets`).
    public let observations: UnsafeMutableBufferPointer<Float>
    /// The world's state, or the observations concatenated when it has no `state`.
    public let state: UnsafeMutableBufferPointer<Float>
    /// 1 for an available action, 0 otherwise: n entries per discrete agent (`spec.availableOffsets`).
    public let available: UnsafeMutableBufferPointer<UInt8>

    public private(set) var stepsInEpisode = 0
    public private(set) var episodeRunning = false

    /// Info fields in order of first appearance, and their values last reported in the current
    /// episode (NaN where a field was not reported in it).
    public private(set) var infoKeys: [String] = []
    public private(set) var infoValues: [Double] = []

    let vm: LuaVM
    private let source: String
    private let observationOffsets: [Int]
    private let availableOffsets: [Int]
    private let continuousOffsets: [Int]
    private let allDiscrete: Bool
    private let observationSizes: [Int32]
    /// Actions per discrete agent, 0 for a continuous one.
    private let discreteSizes: [Int]
    private let continuousScratch: UnsafeMutableBufferPointer<Double>
    private var infoKeyPointers: [UnsafePointer<CChar>?] = []

    // The stack layout kept between calls (1: traceback handler, 2: host table).
    static let worldIndex: Int32 = 3
    static let resetIndex: Int32 = 4
    static let stepIndex: Int32 = 5
    static let actionsIndex: Int32 = 6
    static let observationsIndex: Int32 = 7
    static let stateIndex: Int32 = 8
    static let availableIndex: Int32 = 9
    static let ioIndex: Int32 = 10
    static let renderIndex: Int32 = 11
    static let snapshotIndex: Int32 = 12
    static let restoreIndex: Int32 = 13
    static let whereIndex: Int32 = 14
    static let scriptedActionIndex: Int32 = 15
    static let baseTop: Int32 = 15

    /// Loads `file` with `options` (from `--env`), seeding `math.random` from `seed` and `instance`.
    public init(file: String, options: [(String, OptionValue)] = [], seed: UInt64 = 0, instance: Int = 0,
                limits: WorldLimits = WorldLimits()) throws {
        self.file = file
        self.limits = limits
        guard let data = FileManager.default.contents(atPath: file) else {
            let exists = FileManager.default.fileExists(atPath: file)
            throw WorldError(file: file, message: exists ? "the world file cannot be read" : "there is no world file at this path",
                             rule: "a world is a readable .lua file")
        }
        source = String(decoding: data, as: UTF8.self)
        var roots = [(file as NSString).deletingLastPathComponent]
        if roots[0].isEmpty { roots[0] = "." }
        if let lib = WorldFiles.libraryFolder(forWorld: file), lib != roots[0] { roots.append(lib) }
        do {
            vm = try LuaVM(roots: roots, limits: limits)
        } catch {
            throw WorldError(file: file, message: "the Lua host could not start: \(error.text)", rule: ContractRule.sandbox)
        }
        let L = vm.L

        // Compile, run the file, and call the option constructor when the file returns one.
        vm.rawField(LuaVM.hostIndex, "compile")
        let bytes = [UInt8](data) + [0]
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, data.count) }
        }
        vm.push("@" + file)
        if let failure = vm.protectedCall(arguments: 2, results: 1) {
            throw Self.error(failure, file: file, rule: ContractRule.syntax, limits: limits)
        }
        if let failure = vm.protectedCall(arguments: 0, results: 1) {
            throw Self.error(failure, file: file, rule: ContractRule.returnsWorld, limits: limits, loadedFiles: vm.loadedFiles())
        }
        let returnedFunction = lua_type(L, -1) == LUA_TFUNCTION
        // A file that returns {options = ..., build = function(options)} declares its options once:
        // the host checks and converts what --env gives, fills in the defaults and calls build.
        var declared: [WorldOption]?
        var builds = false
        if lua_type(L, -1) == LUA_TTABLE {
            builds = vm.rawField(Self.worldIndex, "build") == LUA_TFUNCTION
            if !builds { lua_settop(L, -2) }
        }
        if builds {
            let reader = WorldSpecReader(vm: vm, file: file, source: source, worldIndex: Self.worldIndex)
            let declarations = try reader.readDeclaredOptions() ?? []
            declared = declarations
            let given = try WorldOption.resolve(options, declared: declarations, file: file, source: source)
            lua_createtable(L, 0, Int32(declarations.count))
            for option in declarations {
                guard let value = given.first(where: { $0.0 == option.name })?.1 ?? option.defaultOptionValue else { continue }
                vm.push(option.name)
                WorldOption.push(value, vm: vm)
                lua_rawset(L, -3)
            }
            if let failure = vm.protectedCall(arguments: 1, results: 1) {
                throw Self.error(failure, file: file, rule: ContractRule.build, limits: limits, loadedFiles: vm.loadedFiles())
            }
            lua_copy(L, -1, Self.worldIndex)
            lua_settop(L, -2)
        } else if returnedFunction {
            lua_createtable(L, 0, Int32(options.count))
            for (key, value) in options {
                vm.push(key)
                WorldOption.push(value, vm: vm)
                lua_rawset(L, -3)
            }
            if let failure = vm.protectedCall(arguments: 1, results: 1) {
                throw Self.error(failure, file: file, rule: ContractRule.optionConstructor, limits: limits, loadedFiles: vm.loadedFiles())
            }
        }
        guard lua_type(L, -1) == LUA_TTABLE else {
            let got = vm.typeName(at: -1)
            throw WorldError(file: file, message: builds
                ? "build returned \(got == "nil" ? "nothing" : "a \(got)") instead of the world table"
                : returnedFunction
                ? "the option constructor returned \(got == "nil" ? "nothing" : "a \(got)") instead of the world table"
                : "the file returned \(got == "nil" ? "nothing" : "a \(got)") instead of the world table (or a function of options)",
                rule: builds ? ContractRule.build : returnedFunction ? ContractRule.optionConstructor : ContractRule.returnsWorld)
        }
        if !options.isEmpty, !returnedFunction, !builds {
            throw WorldError(file: file, message: "this world takes no options, but --env gave \(options.map(\.0).joined(separator: ", "))",
                             rule: ContractRule.options)
        }
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var spec = try WorldSpecReader(vm: vm, file: file, source: source, worldIndex: Self.worldIndex).read(fileStem: stem)
        if let declared {
            spec.options = declared
        } else if !options.isEmpty, let declared = spec.options {
            // A function of options: the declarations come with the world it built; check what was given against them.
            _ = try WorldOption.resolve(options, declared: declared, file: file, source: source)
        }
        self.spec = spec

        Watchdog.shared.name(vm.control, file: file)

        try Self.seedRandom(vm, seed: seed, instance: instance, file: file)

        // Build the driver; its results stay on the stack at fixed indices (see the constants).
        vm.rawField(LuaVM.hostIndex, "driver")
        lua_pushvalue(L, Self.worldIndex)
        lua_pushinteger(L, lua_Integer(spec.agents))
        Self.pushIntegers(L, spec.observationSizes)
        lua_pushinteger(L, lua_Integer(spec.hasStateFunction ? spec.stateSize : 0))
        if spec.hasAvailable {
            Self.pushIntegers(L, spec.actionSpaces.map { $0.isDiscrete ? $0.size : 0 })
        } else {
            lua_pushnil(L)
        }
        Self.pushIntegers(L, spec.actionSpaces.map { $0.isDiscrete ? 0 : $0.size })
        if let failure = vm.protectedCall(arguments: 6, results: 12, isWorldCode: false) {
            throw Self.error(failure, file: file, rule: ContractRule.spec, limits: limits)
        }
        precondition(lua_gettop(L) == Self.baseTop, "host stack layout")

        observations = .allocate(capacity: spec.totalObservationSize)
        observations.initialize(repeating: 0)
        state = .allocate(capacity: spec.stateSize)
        state.initialize(repeating: 0)
        available = .allocate(capacity: spec.totalAvailableSize)
        available.initialize(repeating: 1)
        continuousScratch = .allocate(capacity: max(1, spec.actionSpaces.map { $0.isDiscrete ? 0 : $0.size }.max() ?? 1))
        continuousScratch.initialize(repeating: 0)
        observationOffsets = spec.observationOffsets
        availableOffsets = spec.availableOffsets
        continuousOffsets = spec.continuousOffsets
        allDiscrete = spec.actionSpaces.allSatisfy(\.isDiscrete)
        observationSizes = spec.observationSizes.map { Int32($0) }
        discreteSizes = spec.actionSpaces.map { $0.isDiscrete ? $0.size : 0 }
    }

    deinit {
        observations.deallocate()
        state.deallocate()
        available.deallocate()
        continuousScratch.deallocate()
    }

    /// Seeds `math.random` from the run seed and the instance index.
    private static func seedRandom(_ vm: LuaVM, seed: UInt64, instance: Int, file: String) throws {
        var generator = SeededGenerator(seed: seed, stream: UInt64(instance) &+ 1)
        vm.rawField(LuaVM.hostIndex, "seed")
        lua_pushinteger(vm.L, lua_Integer(bitPattern: generator.next()))
        lua_pushinteger(vm.L, lua_Integer(bitPattern: generator.next()))
        if let failure = vm.protectedCall(arguments: 2, results: 0, isWorldCode: false) {
            throw error(failure, file: file, rule: ContractRule.sandbox, limits: vm.limits)
        }
    }

    /// Seeds `math.random` as a new instance built with `seed` and `instance` would be, so the
    /// next episodes equal that instance's (Gymnasium's `reset(seed=)`).
    public func reseed(_ seed: UInt64, instance: Int = 0) throws {
        try Self.seedRandom(vm, seed: seed, instance: instance, file: file)
    }

    private static func pushIntegers(_ L: OpaquePointer, _ values: [Int]) {
        lua_createtable(L, Int32(values.count), 0)
        for (k, v) in values.enumerated() {
            lua_pushinteger(L, lua_Integer(v))
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }

    /// Strict mode clears the output tables before every call, so a world that leaves a value
    /// unwritten is caught at once. `check` and `trace` run strict; training runs strict only
    /// for the first episode, then relies on the cheaper last-slot check.
    public var strict: Bool = false {
        didSet {
            lua_pushboolean(vm.L, strict ? 1 : 0)
            lua_rawseti(vm.L, Self.ioIndex, 1)
        }
    }

    /// Bytes of memory the instance's Lua state uses now.
    public var memoryInUse: Int { vm.memoryInUse }

    // MARK: - The episode

    /// Starts an episode and fills the output buffers.
    public func reset() throws {
        lua_pushvalue(vm.L, Self.resetIndex)
        if let failure = vm.protectedCall(arguments: 0, results: 0) { throw phaseError(failure) }
        try readOutputs()
        stepsInEpisode = 0
        episodeRunning = true
        for k in infoValues.indices { infoValues[k] = .nan }
    }

    /// Applies one joint action. Discrete ids must be available; continuous values are clipped
    /// into [low, high].
    public func step(_ action: JointAction) throws -> StepResult {
        let L = vm.L
        guard episodeRunning else {
            throw WorldError(file: file, message: "step was called with no episode running (reset first)", rule: ContractRule.step)
        }
        try writeActions(action)
        lua_pushvalue(L, Self.stepIndex)
        if let failure = vm.protectedCall(arguments: 0, results: 3) { throw phaseError(failure) }
        defer { lua_settop(L, Self.baseTop) }
        let rewardIndex = Self.baseTop + 1
        guard lua_type(L, rewardIndex) == LUA_TNUMBER else {
            throw definitionError("step", message: "step returned \(describe(rewardIndex)) as the reward; it must return a finite number", rule: ContractRule.step)
        }
        let reward = lua_tonumberx(L, rewardIndex, nil)
        guard reward.isFinite else {
            throw definitionError("step", message: "step returned the reward \(reward.isNaN ? "nan" : String(reward)); it must be finite", rule: ContractRule.step)
        }
        let terminated: Bool
        switch lua_type(L, rewardIndex + 1) {
        case LUA_TNIL: terminated = false
        case LUA_TBOOLEAN: terminated = lua_toboolean(L, rewardIndex + 1) != 0
        default:
            throw definitionError("step", message: "step returned \(describe(rewardIndex + 1)) as terminated; it must be true, false or nil", rule: ContractRule.step)
        }
        switch lua_type(L, rewardIndex + 2) {
        case LUA_TNIL: break
        case LUA_TTABLE: try readInfo(at: rewardIndex + 2)
        default:
            throw definitionError("step", message: "step returned \(describe(rewardIndex + 2)) as info; it must be a table or nil", rule: ContractRule.step)
        }
        lua_settop(L, Self.baseTop)
        try readOutputs()
        stepsInEpisode += 1
        let truncated = !terminated && stepsInEpisode >= spec.episodeLimit
        if terminated || truncated { episodeRunning = false }
        return StepResult(reward: reward, terminated: terminated, truncated: truncated)
    }

    private func writeActions(_ action: JointAction) throws {
        let L = vm.L
        guard action.discrete.count == spec.agents, action.continuous.count == spec.totalContinuousSize else {
            throw WorldError(file: file, message: "a joint action has \(action.discrete.count) entries for \(spec.agents) agents", rule: ContractRule.actions)
        }
        if allDiscrete {
            for i in 0..<discreteSizes.count {
                let id = Int(action.discrete[i])
                guard id >= 0, id < discreteSizes[i], available[availableOffsets[i] + id] != 0 else {
                    return try rejectDiscrete(agent: i, id: id)
                }
            }
            action.discrete.withUnsafeBufferPointer { marl_write_actions(L, Self.actionsIndex, Int32(discreteSizes.count), $0.baseAddress) }
            return
        }
        for i in 0..<spec.agents {
            switch spec.actionSpaces[i] {
            case let .discrete(n):
                let id = Int(action.discrete[i])
                guard id >= 0, id < n else {
                    throw WorldError(file: file, message: "agent \(i + 1) chose action \(id + 1), outside 1..\(n)", rule: ContractRule.actions)
                }
                guard available[availableOffsets[i] + id] != 0 else {
                    throw WorldError(file: file, message: "agent \(i + 1) chose action \(id + 1), which its available() marks unavailable", rule: ContractRule.actions)
                }
            case let .continuous(low, high):
                lua_rawgeti(L, Self.actionsIndex, lua_Integer(i + 1))
                guard lua_type(L, -1) == LUA_TTABLE else {
                    lua_settop(L, Self.baseTop)
                    throw definitionError("step", message: "step replaced actions[\(i + 1)]; the actions table belongs to the host and must not be changed", rule: ContractRule.step)
                }
                let offset = continuousOffsets[i]
                for d in 0..<low.count {
                    let v = action.continuous[offset + d]
                    guard v.isFinite else {
                        lua_settop(L, Self.baseTop)
                        throw WorldError(file: file, message: "agent \(i + 1)'s action value \(d + 1) is \(v)", rule: ContractRule.actions)
                    }
                    continuousScratch[d] = Swift.min(Swift.max(v, low[d]), high[d])
                }
                marl_write_numbers(L, -1, Int32(low.count), continuousScratch.baseAddress)
                lua_settop(L, Self.baseTop)
            }
        }
        for i in 0..<spec.agents where discreteSizes[i] > 0 {
            lua_pushinteger(L, lua_Integer(action.discrete[i]) + 1)
            lua_rawseti(L, Self.actionsIndex, lua_Integer(i + 1))
        }
    }

    private func rejectDiscrete(agent i: Int, id: Int) throws {
        if id < 0 || id >= discreteSizes[i] {
            throw WorldError(file: file, message: "agent \(i + 1) chose action \(id + 1), outside 1..\(discreteSizes[i])", rule: ContractRule.actions)
        }
        throw WorldError(file: file, message: "agent \(i + 1) chose action \(id + 1), which its available() marks unavailable", rule: ContractRule.actions)
    }

    private func readOutputs() throws {
        let L = vm.L
        guard lua_checkstack(L, Int32(MARL_BLOCK) + 8) != 0 else {
            throw WorldError(file: file, message: "the Lua stack cannot grow", rule: ContractRule.sandbox)
        }
        let base = observations.baseAddress!
        for i in 0..<observationSizes.count {
            lua_rawgeti(L, Self.observationsIndex, lua_Integer(i + 1))
            try readFloats(function: "observe", agent: i, count: Int(observationSizes[i]), into: base + observationOffsets[i])
        }
        if spec.hasStateFunction {
            lua_rawgeti(L, Self.stateIndex, 1)
            try readFloats(function: "state", agent: nil, count: spec.stateSize, into: state.baseAddress!)
        } else {
            state.baseAddress!.update(from: base, count: spec.stateSize)
        }
        if spec.hasAvailable {
            for i in 0..<discreteSizes.count where discreteSizes[i] > 0 {
                lua_rawgeti(L, Self.availableIndex, lua_Integer(i + 1))
                try readAvailable(agent: i)
            }
        }
    }

    /// Reads the table on top of the stack (and pops it).
    private func readFloats(function: String, agent: Int?, count: Int, into out: UnsafeMutablePointer<Float>) throws {
        let L = vm.L
        guard lua_type(L, -1) == LUA_TTABLE else {
            let got = describe(-1)
            lua_settop(L, Self.baseTop)
            throw definitionError(function, message: "\(function)\(agentText(agent)) returned \(got); it must fill out or return a table",
                                  rule: function == "state" ? ContractRule.state : ContractRule.observe)
        }
        var bad: Int32 = 0
        let code = marl_read_floats(L, -1, Int32(count), out, &bad, 1)
        if code == MARL_OK { lua_settop(L, -2); return }
        lua_rawgeti(L, -1, lua_Integer(bad))
        let got = describe(-1)
        lua_settop(L, Self.baseTop)
        let size = function == "state" ? "state_size" : "observation_size"
        let message: String
        switch Int(code) {
        case Int(MARL_NOT_FINITE): message = "\(function)\(agentText(agent)) wrote \(got) at out[\(bad)]; values must be finite"
        case Int(MARL_TOO_MANY): message = "\(function)\(agentText(agent)) wrote more than \(size) = \(count) values (out[\(bad)] is set)"
        default:
            message = lua_Integer(bad) <= count && got == "nil"
                ? "\(function)\(agentText(agent)) left out[\(bad)] empty; it must write all \(size) = \(count) values"
                : "\(function)\(agentText(agent)) wrote \(got) at out[\(bad)]; values must be numbers"
        }
        throw definitionError(function, message: message, rule: function == "state" ? ContractRule.state : ContractRule.observe)
    }

    private func readAvailable(agent i: Int) throws {
        let L = vm.L
        let n = discreteSizes[i]
        guard lua_type(L, -1) == LUA_TTABLE else {
            let got = describe(-1)
            lua_settop(L, Self.baseTop)
            throw definitionError("available", message: "available for agent \(i + 1) returned \(got); it must fill out or return a table", rule: ContractRule.available)
        }
        var bad: Int32 = 0
        let out = available.baseAddress! + availableOffsets[i]
        let code = marl_read_bools(L, -1, Int32(n), out, &bad)
        if code != MARL_OK {
            lua_rawgeti(L, -1, lua_Integer(bad))
            let got = describe(-1)
            lua_settop(L, Self.baseTop)
            let message = code == MARL_TOO_MANY
                ? "available for agent \(i + 1) set out[\(bad)], beyond its \(n) actions"
                : "available for agent \(i + 1) set out[\(bad)] to \(got); each of out[1..\(n)] must be true or false"
            throw definitionError("available", message: message, rule: ContractRule.available)
        }
        lua_settop(L, -2)
        var any: UInt8 = 0
        for k in 0..<n { any |= out[k] }
        if any == 0 {
            throw definitionError("available", message: "available for agent \(i + 1) offers no action (a dead agent keeps the no-op available)", rule: ContractRule.available)
        }
    }

    private func readInfo(at index: Int32) throws {
        let L = vm.L
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            guard lua_type(L, -2) == LUA_TSTRING else {
                let key = describe(-2)
                lua_settop(L, Self.baseTop)
                throw definitionError("step", message: "step's info has the key \(key); info keys must be names (strings)", rule: ContractRule.step)
            }
            let value: Double
            switch lua_type(L, -1) {
            case LUA_TBOOLEAN: value = lua_toboolean(L, -1) != 0 ? 1 : 0
            case LUA_TNUMBER:
                value = lua_tonumberx(L, -1, nil)
                if !value.isFinite { fallthrough }
            default:
                let key = vm.string(at: -2) ?? "?"
                let got = describe(-1)
                lua_settop(L, Self.baseTop)
                throw definitionError("step", message: "step's info.\(key) is \(got); info values must be finite numbers or booleans", rule: ContractRule.step)
            }
            infoValues[infoSlot(forKeyAt: -2)] = value
            lua_settop(L, -2)
        }
    }

    /// Short strings are interned by Lua, so a key is usually found by its pointer; the bytes are
    /// compared too, because a collected string's address can be reused.
    private func infoSlot(forKeyAt index: Int32) -> Int {
        var length = 0
        let pointer = marl_lua_tostring(vm.L, index, &length)!
        for k in infoKeyPointers.indices where infoKeyPointers[k] == pointer {
            if infoKeys[k].utf8.count == length, infoKeys[k].utf8.elementsEqual(UnsafeRawBufferPointer(start: pointer, count: length)) { return k }
        }
        let key = String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
        if let k = infoKeys.firstIndex(of: key) {
            infoKeyPointers[k] = pointer
            return k
        }
        infoKeys.append(key)
        infoValues.append(.nan)
        infoKeyPointers.append(pointer)
        return infoKeys.count - 1
    }

    /// The info fields reported so far in this episode, each with its last value.
    public var episodeInfo: [String: Double] {
        var info: [String: Double] = [:]
        for (key, value) in zip(infoKeys, infoValues) where !value.isNaN { info[key] = value }
        return info
    }

    // MARK: - Render, snapshot, restore

    /// The draw calls of `render` for the current state (empty when the world has no render).
    public func render() throws -> [DrawCall] {
        guard spec.hasRender else { return [] }
        let L = vm.L
        lua_pushvalue(L, Self.renderIndex)
        if let failure = vm.protectedCall(arguments: 0, results: 1) { throw phaseError(failure) }
        defer { lua_settop(L, Self.baseTop) }
        let list = lua_gettop(L)
        var calls: [DrawCall] = []
        let count = Int(lua_rawlen(L, list))
        calls.reserveCapacity(count)
        for k in 1...max(1, count) where count > 0 {
            lua_rawgeti(L, list, lua_Integer(k))
            let entry = lua_gettop(L)
            lua_rawgeti(L, entry, 1)
            let kind = DrawCall.Kind(rawValue: vm.string(at: -1) ?? "") ?? .circle
            lua_settop(L, entry)
            var values: [Double] = []
            let used = kind == .circle ? 3 : kind == .text ? 2 : 4
            for v in 0..<used {
                lua_rawgeti(L, entry, lua_Integer(v + 2))
                values.append(lua_tonumberx(L, -1, nil))
                lua_settop(L, entry)
            }
            lua_rawgeti(L, entry, 6)
            let color = vm.string(at: -1)
            lua_settop(L, entry)
            lua_rawgeti(L, entry, 7)
            let text = vm.string(at: -1)
            lua_settop(L, list)
            calls.append(DrawCall(kind: kind, values: values, color: color, text: text))
        }
        return calls
    }

    /// The world's `snapshot()` as JSON (nil when the world has no snapshot).
    public func snapshot() throws -> JSONValue? {
        guard spec.hasSnapshot else { return nil }
        let L = vm.L
        lua_pushvalue(L, Self.snapshotIndex)
        if let failure = vm.protectedCall(arguments: 0, results: 1) { throw phaseError(failure) }
        defer { lua_settop(L, Self.baseTop) }
        do {
            return try LuaData.json(vm, at: -1, path: "snapshot()")
        } catch {
            throw definitionError("snapshot", message: error.message, rule: ContractRule.snapshot)
        }
    }

    /// Sets the world state with `restore(self, t)` and refreshes the output buffers. The host's
    /// step count is kept.
    public func restore(_ value: JSONValue) throws {
        guard spec.hasSnapshot else {
            throw WorldError(file: file, message: "the world has no restore function", rule: ContractRule.restore)
        }
        let L = vm.L
        lua_pushvalue(L, Self.restoreIndex)
        LuaData.push(vm, value)
        if let failure = vm.protectedCall(arguments: 1, results: 0) { throw phaseError(failure) }
        try readOutputs()
    }

    // MARK: - The scripted policy

    /// Fills `action` with the world's reference policy: `scripted_action(self, i)` for every agent,
    /// all computed from the current state before any of them acts. A discrete agent's id must be
    /// in 1..n and available; a continuous agent's table must hold exactly its d finite numbers
    /// (`step` clips them into [low, high], as it clips any action).
    public func scriptedAction(into action: inout JointAction) throws {
        guard spec.hasScriptedAction else {
            throw WorldError(file: file, message: "the world has no scripted_action function, so it has no scripted policy to play",
                             rule: "a world offers a scripted policy by defining scripted_action(self, i), which returns agent i's action")
        }
        let L = vm.L
        let continuousOffsets = spec.continuousOffsets
        for i in 0..<spec.agents {
            lua_pushvalue(L, Self.scriptedActionIndex)
            lua_pushinteger(L, lua_Integer(i + 1))
            if let failure = vm.protectedCall(arguments: 1, results: 1) { throw phaseError(failure) }
            defer { lua_settop(L, Self.baseTop) }
            let result = Self.baseTop + 1
            func wrong(_ message: String) -> WorldError {
                definitionError("scripted_action", message: "scripted_action for agent \(i + 1) returned \(message)", rule: ContractRule.scriptedAction)
            }
            switch spec.actionSpaces[i] {
            case let .discrete(n):
                guard let id = vm.integer(at: result) else {
                    throw wrong("\(describe(result)); agent \(i + 1)'s actions are discrete, so it must return an id 1..\(n)")
                }
                guard id >= 1, id <= Int64(n) else { throw wrong("the action \(id), outside 1..\(n)") }
                guard available[availableOffsets[i] + Int(id) - 1] != 0 else {
                    throw wrong("the action \(id), which its available() marks unavailable")
                }
                action.discrete[i] = Int32(id - 1)
            case let .continuous(low, _):
                let d = low.count
                guard lua_type(L, result) == LUA_TTABLE else {
                    throw wrong("\(describe(result)); agent \(i + 1)'s actions are continuous, so it must return a table of \(d) numbers")
                }
                for k in 0..<d {
                    lua_rawgeti(L, result, lua_Integer(k + 1))
                    let v = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumberx(L, -1, nil) : .nan
                    guard v.isFinite else {
                        let got = describe(-1)
                        throw wrong(got == "nil" ? "a table of \(k) value\(k == 1 ? "" : "s"); it must hold \(d)" : "\(got) as value \(k + 1); values must be finite numbers")
                    }
                    action.continuous[continuousOffsets[i] + k] = v
                    lua_settop(L, result)
                }
                if lua_rawgeti(L, result, lua_Integer(d + 1)) != LUA_TNIL {
                    throw wrong("a table of more than \(d) value\(d == 1 ? "" : "s"); it must hold exactly \(d)")
                }
            }
        }
    }

    // MARK: - Errors

    private func agentText(_ agent: Int?) -> String { agent.map { " for agent \($0 + 1)" } ?? "" }

    private func describe(_ index: Int32) -> String {
        let L = vm.L
        switch lua_type(L, index) {
        case LUA_TNIL: return "nil"
        case LUA_TNUMBER:
            let v = lua_tonumberx(L, index, nil)
            return v.isNaN ? "nan" : v.isInfinite ? (v > 0 ? "inf" : "-inf") : "the number \(v)"
        case LUA_TSTRING: return "the string \"\(vm.string(at: index)!.prefix(40))\""
        case LUA_TBOOLEAN: return lua_toboolean(L, index) != 0 ? "true" : "false"
        default: return "a \(vm.typeName(at: index))"
        }
    }

    /// An error about a value a world function produced, located at that function's definition.
    private func definitionError(_ function: String, message: String, rule: String) -> WorldError {
        let base = vm.top
        defer { vm.top = base }
        vm.rawField(Self.worldIndex, function)
        if let (where_, line) = vm.definition(ofFunctionAt: -1) {
            return WorldError(file: where_, line: line, message: message, rule: rule)
        }
        return WorldError(file: file, line: SourceLines.line(ofField: function, in: source), message: message, rule: rule)
    }

    /// An error raised inside a world call: the rule follows the phase the driver was in.
    private func phaseError(_ failure: LuaFailure) -> WorldError {
        let L = vm.L
        lua_settop(L, Self.baseTop)
        lua_pushvalue(L, Self.whereIndex)
        var phase = "step", agent = 0
        if vm.protectedCall(arguments: 0, results: 2, isWorldCode: false) == nil {
            phase = vm.string(at: -2) ?? phase
            agent = Int(vm.integer(at: -1) ?? 0)
        }
        lua_settop(L, Self.baseTop)
        let rules = ["reset": ContractRule.reset, "step": ContractRule.step, "observe": ContractRule.observe,
                     "state": ContractRule.state, "available": ContractRule.available, "render": ContractRule.render,
                     "snapshot": ContractRule.snapshot, "restore": ContractRule.restore,
                     "scripted_action": ContractRule.scriptedAction]
        var error = Self.error(failure, file: file, rule: rules[phase] ?? ContractRule.step, limits: limits, loadedFiles: vm.loadedFiles())
        let context = agent > 0 ? "in \(phase) for agent \(agent)" : "in \(phase)"
        error.message = "\(context): \(error.message)"
        return error
    }

    /// Turns a failed protected call into a `WorldError`: location from the message or the
    /// innermost world frame, rule from what failed.
    static func error(_ failure: LuaFailure, file: String, rule: String, limits: WorldLimits, loadedFiles: [String] = []) -> WorldError {
        var lines = failure.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = lines.isEmpty ? failure.text : lines.removeFirst()
        var frames: [String] = []
        if let start = lines.firstIndex(of: "stack traceback:") {
            frames = LuaErrorText.collapsingRepeats(lines[(start + 1)...].map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.hasPrefix("[C]") && !$0.contains("[marl-sim host]") && !$0.hasPrefix("(...") && !$0.isEmpty })
        }
        var message = first
        var location = LuaErrorText.location(in: first)
        if let location {
            message = String(first.dropFirst(location.prefixLength))
        } else if let frame = frames.first {
            location = LuaErrorText.location(in: frame)
        }
        if message.hasPrefix("[marl-sim host]") { message = String(message.drop(while: { $0 != " " }).dropFirst()) }
        if let shortened = location?.file, shortened.hasPrefix("...") {
            location?.file = LuaErrorText.expand(shortened, candidates: [file] + loadedFiles)
        }
        var chosenRule = rule
        switch failure.kind {
        case .stopped:
            chosenRule = ContractRule.timeBudget(limits.timeBudgetMs)
        case .memory:
            chosenRule = ContractRule.memoryCap(limits.memoryMiB)
            message = "not enough memory: the instance reached its cap of \(limits.memoryMiB) MiB"
        case .error:
            if LuaErrorText.isSandboxViolation(message) { chosenRule = ContractRule.sandbox }
            if message.contains("not enough memory") {
                chosenRule = ContractRule.memoryCap(limits.memoryMiB)
            }
            if message.hasSuffix("stack overflow") { chosenRule = ContractRule.recursion }
        }
        return WorldError(file: location?.file ?? file, line: location?.line, message: message,
                          rule: chosenRule, traceback: Array(frames.prefix(8)))
    }
}

/// Reading Lua's error texts.
enum LuaErrorText {
    /// Traceback frames with each run of one frame repeated (a recursion) as one line that says how
    /// often it repeats; Lua's "...(skipping N levels)" between two equal frames counts into the run.
    static func collapsingRepeats(_ frames: [String]) -> [String] {
        func isSkip(_ line: String) -> Bool { line.hasPrefix("...") && line.contains("(skipping ") }
        var out: [String] = []
        var k = 0
        while k < frames.count {
            let frame = frames[k]
            guard !isSkip(frame) else { k += 1; continue }
            var count = 1, skipped = false
            var next = k + 1
            while next < frames.count {
                if frames[next] == frame {
                    count += 1
                } else if isSkip(frames[next]), next + 1 < frames.count, frames[next + 1] == frame {
                    count += Int(frames[next].split(separator: " ").compactMap { Int($0) }.first ?? 0)
                    skipped = true
                } else {
                    break
                }
                next += 1
            }
            out.append(count == 1 ? frame : "\(frame)  (\(skipped ? "about " : "")\(count) times: a recursion that does not end?)")
            k = next
        }
        return out
    }

    /// "path:12: message" → (path, 12, length of "path:12: ").
    /// Lua shortens chunk names longer than 60 bytes to "...tail"; finds the file that ends so.
    static func expand(_ shortened: String, candidates: [String]) -> String {
        let tail = shortened.dropFirst(3)
        return candidates.first { $0.hasSuffix(tail) } ?? shortened
    }

    static func location(in text: String) -> (file: String, line: Int, prefixLength: Int)? {
        let chars = Array(text)
        var k = 0
        while k < chars.count {
            if chars[k] == ":" {
                var j = k + 1
                while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
                if j > k + 1, j < chars.count, chars[j] == ":", k > 0 {
                    let file = String(chars[..<k])
                    if file.contains("[marl-sim host]") || file.hasPrefix("[C]") { return nil }
                    let line = Int(String(chars[(k + 1)..<j])) ?? 0
                    var length = j + 1
                    if length < chars.count, chars[length] == " " { length += 1 }
                    return (file, line, length)
                }
            }
            k += 1
        }
        return nil
    }

    static let removedGlobals = ["io", "debug", "package", "dofile", "loadfile", "coroutine", "collectgarbage_stop"]
    static let removedOSFields = ["execute", "exit", "getenv", "remove", "rename", "tmpname", "time", "date", "difftime", "setlocale"]

    static func isSandboxViolation(_ message: String) -> Bool {
        if removedGlobals.contains(where: { message.contains("global '\($0)'") }) { return true }
        if removedOSFields.contains(where: { message.contains("field '\($0)'") }) { return true }
        return message.hasPrefix("require:") || message.hasPrefix("load: worlds") || message.hasPrefix("setmetatable: __gc")
    }
}

extension LuaWorld: Checkpointable {
    /// What a world instance carries from one episode to the next, saved between episodes: the
    /// state of its `math.random`, and the world's `snapshot()` when it has one (restored after a
    /// `reset`, so the next `reset` starts from the world as it was). A world without `snapshot`
    /// resumes exactly when `reset` rebuilds everything else (docs/design.md §4.2).
    public func exchangeState(with archive: StateArchive) throws {
        var random = [UInt8](repeating: 0, count: 32)
        if archive.isSaving, marl_random_state(vm.L, &random, nil) != 32 {
            throw WorldError(file: file, message: "math.random's state cannot be saved (was math.random replaced?)", rule: ContractRule.determinism)
        }
        try archive.array("random", &random)
        var strictChecks = strict
        try archive.value("strict", &strictChecks)
        var snapshotText = ""
        if archive.isSaving, let state = try snapshot() { snapshotText = state.serialized }
        try archive.text("snapshot", &snapshotText)
        guard !archive.isSaving else { return }
        if !snapshotText.isEmpty {
            try reset()
            try restore(try JSONValue.parse(snapshotText))
        }
        guard random.count == 32, marl_random_state(vm.L, nil, random) == 32 else {
            throw StateArchiveError("\(file): the checkpoint's state of math.random does not fit this Lua")
        }
        strict = strictChecks
    }
}
