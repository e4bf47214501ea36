import ArgumentParser
import Common
import Foundation
import Training
import Worlds

/// `marl-sim sweep <spec>`: many runs from one spec, on local cores or a Ray cluster, and their report.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a sweep spec (worlds × learners × settings × seeds) and report it: marl-sim sweep sweeps/matrix.toml.",
        discussion: """
            The spec (TOML or YAML; docs/sweeps.md) is expanded and checked before any run starts: every \
            world loads, every learner can train its world, every setting exists and is legal; a mistake \
            names the spec's line. Each run is an ordinary run folder under <out>/runs/, its output in \
            <out>/logs/, and <out>/sweep.json lists the runs and their status. Running the same command \
            again skips finished runs, resumes interrupted ones from their checkpoints and starts the \
            rest; Ctrl-C stops every run at its next step with a checkpoint. At the end (and with \
            --report) it prints a table per experiment and writes report.md, report.csv and one curves \
            figure per world into <out>.
            """)

    @Argument(help: "The sweep spec (.toml, .yaml or .yml).")
    var spec: String?

    @Option(help: "Runs at once on this machine (default: cores ÷ the runs' threads).")
    var jobs: Int?

    @Option(help: "The sweep folder (default: runs/sweeps/<spec name>).")
    var out: String?

    @Option(help: "Where the runs run: local (processes on this machine) or ray (tasks on a Ray cluster).")
    var backend: Backend = .local

    @Option(help: "The Ray cluster's address (--backend ray; default: auto, the cluster this machine belongs to).")
    var address: String = "auto"

    @Flag(help: "With --backend ray: the sweep folder is at the same path on every machine; tasks write there instead of shipping folders back.")
    var shared = false

    @Option(name: .customLong("set"), help: ArgumentHelp("A setting for every run, after the spec's (repeatable); a changed sweep needs its own --out.", valueName: "key=value"))
    var settings: [String] = []

    @Option(help: ArgumentHelp("Seeds of every experiment instead of the spec's: a count N (seeds 1...N) or a list 1,4,7.", valueName: "N|list"))
    var seeds: String?

    @Option(help: ArgumentHelp("Only the runs whose names match these shell globs (comma-separated, e.g. '5m_vs_6m-*-seed1'); the others keep their state and stay in the report.", valueName: "globs"))
    var only: String?

    @Option(help: ArgumentHelp("Print the report of a sweep folder and write its files; run nothing.", valueName: "sweep-folder"))
    var report: String?

    @Flag(help: "Print the expanded runs and their status; run nothing.")
    var list = false

    enum Backend: String, ExpressibleByArgument, CaseIterable {
        case local, ray
    }

    func validate() throws {
        guard (spec == nil) != (report == nil) else { throw ValidationError("give a spec to run, or --report <sweep-folder> (not both)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if report != nil && (jobs != nil || out != nil || list || seeds != nil || only != nil || !settings.isEmpty) { throw ValidationError("--report takes only the sweep folder") }
    }

    func run() throws {
        do {
            if let report {
                // No lock: the report only reads the runs, so it also works while the sweep runs.
                try printReport(try Self.reopen(report))
                return
            }
            let spec = try SweepSpec(path: self.spec!)
            let plan = try SweepPlan(spec: spec, overrides: try Settings.pairs(settings), seeds: try parsedSeeds())
            let out = self.out ?? "runs/sweeps/\(((spec.path as NSString).lastPathComponent as NSString).deletingPathExtension)"
            let folder = try SweepFolder(path: out, plan: plan)
            let python = ProcessInfo.processInfo.environment["MARLSIM_PYTHON"] ?? "python3"
            let ray = RayBackend(binary: Self.executablePath(), address: address, python: python, shared: shared)
            let selected = try only.map { try plan.runs(matching: $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) } ?? plan.launchOrder
            if list {
                for run in selected { emit("\(folder.status(of: run).rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(run.name): marl-sim \(run.arguments(folder: folder.folder(of: run)).joined(separator: " "))") }
                return
            }
            if backend == .ray { try ray.checkRay() }
            try folder.lock { emit($0) }
            try Self.keepSpec(spec, in: folder)
            folder.dropCheckpointsOfFinishedRuns(plan.runs)
            try folder.save()
            let todo = selected.filter { folder.status(of: $0) != .finished }
            let threads = plan.runs.map(\.threads).max() ?? 1
            let jobs = self.jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount / threads)
            let finished = plan.runs.filter { folder.status(of: $0) == .finished }.count
            emit("sweep \(spec.title): \(plan.runs.count) runs (\(finished) finished\(only == nil ? "" : ", \(todo.count) selected to run"), \(todo.filter { folder.status(of: $0) == .interrupted }.count) to resume) → \(out)"
                 + (todo.isEmpty ? "" : backend == .local ? "; \(jobs) at a time on this machine" : "; on the Ray cluster at \(address)"))
            var interrupted = false
            if !todo.isEmpty {
                Interruption.shared.install()
                switch backend {
                case .local:
                    interrupted = try LocalBackend(binary: ray.binary, jobs: jobs).run(todo, in: folder, interruption: Interruption.shared, say: emit)
                case .ray:
                    interrupted = try ray.run(todo, in: folder, interruption: Interruption.shared, say: emit)
                }
                try folder.save()
            }
            emit("")
            try printReport(folder)
            let failed = plan.runs.filter { folder.status(of: $0) == .failed }
            if interrupted {
                emit("interrupted: run the same command again to finish the sweep")
                throw ExitCode(130)
            }
            if !failed.isEmpty {
                throw TrainingError(message: "\(failed.count) run\(failed.count == 1 ? "" : "s") failed: \(failed.map { "\($0.name) (\(folder.log(of: $0)))" }.joined(separator: ", "))")
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw failure(error)
        }
    }

    func parsedSeeds() throws -> [UInt64]? {
        guard let seeds else { return nil }
        if let count = Int(seeds), count >= 1 { return (1...count).map(UInt64.init) }
        let list = seeds.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }), Set(list).count == list.count else {
            throw OptionError(message: "--seeds takes a count (5: seeds 1 to 5) or a list of different seeds (1,4,7), got '\(seeds)'")
        }
        return list.map { $0! }
    }

    func printReport(_ folder: SweepFolder) throws {
        let report = try SweepReport(folder: folder)
        fputs(report.text, stdout)
        for path in try report.write() { emit("wrote \(path)") }
    }

    /// The sweep folder's own copy of its spec (`spec.toml` or `spec.yaml`), which --report reads.
    static func keepSpec(_ spec: SweepSpec, in folder: SweepFolder) throws {
        let ext = (spec.path as NSString).pathExtension.lowercased() == "toml" ? "toml" : "yaml"
        let copy = (folder.path as NSString).appendingPathComponent("spec.\(ext)")
        let working = (folder.path as NSString).appendingPathComponent("working-folder")
        do {
            try Data(contentsOf: URL(fileURLWithPath: spec.path)).write(to: URL(fileURLWithPath: copy), options: .atomic)
            try Data((FileManager.default.currentDirectoryPath + "\n").utf8).write(to: URL(fileURLWithPath: working), options: .atomic)
        } catch {
            throw TrainingError(message: "\(copy): cannot write (\(error.localizedDescription))")
        }
    }

    /// A sweep folder read back for --report: its spec copy expanded again, from the folder the sweep ran in.
    static func reopen(_ path: String) throws -> SweepFolder {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let name = ["spec.toml", "spec.yaml"].first(where: { FileManager.default.fileExists(atPath: (absolute as NSString).appendingPathComponent($0)) }),
              let working = try? String(contentsOfFile: (absolute as NSString).appendingPathComponent("working-folder"), encoding: .utf8) else {
            throw TrainingError(message: "\(path): not a sweep folder (no spec.toml or spec.yaml and working-folder; marl-sim sweep <spec> --out \(path) makes one)")
        }
        // A sweep folder copied elsewhere (another machine, or kept in a repository as results/ is) reads
        // its spec's relative world paths from the current folder once the one it ran in is gone.
        let folder = working.trimmingCharacters(in: .whitespacesAndNewlines)
        if FileManager.default.fileExists(atPath: folder) && !FileManager.default.changeCurrentDirectoryPath(folder) {
            throw TrainingError(message: "\(path): cannot enter \(folder), the folder the sweep ran in; its spec's world paths are relative to it")
        }
        let spec = try SweepSpec(path: (absolute as NSString).appendingPathComponent(name))
        return try SweepFolder(path: absolute, plan: try SweepPlan(spec: spec))
    }

    /// This program's own path, which the runs are started with.
    static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}
