import Common
import Training
import Worlds

/// A `marlsim_policy *`: a trained team and the number of worlds it has begun episodes in.
final class PolicyHandle {
    let policy: TeamPolicy
    var instances = 0
    var spec: OwnedCString?
    init(_ policy: TeamPolicy) { self.policy = policy }
}

private func withPolicy(_ pointer: OpaquePointer?, _ body: (PolicyHandle) throws -> Void) -> Int32 {
    Failures.status { try body(Arguments.handle(UnsafeMutableRawPointer(pointer), PolicyHandle.self)) }
}

@_cdecl("marlsim_policy_open")
public func marlsim_policy_open(_ folder: UnsafePointer<CChar>?, _ memoryMiB: Int32, _ timeBudgetMs: Int32) -> OpaquePointer? {
    Failures.value {
        let policy = try TeamPolicy(folder: Arguments.text(folder, "run_folder"),
                                    limits: Arguments.limits(memoryMiB: memoryMiB, timeBudgetMs: timeBudgetMs))
        return Handles.open(PolicyHandle(policy))
    }
}

@_cdecl("marlsim_policy_close")
public func marlsim_policy_close(_ pointer: OpaquePointer?) {
    Handles.close(pointer, PolicyHandle.self)
}

@_cdecl("marlsim_policy_spec")
public func marlsim_policy_spec(_ pointer: OpaquePointer?) -> UnsafePointer<CChar>? {
    Failures.value {
        let handle = try Arguments.handle(UnsafeMutableRawPointer(pointer), PolicyHandle.self)
        if handle.spec == nil {
            let run = handle.policy.reopened.run
            handle.spec = OwnedCString(JSONValue.object(specJSON(handle.policy.spec, file: run.file) + [
                ("learner", .string(run.entry.name)), ("world", .string(run.file)),
                ("options", .array(run.options.map { .string("\($0.0)=\($0.1)") })),
            ]).serialized)
        }
        return UnsafePointer(handle.spec!.pointer)
    }
}

@_cdecl("marlsim_policy_begin")
public func marlsim_policy_begin(_ pointer: OpaquePointer?, _ instances: Int32) -> Int32 {
    withPolicy(pointer) { handle in
        guard instances >= 1, instances <= 1_000_000 else { throw ArgumentError(message: "instances is \(instances); it must be 1 to 1000000") }
        handle.policy.begin(instances: Int(instances))
        handle.instances = Int(instances)
    }
}

@_cdecl("marlsim_policy_act")
public func marlsim_policy_act(_ pointer: OpaquePointer?, _ instances: Int32, _ observations: UnsafePointer<Float>?,
                               _ state: UnsafePointer<Float>?, _ available: UnsafePointer<UInt8>?, _ stochastic: Int32,
                               _ discrete: UnsafeMutablePointer<Int32>?, _ continuous: UnsafeMutablePointer<Double>?) -> Int32 {
    withPolicy(pointer) { handle in
        let spec = handle.policy.spec, E = Int(instances)
        guard handle.instances > 0 else { throw ArgumentError(message: "marlsim_policy_begin was not called before marlsim_policy_act") }
        guard E == handle.instances else {
            throw ArgumentError(message: "act got \(E) instances, but marlsim_policy_begin began episodes in \(handle.instances)")
        }
        guard let observations, let discrete else { throw ArgumentError(message: "observations and discrete must not be NULL") }
        guard state != nil || spec.stateSize == 0 else { throw ArgumentError(message: "state is NULL, but the world's state has \(spec.stateSize) values") }
        guard available != nil || spec.totalAvailableSize == 0 else { throw ArgumentError(message: "available is NULL, but the world has discrete agents") }
        guard continuous != nil || spec.totalContinuousSize == 0 else { throw ArgumentError(message: "continuous is NULL, but the world has continuous agents") }
        let emptyFloat = UnsafeBufferPointer<Float>(start: nil, count: 0), emptyByte = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        handle.policy.act(instances: E,
                          observations: UnsafeBufferPointer(start: observations, count: E * spec.totalObservationSize),
                          states: state.map { UnsafeBufferPointer(start: $0, count: E * spec.stateSize) } ?? emptyFloat,
                          available: available.map { UnsafeBufferPointer(start: $0, count: E * spec.totalAvailableSize) } ?? emptyByte,
                          stochastic: stochastic != 0,
                          discrete: UnsafeMutableBufferPointer(start: discrete, count: E * spec.agents),
                          continuous: UnsafeMutableBufferPointer(start: continuous, count: E * spec.totalContinuousSize))
    }
}
