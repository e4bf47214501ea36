import ArgumentParser
import Foundation
import Tensors
import Training
import Worlds

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: prints workload=<name> steps_per_s=<x> or us_per_step=<x> lines.",
        discussion: """
            nn: the seven learner workloads of the PyTorch anchor (same names and shapes), one thread, µs per \
            step, after the OpenBLAS core type; scripts/bench/nn-vs-torch puts the anchor beside them.
            worlds: steps/s of every bundled world with the random policy (one thread, and two instances on two \
            threads), and the host's overhead per step.
            learners: each learner's update on its flagship world (its recommended settings, memory filled by \
            random play): µs per update and per environment step, the update's GEMM MFLOP, its floor (those \
            matrix products at the sgemm rates measured here for their shapes) and the ratio to it. Not part of all.
            """)

    @Argument(help: "nn, worlds, learners or all (nn and worlds)")
    var suite: String = "all"

    @Option(help: "Seconds per measurement (worlds: 0.5; nn: 1).")
    var seconds: Double?

    @Flag(help: "nn: count heap allocations per steady-state step instead of timing (run under scripts/bench/count-allocations).")
    var allocations = false

    @Option(help: "Only these workloads (comma-separated names, e.g. nonmono,host_overhead).")
    var only: String?

    @Option(help: "learners: threads per update for the learners with a threads setting (default: theirs; 0: the machine's cores).")
    var threads: Int?

    var selected: Set<String>? { only.map { Set($0.split(separator: ",").map(String.init)) } }

    func validate() throws {
        guard ["nn", "worlds", "learners", "all"].contains(suite) else {
            throw ValidationError("unknown suite '\(suite)'; choose nn, worlds, learners or all")
        }
        if let seconds { guard seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") } }
        if let threads { guard (0...64).contains(threads) else { throw ValidationError("--threads must be in 0...64") } }
        if let selected {
            let known = Set(NNBenchmark.workloadNames)
            if suite == "nn", let unknown = selected.first(where: { !known.contains($0) }) {
                throw ValidationError("unknown nn workload '\(unknown)'; workloads: \(NNBenchmark.workloadNames.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        do {
            if suite == "learners" { return try benchLearners() }
            if suite != "worlds" { benchNN() }
            if suite != "nn" { try benchWorlds() }
        } catch {
            throw failure(error)
        }
    }

    func benchNN() {
        let wanted = selected ?? []
        if allocations {
            if let before = AllocationCounter.current() {
                // Self-test: fresh arrays must be counted, or the counter is not wired in.
                var keep: [[Int]] = []
                for k in 0..<100 { keep.append([Int](repeating: k, count: 16 + k)) }
                emit("allocation_counter_self_test=\(AllocationCounter.current()! - before) (expect >= 100 for \(keep.count) arrays)")
            }
            for name in NNBenchmark.workloadNames where wanted.isEmpty || wanted.contains(name) {
                let count = AllocationCounter.allocationsPerStep(workload: name).map { String($0) }
                emit("workload=\(name) allocations_per_step=\(count ?? "unavailable (run under scripts/bench/count-allocations)")")
            }
            return
        }
        emit("openblas_coretype=\(openBLASCoreType())")
        NNBenchmark.run(only: wanted, seconds: seconds ?? 1) { name, microseconds in
            emit(String(format: "workload=%@ us_per_step=%.1f", name, microseconds))
            fflush(stdout)
        }
    }

    func benchLearners() throws {
        guard let envs = WorldFiles.bundledFolder() else { throw OptionError(message: "no envs/ folder found; set MARLSIM_ENVS") }
        emit("openblas_coretype=\(openBLASCoreType())")
        for workload in LearnerBench.workloads where selected?.contains(workload.name) ?? true {
            let result = try LearnerBench.measure(workload, file: WorldFiles.displayPath(envs + "/" + workload.file),
                                                  seconds: seconds ?? 2, threads: threads)
            emit(String(format: "workload=%@ us_per_update=%.0f us_per_step=%.1f gemm_mflop=%.1f floor_us=%.0f ratio=%.2f threads=%d",
                        workload.name, result.microsecondsPerUpdate, result.microsecondsPerStep, result.gemmMegaflops,
                        result.floorMicroseconds, result.ratio, result.threads))
        }
    }

    /// Worlds measured again with other options: the MPE2 speed anchor's (an outside reference script:
    /// simple_spread_v3 and simple_tag_v3 with all four agents acting; its speaker_listener is the
    /// bundled world's default), speaker_listener with continuous actions, and the smallest and the
    /// largest SMAC-like combat maps.
    static let anchorVariants: [(name: String, file: String, options: [(String, OptionValue)])] = [
        ("spread_mpe2", "spread.lua", [("preset", .string("mpe2"))]),
        ("tag_mpe2", "tag.lua", [("good", .string("agent"))]),
        ("speaker_listener_continuous", "speaker_listener.lua", [("actions", .string("continuous"))]),
        ("smac_3m", "smac.lua", [("map", .string("3m"))]),
        ("smac_MMM2", "smac.lua", [("map", .string("MMM2"))]),
    ]

    func benchWorlds() throws {
        var runs: [(name: String, file: String, options: [(String, OptionValue)])] = try WorldFiles.bundledWorlds().map {
            (try LuaWorld(file: $0).spec.name, $0, [])
        }
        if let envs = WorldFiles.bundledFolder() {
            runs += Self.anchorVariants.map { ($0.name, WorldFiles.displayPath(envs + "/" + $0.file), $0.options) }
        }
        for run in runs {
            if let selected, !selected.contains(run.name) { continue }
            for threads in [1, 2] {
                let rate = try WorldBench.stepsPerSecond(file: run.file, options: run.options, threads: threads, seconds: seconds ?? 0.5)
                emit(String(format: "workload=%@%@ steps_per_s=%.0f", run.name, threads == 1 ? "" : "_t2", rate))
            }
        }
        if let envs = WorldFiles.bundledFolder(), selected?.contains("host_overhead") ?? true {
            let file = WorldFiles.displayPath(envs + "/bench/host_overhead.lua")
            let times = try WorldBench.hostOverhead(file: file)
            emit(String(format: "workload=host_overhead_3x24_state72 us_per_step=%.3f host_loop_us=%.3f pure_lua_us=%.3f",
                        times.host - times.pureLua, times.host, times.pureLua))
        }
    }
}
