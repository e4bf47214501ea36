import Foundation

/// Several instances of one world stepped together (the runner's parallel environments).
/// Instance k is seeded from the seed and k, so results do not depend on `threads`.
public final class WorldPool {
    public let worlds: [LuaWorld]
    public let threads: Int

    public init(file: String, options: [(String, OptionValue)], seed: UInt64, count: Int, threads: Int = 1,
                limits: WorldLimits = WorldLimits()) throws {
        precondition(count >= 1)
        worlds = try (0..<count).map { try LuaWorld(file: file, options: options, seed: seed, instance: $0, limits: limits) }
        self.threads = max(1, min(threads, count))
    }

    public var spec: WorldSpec { worlds[0].spec }

    /// Runs `body` for each index, spread over the pool's threads; the first error (by index)
    /// is rethrown after all have finished.
    public func forEach(_ indices: [Int], _ body: (Int) throws -> Void) throws {
        if threads == 1 || indices.count <= 1 {
            for k in indices { try body(k) }
            return
        }
        let errors = ResultBox<Void>(count: indices.count)
        withoutActuallyEscaping(body) { body in
            let work = UnsafeWork(body: body)
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                for j in stride(from: thread, to: indices.count, by: threads) {
                    errors.set(j, Result { try work.body(indices[j]) })
                }
            }
        }
        for j in indices.indices { try errors.get(j) }
    }
}

/// Carries a non-Sendable closure into concurrentPerform; each world is touched by one thread.
private struct UnsafeWork: @unchecked Sendable {
    let body: (Int) throws -> Void
}
