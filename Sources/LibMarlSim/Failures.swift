import Common
import Foundation
import Training
import Worlds

// How errors reach C callers: every exported function catches what it calls and records it as
// the calling thread's last failure (marlsim_last_error), then returns -1 or NULL.

/// A C string owned by Swift, freed when replaced.
final class OwnedCString {
    let pointer: UnsafeMutablePointer<CChar>
    init(_ text: String) { pointer = strdup(text)! }
    deinit { free(pointer) }
}

/// A bad argument from the C side (a null pointer, a size out of range).
struct ArgumentError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

enum Failures {
    private static let key = "marlsim.last_error"

    /// Records `error` as the calling thread's last failure.
    static func record(_ error: Error) {
        var fields: [(String, JSONValue)] = []
        switch error {
        case let e as WorldError:
            fields = [("message", .string(e.message)), ("text", .string(e.description)), ("file", .string(e.file))]
            if let line = e.line { fields.append(("line", .int(Int64(line)))) }
            fields.append(("rule", .string(e.rule)))
            fields.append(("traceback", .array(e.traceback.map { .string($0) })))
        case let e as TrainingError:
            fields = [("message", .string(e.message)), ("text", .string(e.message))]
        default:
            let text = String(describing: error)
            fields = [("message", .string(text)), ("text", .string(text))]
        }
        Thread.current.threadDictionary[key] = OwnedCString(JSONValue.object(fields).serialized)
    }

    static func clear() { Thread.current.threadDictionary.removeObject(forKey: key) }

    static var last: UnsafePointer<CChar>? {
        (Thread.current.threadDictionary[key] as? OwnedCString).map { UnsafePointer($0.pointer) }
    }

    /// Runs `body`; 0 on success, -1 with the failure recorded.
    static func status(_ body: () throws -> Void) -> Int32 {
        do { try body(); return 0 } catch { record(error); return -1 }
    }

    /// Runs `body`; its result, or nil with the failure recorded.
    static func value<T>(_ body: () throws -> T?) -> T? {
        do { return try body() } catch { record(error); return nil }
    }
}

@_cdecl("marlsim_abi_version")
public func marlsim_abi_version() -> Int32 { 1 }

@_cdecl("marlsim_last_error")
public func marlsim_last_error() -> UnsafePointer<CChar>? { Failures.last }

// MARK: - Arguments

enum Arguments {
    static func text(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
        guard let pointer else { throw ArgumentError(message: "\(name) is NULL") }
        return String(cString: pointer)
    }

    /// "key=value" strings as `--env` takes them.
    static func options(_ list: UnsafePointer<UnsafePointer<CChar>?>?, count: Int32) throws -> [(String, OptionValue)] {
        guard count >= 0 else { throw ArgumentError(message: "option_count is \(count)") }
        guard count == 0 || list != nil else { throw ArgumentError(message: "options is NULL but option_count is \(count)") }
        let pairs = try (0..<Int(count)).map { try text(list![$0], "option \($0 + 1)") }
        return try parseWorldOptions(pairs)
    }

    /// The command's limits where 0 is given.
    static func limits(memoryMiB: Int32, timeBudgetMs: Int32) throws -> WorldLimits {
        guard memoryMiB >= 0, timeBudgetMs >= 0 else {
            throw ArgumentError(message: "memory_mib and time_budget_ms must be ≥ 0 (0: the defaults); got \(memoryMiB) and \(timeBudgetMs)")
        }
        var limits = WorldLimits()
        if memoryMiB > 0 { limits.memoryMiB = Int(memoryMiB) }
        if timeBudgetMs > 0 { limits.timeBudgetMs = Int(timeBudgetMs) }
        return limits
    }

    /// A handle passed back from C.
    static func handle<T: AnyObject>(_ pointer: UnsafeMutableRawPointer?, _ type: T.Type) throws -> T {
        guard let pointer else { throw ArgumentError(message: "the \(String(describing: T.self).lowercased()) handle is NULL") }
        return Unmanaged<T>.fromOpaque(pointer).takeUnretainedValue()
    }
}

/// Handles given to C own a reference to their object until the matching close function.
enum Handles {
    static func open<T: AnyObject>(_ object: T) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    }

    /// Closing NULL does nothing, as free(NULL) does.
    static func close<T: AnyObject>(_ pointer: OpaquePointer?, _ type: T.Type) {
        guard let pointer else { return }
        Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}

/// The JSON description of a world, shared by worlds, batches and policies.
func specJSON(_ spec: WorldSpec, file: String) -> [(String, JSONValue)] {
    func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int(Int64($0)) }) }
    func doubles(_ values: [Double]) -> JSONValue { .array(values.map { .double($0) }) }
    let spaces: [JSONValue] = spec.actionSpaces.map { space in
        switch space {
        case let .discrete(n): return .object([("kind", .string("discrete")), ("n", .int(Int64(n)))])
        case let .continuous(low, high): return .object([("kind", .string("continuous")), ("low", doubles(low)), ("high", doubles(high))])
        }
    }
    let options: [JSONValue] = (spec.options ?? []).map { option in
        var fields: [(String, JSONValue)] = [("name", .string(option.name)), ("default", .string(option.defaultValue)),
                                             ("help", .string(option.help)), ("kind", .string(option.kind.rawValue))]
        if let choices = option.choices { fields.append(("choices", .array(choices.map { .string($0) }))) }
        return .object(fields)
    }
    return [
        ("abi", .int(1)), ("file", .string(file)), ("name", .string(spec.name)), ("description", .string(spec.description)),
        ("agents", .int(Int64(spec.agents))), ("observation_sizes", ints(spec.observationSizes)),
        ("state_size", .int(Int64(spec.stateSize))), ("has_state", .bool(spec.hasStateFunction)),
        ("action_spaces", .array(spaces)), ("episode_limit", .int(Int64(spec.episodeLimit))),
        ("has_available", .bool(spec.hasAvailable)), ("has_render", .bool(spec.hasRender)), ("has_snapshot", .bool(spec.hasSnapshot)),
        ("view", spec.view.map(doubles) ?? .null), ("options", .array(options)),
        ("total_observation_size", .int(Int64(spec.totalObservationSize))),
        ("total_available_size", .int(Int64(spec.totalAvailableSize))),
        ("total_continuous_size", .int(Int64(spec.totalContinuousSize))),
    ]
}
