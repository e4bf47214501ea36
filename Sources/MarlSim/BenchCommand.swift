import ArgumentParser
import Foundation
import Worlds

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: prints workload=<name> steps_per_s=<x> or us_per_step=<x> lines.",
        discussion: "worlds: steps/s of every bundled world with the random policy (one thread, and two instances on two threads), and the host's overhead per step.")

    @Argument(help: "worlds")
    var suite: String = "worlds"

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 0.5

    @Option(help: "Only these workloads (comma-separated names, e.g. nonmono,host_overhead).")
    var only: String?

    var selected: Set<String>? { only.map { Set($0.split(separator: ",").map(String.init)) } }

    func validate() throws {
        guard ["worlds", "all"].contains(suite) else { throw ValidationError("unknown suite '\(suite)'; this build has: worlds, all") }
        guard seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") }
    }

    func run() throws {
        do {
            try benchWorlds()
        } catch {
            throw failure(error)
        }
    }

    func benchWorlds() throws {
        for file in WorldFiles.bundledWorlds() {
            let name = try LuaWorld(file: file).spec.name
            if let selected, !selected.contains(name) { continue }
            for threads in [1, 2] {
                let rate = try WorldBench.stepsPerSecond(file: file, options: [], threads: threads, seconds: seconds)
                emit(String(format: "workload=%@%@ steps_per_s=%.0f", name, threads == 1 ? "" : "_t2", rate))
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
