import Common
import Worlds

/// A `marlsim_batch *`: many instances of one world stepped in one call.
final class BatchHandle {
    let batch: WorldBatch
    var spec: OwnedCString?
    init(_ batch: WorldBatch) { self.batch = batch }
}

private func withBatch(_ pointer: OpaquePointer?, _ body: (BatchHandle) throws -> Void) -> Int32 {
    Failures.status { try body(Arguments.handle(UnsafeMutableRawPointer(pointer), BatchHandle.self)) }
}

private func batchValue<T>(_ pointer: OpaquePointer?, _ body: (WorldBatch) throws -> T?) -> T? {
    Failures.value { try body(Arguments.handle(UnsafeMutableRawPointer(pointer), BatchHandle.self).batch) }
}

@_cdecl("marlsim_batch_open")
public func marlsim_batch_open(_ file: UnsafePointer<CChar>?, _ options: UnsafePointer<UnsafePointer<CChar>?>?, _ optionCount: Int32,
                               _ seed: UInt64, _ count: Int32, _ threads: Int32, _ memoryMiB: Int32, _ timeBudgetMs: Int32) -> OpaquePointer? {
    Failures.value {
        guard count >= 1, count <= 1_000_000 else { throw ArgumentError(message: "count is \(count); a batch holds 1 to 1000000 instances") }
        guard threads >= 1 else { throw ArgumentError(message: "threads is \(threads); it must be ≥ 1") }
        let batch = try WorldBatch(file: Arguments.text(file, "file"), options: Arguments.options(options, count: optionCount),
                                   seed: seed, count: Int(count), threads: Int(threads),
                                   limits: Arguments.limits(memoryMiB: memoryMiB, timeBudgetMs: timeBudgetMs))
        return Handles.open(BatchHandle(batch))
    }
}

@_cdecl("marlsim_batch_close")
public func marlsim_batch_close(_ pointer: OpaquePointer?) {
    Handles.close(pointer, BatchHandle.self)
}

@_cdecl("marlsim_batch_spec")
public func marlsim_batch_spec(_ pointer: OpaquePointer?) -> UnsafePointer<CChar>? {
    Failures.value {
        let handle = try Arguments.handle(UnsafeMutableRawPointer(pointer), BatchHandle.self)
        if handle.spec == nil {
            let batch = handle.batch
            handle.spec = OwnedCString(JSONValue.object(specJSON(batch.spec, file: batch.pool.worlds[0].file)
                + [("count", .int(Int64(batch.count))), ("threads", .int(Int64(batch.pool.threads)))]).serialized)
        }
        return UnsafePointer(handle.spec!.pointer)
    }
}

@_cdecl("marlsim_batch_count")
public func marlsim_batch_count(_ pointer: OpaquePointer?) -> Int32 {
    batchValue(pointer) { Int32($0.count) } ?? -1
}

@_cdecl("marlsim_batch_reset")
public func marlsim_batch_reset(_ pointer: OpaquePointer?) -> Int32 {
    withBatch(pointer) { try $0.batch.reset() }
}

@_cdecl("marlsim_batch_step")
public func marlsim_batch_step(_ pointer: OpaquePointer?, _ discrete: UnsafePointer<Int32>?, _ continuous: UnsafePointer<Double>?) -> Int32 {
    withBatch(pointer) { handle in
        let batch = handle.batch, n = batch.count
        let discreteCount = n * batch.spec.agents, continuousCount = n * batch.spec.totalContinuousSize
        guard let discrete else { throw ArgumentError(message: "discrete is NULL (it holds [count][agents] action ids)") }
        guard continuous != nil || continuousCount == 0 else {
            throw ArgumentError(message: "continuous is NULL, but the world's continuous agents need \(continuousCount) values")
        }
        try batch.step(discrete: UnsafeBufferPointer(start: discrete, count: discreteCount),
                       continuous: UnsafeBufferPointer(start: continuous, count: continuousCount))
    }
}

@_cdecl("marlsim_batch_observations")
public func marlsim_batch_observations(_ pointer: OpaquePointer?) -> UnsafePointer<Float>? {
    batchValue(pointer) { UnsafePointer($0.observations.baseAddress) }
}

@_cdecl("marlsim_batch_state")
public func marlsim_batch_state(_ pointer: OpaquePointer?) -> UnsafePointer<Float>? {
    batchValue(pointer) { UnsafePointer($0.state.baseAddress) }
}

@_cdecl("marlsim_batch_available")
public func marlsim_batch_available(_ pointer: OpaquePointer?) -> UnsafePointer<UInt8>? {
    batchValue(pointer) { UnsafePointer($0.available.baseAddress) }
}

@_cdecl("marlsim_batch_final_observations")
public func marlsim_batch_final_observations(_ pointer: OpaquePointer?) -> UnsafePointer<Float>? {
    batchValue(pointer) { UnsafePointer($0.finalObservations.baseAddress) }
}

@_cdecl("marlsim_batch_final_state")
public func marlsim_batch_final_state(_ pointer: OpaquePointer?) -> UnsafePointer<Float>? {
    batchValue(pointer) { UnsafePointer($0.finalState.baseAddress) }
}

@_cdecl("marlsim_batch_rewards")
public func marlsim_batch_rewards(_ pointer: OpaquePointer?) -> UnsafePointer<Double>? {
    batchValue(pointer) { UnsafePointer($0.rewards.baseAddress) }
}

@_cdecl("marlsim_batch_terminated")
public func marlsim_batch_terminated(_ pointer: OpaquePointer?) -> UnsafePointer<UInt8>? {
    batchValue(pointer) { UnsafePointer($0.terminated.baseAddress) }
}

@_cdecl("marlsim_batch_truncated")
public func marlsim_batch_truncated(_ pointer: OpaquePointer?) -> UnsafePointer<UInt8>? {
    batchValue(pointer) { UnsafePointer($0.truncated.baseAddress) }
}
