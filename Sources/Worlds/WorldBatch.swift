import Common
import Foundation

/// Many instances of one world stepped in one call, with every output in one contiguous array
/// (instance-major), for callers that step whole batches: the C library's vectorised worlds.
///
/// An instance whose episode ends is reset within the same `step`: its rows then hold the new
/// episode's first values, and `finalObservations` / `finalState` keep the ones the episode ended on
/// (Gymnasium's same-step autoreset).
public final class WorldBatch {
    public let pool: WorldPool
    public var spec: WorldSpec { pool.spec }
    public var count: Int { pool.worlds.count }

    // Fixed buffers, not arrays: instances write their own rows from several threads, and callers
    // across the C boundary keep the addresses.
    /// [count][total observation size], [count][state size], [count][total available size].
    public let observations: UnsafeMutableBufferPointer<Float>
    public let state: UnsafeMutableBufferPointer<Float>
    public let available: UnsafeMutableBufferPointer<UInt8>
    /// The values each instance's last episode ended on; meaningful where `terminated` or `truncated` is set.
    public let finalObservations: UnsafeMutableBufferPointer<Float>
    public let finalState: UnsafeMutableBufferPointer<Float>
    public let rewards: UnsafeMutableBufferPointer<Double>
    public let terminated: UnsafeMutableBufferPointer<UInt8>
    public let truncated: UnsafeMutableBufferPointer<UInt8>

    private let observationWidth: Int, stateWidth: Int, availableWidth: Int, continuousWidth: Int
    private var actions: [JointAction]
    private let everyInstance: [Int]

    /// `count` instances of `file`; instance k is seeded from `seed` and k, as in training.
    public init(file: String, options: [(String, OptionValue)], seed: UInt64, count: Int, threads: Int = 1,
                limits: WorldLimits = WorldLimits()) throws {
        try Self.checkMemory(file: file, options: options, seed: seed, count: count, limits: limits)
        pool = try WorldPool(file: file, options: options, seed: seed, count: max(1, count), threads: threads, limits: limits)
        let spec = pool.spec, n = pool.worlds.count
        observationWidth = spec.totalObservationSize
        stateWidth = spec.stateSize
        availableWidth = spec.totalAvailableSize
        continuousWidth = spec.totalContinuousSize
        func buffer<T>(_ size: Int, _ value: T) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, size))
            b.initialize(repeating: value)
            return b
        }
        observations = buffer(n * observationWidth, 0)
        state = buffer(n * stateWidth, 0)
        available = buffer(n * availableWidth, 1)
        finalObservations = buffer(n * observationWidth, 0)
        finalState = buffer(n * stateWidth, 0)
        rewards = buffer(n, 0)
        terminated = buffer(n, 0)
        truncated = buffer(n, 0)
        actions = (0..<n).map { _ in JointAction(spec: spec) }
        everyInstance = Array(0..<n)
        // Strict checks for each instance's first episode, as in training; later ones rely on the cheap checks.
        for world in pool.worlds { world.strict = true }
    }

    /// Refuses, before building them, more instances than 80 % of the machine's memory holds: one
    /// instance's Lua memory after loading, its output buffers and the batch's rows, times `count`.
    private static func checkMemory(file: String, options: [(String, OptionValue)], seed: UInt64, count: Int, limits: WorldLimits) throws {
        guard count > 1 else { return }
        let probe = try LuaWorld(file: file, options: options, seed: seed, instance: 0, limits: limits)
        let spec = probe.spec
        let floats = 3 * (spec.totalObservationSize + spec.stateSize) + spec.totalAvailableSize / 2 + spec.totalContinuousSize * 2
        let perInstance = Double(probe.memoryInUse) + 4 * Double(floats) + 16_384
        let needed = perInstance * Double(count), limit = 0.8 * Double(ProcessInfo.processInfo.physicalMemory)
        guard needed <= limit else {
            let gib = { (bytes: Double) in String(format: "%.1f", bytes / 1_073_741_824) }
            throw WorldError(file: file, message: "\(count) instances would need about \(gib(needed)) GiB (\(Int(perInstance / 1024)) KiB each), over 80 % of this machine's memory (\(gib(limit)) GiB); use at most \(Int(limit / perInstance)) instances",
                             rule: "a batch of world instances fits in the machine's memory")
        }
    }

    deinit {
        for b in [observations, state, finalObservations, finalState] { b.deallocate() }
        for b in [available, terminated, truncated] { b.deallocate() }
        rewards.deallocate()
    }

    /// Starts an episode in every instance.
    public func reset() throws {
        try forEachInstance { k in
            try pool.worlds[k].reset()
            copyOutputs(of: k)
        }
        for k in 0..<count { rewards[k] = 0; terminated[k] = 0; truncated[k] = 0 }
    }

    /// One step of every instance: `discrete` holds [count][agents] action ids (0-based; continuous
    /// agents' entries are ignored), `continuous` [count][total continuous size] values.
    public func step(discrete: UnsafeBufferPointer<Int32>, continuous: UnsafeBufferPointer<Double>) throws {
        let agents = spec.agents
        guard discrete.count >= count * agents, continuous.count >= count * continuousWidth else {
            throw WorldError(file: pool.worlds[0].file,
                             message: "a batch step needs \(count * agents) action ids and \(count * continuousWidth) continuous values; it got \(discrete.count) and \(continuous.count)",
                             rule: ContractRule.actions)
        }
        for k in 0..<count {
            for i in 0..<agents { actions[k].discrete[i] = discrete[k * agents + i] }
            for d in 0..<continuousWidth { actions[k].continuous[d] = continuous[k * continuousWidth + d] }
        }
        try forEachInstance { k in
            let world = pool.worlds[k]
            if !world.episodeRunning { try world.reset() }
            let result = try world.step(actions[k])
            rewards[k] = result.reward
            terminated[k] = result.terminated ? 1 : 0
            truncated[k] = result.truncated ? 1 : 0
            if result.done {
                copyOutputs(of: k, final: true)
                world.strict = false
                try world.reset()
            }
            copyOutputs(of: k)
        }
    }

    /// Runs `body` for every instance over the pool's threads; an instance's world error names the instance.
    private func forEachInstance(_ body: (Int) throws -> Void) throws {
        try pool.forEach(everyInstance) { k in
            do { try body(k) } catch var error as WorldError {
                error.message += " (instance \(k + 1) of \(count))"
                throw error
            }
        }
    }

    /// Copies instance k's outputs into its rows (of the final arrays when `final`).
    private func copyOutputs(of k: Int, final: Bool = false) {
        let world = pool.worlds[k]
        let o = k * observationWidth, s = k * stateWidth
        if final {
            for j in 0..<observationWidth { finalObservations[o + j] = world.observations[j] }
            for j in 0..<stateWidth { finalState[s + j] = world.state[j] }
            return
        }
        for j in 0..<observationWidth { observations[o + j] = world.observations[j] }
        for j in 0..<stateWidth { state[s + j] = world.state[j] }
        let a = k * availableWidth
        for j in 0..<availableWidth { available[a + j] = world.available[j] }
    }
}
