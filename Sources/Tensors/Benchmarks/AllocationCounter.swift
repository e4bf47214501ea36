import Foundation

/// Counts heap allocations of steady-state benchmark steps. The count comes from a tiny malloc interposer
/// (`scripts/bench/count-allocations` builds it and runs the binary with LD_PRELOAD), which exports
/// `marlsim_allocation_count()`; without it, glibc's `mallinfo2` can only show bytes in use, so we return nil.
public enum AllocationCounter {
    private typealias CountFunction = @convention(c) () -> UInt64

    private static let counter: CountFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "marlsim_allocation_count") else { return nil }
        return unsafeBitCast(symbol, to: CountFunction.self)
    }()

    /// Total malloc/calloc/realloc/posix_memalign calls so far, when the interposer is loaded.
    public static func current() -> UInt64? { counter?() }

    /// Heap allocations per step of a workload after warm-up (averaged over 20 steps), or nil without the interposer.
    public static func allocationsPerStep(workload: String, warmUp: Int = 10, steps: Int = 20) -> Double? {
        guard counter != nil, let step = NNBenchmark.makeWorkload(workload) else { return nil }
        for _ in 0..<warmUp { step() }
        let before = current()!
        for _ in 0..<steps { step() }
        let after = current()!
        return Double(after - before) / Double(steps)
    }
}
