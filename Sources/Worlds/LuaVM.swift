import CLua
import Foundation

/// Memory and time limits of one world instance.
public struct WorldLimits: Sendable {
    public var memoryMiB: Int
    public var timeBudgetMs: Int

    public init(memoryMiB: Int = 256, timeBudgetMs: Int = 5000) {
        self.memoryMiB = memoryMiB
        self.timeBudgetMs = timeBudgetMs
    }
}

/// What went wrong in one protected call into Lua.
struct LuaFailure {
    enum Kind { case error, memory, stopped }
    var kind: Kind
    var text: String
}

/// One sandboxed `lua_State` with the host prelude loaded. Every call into Lua goes through
/// `lua_pcall` with a traceback handler at stack index 1; the prelude's `host` table is at 2.
final class LuaVM {
    static let handlerIndex: Int32 = 1
    static let hostIndex: Int32 = 2

    let L: OpaquePointer
    let control: UnsafeMutablePointer<marl_control>
    let limits: WorldLimits

    init(roots: [String], limits: WorldLimits) throws(LuaFailure) {
        self.limits = limits
        control = .allocate(capacity: 1)
        control.initialize(to: marl_control())
        control.pointee.limit = size_t(max(1, limits.memoryMiB)) << 20
        control.pointee.budget_ms = Int64(max(1, limits.timeBudgetMs))
        guard let state = marl_newstate(control) else {
            control.deallocate()
            throw LuaFailure(kind: .memory, text: "could not create a Lua state")
        }
        L = state
        lua_settop(L, 0)
        marl_lua_pushcfunction(L, marl_traceback)
        marl_lua_pushcfunction(L, marl_open_libs)
        if let failure = protectedCall(arguments: 0, results: 0, isWorldCode: false) {
            close()
            throw failure
        }
        let prelude = HostPrelude.source
        let status = prelude.withCString { text in
            marl_luaL_loadbuffer(L, text, strlen(text), HostPrelude.chunkName, "t")
        }
        guard status == LUA_OK else {
            let text = string(at: -1) ?? "the host prelude did not compile"
            close()
            throw LuaFailure(kind: .error, text: text)
        }
        marl_lua_pushcfunction(L, marl_lib_read_file)
        marl_lua_pushcfunction(L, marl_lib_stopped)
        marl_lua_pushcfunction(L, marl_lib_print)
        marl_lua_pushcfunction(L, marl_lib_clock)
        lua_createtable(L, Int32(roots.count), 0)
        for (k, root) in roots.enumerated() {
            push(root)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
        if let failure = protectedCall(arguments: 5, results: 1, isWorldCode: false) {
            close()
            throw failure
        }
        Watchdog.shared.register(control)
    }

    deinit {
        Watchdog.shared.unregister(control)
        close()
    }

    private var closed = false
    private func close() {
        guard !closed else { return }
        closed = true
        lua_close(L)
        control.deinitialize(count: 1)
        control.deallocate()
    }

    /// Calls the function below `arguments` values on the stack. World code runs under the memory
    /// cap and the watchdog; the host's own calls do not.
    func protectedCall(arguments: Int32, results: Int32, isWorldCode: Bool = true) -> LuaFailure? {
        if isWorldCode { marl_begin_call(control) }
        let status = marl_lua_pcall(L, arguments, results, LuaVM.handlerIndex)
        let stopped = isWorldCode ? marl_end_call(control) != 0 : false
        if status == LUA_OK { return nil }
        let text = string(at: -1) ?? "(an error without a message)"
        lua_settop(L, -2)
        if stopped { return LuaFailure(kind: .stopped, text: text) }
        if status == LUA_ERRMEM { return LuaFailure(kind: .memory, text: text) }
        return LuaFailure(kind: .error, text: text)
    }

    /// The files `require` has loaded, for naming them in errors.
    func loadedFiles() -> [String] {
        let base = top
        defer { top = base }
        guard rawField(LuaVM.hostIndex, "files") == LUA_TTABLE else { return [] }
        return (0..<Int(lua_rawlen(L, -1))).compactMap { k in
            lua_rawgeti(L, -1, lua_Integer(k + 1))
            defer { lua_settop(L, -2) }
            return string(at: -1)
        }
    }

    /// Memory the state uses now, in bytes.
    var memoryInUse: Int { Int(control.pointee.used) }

    // MARK: raw stack helpers (no metamethods; the host runs without the cap, so these cannot fail)

    func push(_ text: String) {
        text.withCString { _ = lua_pushlstring(L, $0, strlen($0)) }
    }

    func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let pointer = marl_lua_tostring(L, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    /// Pushes `table[key]` (raw) and returns its Lua type.
    @discardableResult
    func rawField(_ table: Int32, _ key: String) -> Int32 {
        let absolute = lua_absindex(L, table)
        push(key)
        return lua_rawget(L, absolute)
    }

    func type(at index: Int32) -> Int32 { lua_type(L, index) }

    func typeName(at index: Int32) -> String {
        let t = lua_type(L, index)
        if t == LUA_TNUMBER { return lua_isinteger(L, index) != 0 ? "integer" : "number" }
        return String(cString: lua_typename(L, t))
    }

    /// The integer at `index`, or nil when it is not a number with an integral value.
    func integer(at index: Int32) -> Int64? {
        guard lua_type(L, index) == LUA_TNUMBER else { return nil }
        var isInteger: Int32 = 0
        let value = lua_tointegerx(L, index, &isInteger)
        return isInteger != 0 ? value : nil
    }

    func number(at index: Int32) -> Double? {
        guard lua_type(L, index) == LUA_TNUMBER else { return nil }
        return lua_tonumberx(L, index, nil)
    }

    /// Where the function at `index` is defined: its source file and first line.
    func definition(ofFunctionAt index: Int32) -> (file: String, line: Int)? {
        guard lua_type(L, index) == LUA_TFUNCTION else { return nil }
        lua_pushvalue(L, index)
        var debug = lua_Debug()
        guard lua_getinfo(L, ">S", &debug) != 0, let source = debug.source else { return nil }
        var file = String(cString: source)
        guard file.hasPrefix("@") else { return nil }
        file.removeFirst()
        return (file, Int(debug.linedefined))
    }

    var top: Int32 {
        get { lua_gettop(L) }
        set { lua_settop(L, newValue) }
    }
}

extension LuaFailure: Error {}
