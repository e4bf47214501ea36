import CLua
import Common

/// A snapshot value that is not plain data, with a path such as `snapshot().agents[2].pos`.
struct LuaDataError: Error {
    var message: String
}

/// Converts between Lua values and JSON for `snapshot` and `restore`.
enum LuaData {
    static let maxDepth = 64

    /// The value at `index` as JSON: lists (keys 1..n) become arrays, string-keyed tables become
    /// objects with sorted keys (Lua's own order differs between states).
    static func json(_ vm: LuaVM, at index: Int32, path: String, depth: Int = 0) throws(LuaDataError) -> JSONValue {
        let L = vm.L
        let index = lua_absindex(L, index)
        switch lua_type(L, index) {
        case LUA_TNIL: return .null
        case LUA_TBOOLEAN: return .bool(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .int(lua_tointegerx(L, index, nil)) }
            let v = lua_tonumberx(L, index, nil)
            guard v.isFinite else { throw LuaDataError(message: "\(path) is \(v); snapshots hold finite numbers") }
            return .double(v)
        case LUA_TSTRING: return .string(vm.string(at: index)!)
        case LUA_TTABLE:
            guard depth < maxDepth else {
                throw LuaDataError(message: "\(path) is nested deeper than \(maxDepth) levels (does a table contain itself?)")
            }
            guard lua_checkstack(L, 4) != 0 else { throw LuaDataError(message: "\(path): out of stack space") }
            var integerKeys: [Int64] = []
            var stringKeys: [String] = []
            lua_pushnil(L)
            while lua_next(L, index) != 0 {
                if lua_type(L, -2) == LUA_TSTRING {
                    stringKeys.append(vm.string(at: -2)!)
                } else if lua_type(L, -2) == LUA_TNUMBER, lua_isinteger(L, -2) != 0 {
                    integerKeys.append(lua_tointegerx(L, -2, nil))
                } else {
                    let type = vm.typeName(at: -2)
                    lua_settop(L, index)
                    throw LuaDataError(message: "\(path) has a \(type) key; snapshot tables use 1..n or string keys")
                }
                lua_settop(L, -2)
            }
            if !integerKeys.isEmpty && !stringKeys.isEmpty {
                throw LuaDataError(message: "\(path) mixes list entries and named fields; use one or the other")
            }
            if !integerKeys.isEmpty {
                integerKeys.sort()
                guard integerKeys.first == 1, integerKeys.last == Int64(integerKeys.count) else {
                    throw LuaDataError(message: "\(path) is a list with holes (keys must be 1..n)")
                }
                var items: [JSONValue] = []
                items.reserveCapacity(integerKeys.count)
                for k in 1...integerKeys.count {
                    lua_rawgeti(L, index, lua_Integer(k))
                    defer { lua_settop(L, index) }
                    items.append(try json(vm, at: -1, path: "\(path)[\(k)]", depth: depth + 1))
                }
                return .array(items)
            }
            if stringKeys.isEmpty { return .array([]) }
            var pairs: [(String, JSONValue)] = []
            for key in stringKeys.sorted() {
                vm.rawField(index, key)
                defer { lua_settop(L, index) }
                pairs.append((key, try json(vm, at: -1, path: "\(path).\(key)", depth: depth + 1)))
            }
            return .object(pairs)
        default:
            throw LuaDataError(message: "\(path) is a \(vm.typeName(at: index)); snapshots hold numbers, booleans, strings and tables")
        }
    }

    /// Pushes `value` as a Lua value (null becomes nil).
    static func push(_ vm: LuaVM, _ value: JSONValue) {
        let L = vm.L
        _ = lua_checkstack(L, 4)
        switch value {
        case .null: lua_pushnil(L)
        case let .bool(b): lua_pushboolean(L, b ? 1 : 0)
        case let .int(i): lua_pushinteger(L, i)
        case let .double(d): lua_pushnumber(L, d)
        case let .string(s): vm.push(s)
        case let .array(items):
            lua_createtable(L, Int32(clamping: items.count), 0)
            for (k, item) in items.enumerated() {
                push(vm, item)
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
        case let .object(pairs):
            lua_createtable(L, 0, Int32(clamping: pairs.count))
            for (key, item) in pairs {
                vm.push(key)
                push(vm, item)
                lua_rawset(L, -3)
            }
        }
    }
}
