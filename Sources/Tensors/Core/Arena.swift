import Foundation

/// Float buffers handed out in the same order every step and kept between steps,
/// so a training step that repeats its shapes allocates nothing after the first one.
final class Arena {
    /// Buffers allocated or grown by every arena of the process so far: an update that repeats its
    /// shapes adds none (the allocation test of every learner reads it).
    static var growths: Int { growthLock.withLock { growthCount } }
    nonisolated(unsafe) private static var growthCount = 0
    private static let growthLock = NSLock()
    /// Counts one growth; tapes of parallel branches may grow at the same time.
    private static func grew() { growthLock.withLock { growthCount += 1 } }

    private var slots: [UnsafeMutablePointer<Float>] = []
    private var capacities: [Int] = []
    private var cursor = 0

    init() {
        slots.reserveCapacity(4096)
        capacities.reserveCapacity(4096)
    }

    deinit {
        for p in slots { p.deallocate() }
    }

    /// A buffer of at least `count` floats, valid until the next `reset`. Contents are undefined.
    @inline(__always) func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = Swift.max(count, 1)
        if cursor < slots.count {
            if capacities[cursor] < n {
                // The step's shapes changed; grow this slot once (round up so jitter settles).
                slots[cursor].deallocate()
                let grown = Swift.max(n, capacities[cursor] * 2)
                slots[cursor] = .allocate(capacity: grown)
                capacities[cursor] = grown
                Self.grew()
            }
            let p = slots[cursor]
            cursor += 1
            return p
        }
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        Self.grew()
        slots.append(p)
        capacities.append(n)
        cursor += 1
        return p
    }

    /// A zero-filled buffer of `count` floats.
    @inline(__always) func allocateZeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = allocate(count)
        p.update(repeating: 0, count: count)
        return p
    }

    /// Makes every buffer available again (their memory is kept).
    func reset() { cursor = 0 }

    /// Total floats held, for diagnostics.
    var heldFloats: Int { capacities.reduce(0, +) }
}
