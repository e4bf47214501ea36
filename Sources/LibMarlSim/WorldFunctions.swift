import Common
import Worlds

/// A `marlsim_world *`: one instance and the strings handed out for it.
final class WorldHandle {
    let world: LuaWorld
    var spec: OwnedCString?, snapshot: OwnedCString?, render: OwnedCString?
    var infoKeys: [OwnedCString] = []
    /// The joint action of the next step, reused so that a step allocates nothing.
    var action: JointAction
    init(_ world: LuaWorld) {
        self.world = world
        action = JointAction(spec: world.spec)
        // Strict checks for the first episode, as training does; later ones rely on the cheap checks.
        world.strict = true
    }
}

private func withWorld(_ pointer: OpaquePointer?, _ body: (WorldHandle) throws -> Void) -> Int32 {
    Failures.status { try body(Arguments.handle(UnsafeMutableRawPointer(pointer), WorldHandle.self)) }
}

private func worldValue<T>(_ pointer: OpaquePointer?, _ body: (WorldHandle) throws -> T?) -> T? {
    Failures.value { try body(Arguments.handle(UnsafeMutableRawPointer(pointer), WorldHandle.self)) }
}

@_cdecl("marlsim_world_open")
public func marlsim_world_open(_ file: UnsafePointer<CChar>?, _ options: UnsafePointer<UnsafePointer<CChar>?>?, _ optionCount: Int32,
                               _ seed: UInt64, _ instance: Int32, _ memoryMiB: Int32, _ timeBudgetMs: Int32) -> OpaquePointer? {
    Failures.value {
        guard instance >= 0 else { throw ArgumentError(message: "instance is \(instance); it must be ≥ 0") }
        let world = try LuaWorld(file: Arguments.text(file, "file"), options: Arguments.options(options, count: optionCount),
                                 seed: seed, instance: Int(instance),
                                 limits: Arguments.limits(memoryMiB: memoryMiB, timeBudgetMs: timeBudgetMs))
        return Handles.open(WorldHandle(world))
    }
}

@_cdecl("marlsim_world_close")
public func marlsim_world_close(_ pointer: OpaquePointer?) {
    Handles.close(pointer, WorldHandle.self)
}

@_cdecl("marlsim_world_spec")
public func marlsim_world_spec(_ pointer: OpaquePointer?) -> UnsafePointer<CChar>? {
    worldValue(pointer) { handle in
        if handle.spec == nil { handle.spec = OwnedCString(JSONValue.object(specJSON(handle.world.spec, file: handle.world.file)).serialized) }
        return UnsafePointer(handle.spec!.pointer)
    }
}

@_cdecl("marlsim_world_reseed")
public func marlsim_world_reseed(_ pointer: OpaquePointer?, _ seed: UInt64, _ instance: Int32) -> Int32 {
    withWorld(pointer) { handle in
        guard instance >= 0 else { throw ArgumentError(message: "instance is \(instance); it must be ≥ 0") }
        try handle.world.reseed(seed, instance: Int(instance))
    }
}

@_cdecl("marlsim_world_reset")
public func marlsim_world_reset(_ pointer: OpaquePointer?) -> Int32 {
    withWorld(pointer) { try $0.world.reset() }
}

@_cdecl("marlsim_world_step")
public func marlsim_world_step(_ pointer: OpaquePointer?, _ discrete: UnsafePointer<Int32>?, _ continuous: UnsafePointer<Double>?,
                               _ outcome: UnsafeMutablePointer<Double>?) -> Int32 {
    withWorld(pointer) { handle in
        let world = handle.world, spec = world.spec
        guard let discrete, let outcome else { throw ArgumentError(message: "discrete and outcome must not be NULL") }
        guard continuous != nil || spec.totalContinuousSize == 0 else {
            throw ArgumentError(message: "continuous is NULL, but the world's continuous agents need \(spec.totalContinuousSize) values")
        }
        for i in 0..<spec.agents { handle.action.discrete[i] = discrete[i] }
        for d in 0..<spec.totalContinuousSize { handle.action.continuous[d] = continuous![d] }
        let result = try world.step(handle.action)
        if !world.episodeRunning { world.strict = false }
        outcome[0] = result.reward
        outcome[1] = result.terminated ? 1 : 0
        outcome[2] = result.truncated ? 1 : 0
        outcome[3] = Double(world.infoKeys.count)
    }
}

@_cdecl("marlsim_world_observations")
public func marlsim_world_observations(_ pointer: OpaquePointer?) -> UnsafePointer<Float>? {
    worldValue(pointer) { UnsafePointer($0.world.observations.baseAddress) }
}

@_cdecl("marlsim_world_state")
public func marlsim_world_state(_ pointer: OpaquePointer?) -> UnsafePointer<Float>? {
    worldValue(pointer) { UnsafePointer($0.world.state.baseAddress) }
}

@_cdecl("marlsim_world_available")
public func marlsim_world_available(_ pointer: OpaquePointer?) -> UnsafePointer<UInt8>? {
    worldValue(pointer) { UnsafePointer($0.world.available.baseAddress) }
}

@_cdecl("marlsim_world_steps")
public func marlsim_world_steps(_ pointer: OpaquePointer?) -> Int32 {
    worldValue(pointer) { Int32($0.world.stepsInEpisode) } ?? -1
}

@_cdecl("marlsim_world_running")
public func marlsim_world_running(_ pointer: OpaquePointer?) -> Int32 {
    worldValue(pointer) { $0.world.episodeRunning ? 1 : 0 } ?? -1
}

@_cdecl("marlsim_world_info")
public func marlsim_world_info(_ pointer: OpaquePointer?, _ values: UnsafeMutablePointer<Double>?, _ capacity: Int32) -> Int32 {
    worldValue(pointer) { handle in
        let info = handle.world.infoValues
        guard capacity <= 0 || values != nil else { throw ArgumentError(message: "values is NULL but capacity is \(capacity)") }
        for k in 0..<min(info.count, Int(max(0, capacity))) { values![k] = info[k] }
        return Int32(info.count)
    } ?? -1
}

@_cdecl("marlsim_world_info_key")
public func marlsim_world_info_key(_ pointer: OpaquePointer?, _ index: Int32) -> UnsafePointer<CChar>? {
    worldValue(pointer) { handle in
        let keys = handle.world.infoKeys
        guard index >= 0, Int(index) < keys.count else {
            throw ArgumentError(message: "info key \(index) does not exist; the world has reported \(keys.count) info fields")
        }
        while handle.infoKeys.count < keys.count { handle.infoKeys.append(OwnedCString(keys[handle.infoKeys.count])) }
        return UnsafePointer(handle.infoKeys[Int(index)].pointer)
    }
}

@_cdecl("marlsim_world_snapshot")
public func marlsim_world_snapshot(_ pointer: OpaquePointer?) -> UnsafePointer<CChar>? {
    worldValue(pointer) { handle in
        guard let value = try handle.world.snapshot() else {
            throw WorldError(file: handle.world.file, message: "the world has no snapshot function", rule: ContractRule.snapshot)
        }
        handle.snapshot = OwnedCString(value.serialized)
        return UnsafePointer(handle.snapshot!.pointer)
    }
}

@_cdecl("marlsim_world_restore")
public func marlsim_world_restore(_ pointer: OpaquePointer?, _ json: UnsafePointer<CChar>?) -> Int32 {
    withWorld(pointer) { handle in
        let text = try Arguments.text(json, "json")
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch {
            throw WorldError(file: handle.world.file, message: "the snapshot to restore is not valid JSON: \(error)", rule: ContractRule.restore)
        }
        try handle.world.restore(value)
    }
}

@_cdecl("marlsim_world_render")
public func marlsim_world_render(_ pointer: OpaquePointer?) -> UnsafePointer<CChar>? {
    worldValue(pointer) { handle in
        let calls: [JSONValue] = try handle.world.render().map { call in
            .object([("kind", .string(call.kind.rawValue)), ("values", .array(call.values.map { .double($0) })),
                     ("color", call.color.map { .string($0) } ?? .null), ("text", call.text.map { .string($0) } ?? .null)])
        }
        handle.render = OwnedCString(JSONValue.array(calls).serialized)
        return UnsafePointer(handle.render!.pointer)
    }
}
