import Foundation

/// Runs a sweep's runs as `marl-sim` processes on this machine, `jobs` at a time: a new run starts
/// from scratch, an interrupted one resumes from its checkpoint. An interruption (Ctrl-C, SIGTERM)
/// passes one SIGINT to every running run, which stops at its next step with a checkpoint, and starts
/// no more.
public struct LocalBackend {
    /// The `marl-sim` executable the runs use (the sweep's own).
    public var binary: String
    public var jobs: Int

    public init(binary: String, jobs: Int) {
        self.binary = binary
        self.jobs = max(1, jobs)
    }

    /// Runs `runs`, in their order until a configuration's wall time is known, then longest first;
    /// returns whether the sweep was interrupted.
    public func run(_ runs: [SweepRun], in folder: SweepFolder, interruption: Interruption, say: (String) -> Void) throws -> Bool {
        var queue = runs
        var durations = Durations(folder: folder)
        var running: [(run: SweepRun, process: ChildProcess, started: Date, resumed: Bool)] = []
        var forwarded = false
        let total = runs.count
        var ended = 0
        while !queue.isEmpty || !running.isEmpty {
            if interruption.isRequested && !forwarded {
                forwarded = true
                queue.removeAll()
                if !running.isEmpty { say("stopping \(running.count) run\(running.count == 1 ? "" : "s") at their next step (each writes a checkpoint)") }
                for entry in running { entry.process.send(SIGINT) }
            }
            while running.count < jobs, let next = durations.longest(in: queue) {
                let run = queue.remove(at: next)
                let resume = folder.status(of: run) == .interrupted
                let target = folder.folder(of: run)
                if !resume { try? FileManager.default.removeItem(atPath: target) }
                let arguments = resume ? ["resume", target] : run.arguments(folder: target)
                let process = try ChildProcess.start(binary, arguments, log: folder.log(of: run))
                folder.running.insert(run.name)
                running.append((run, process, Date(), resume))
                say("[\(ended + running.count)/\(total)] \(resume ? "resuming" : "started") \(run.name)")
            }
            var index = 0
            while index < running.count {
                let entry = running[index]
                guard let status = entry.process.poll() else { index += 1; continue }
                running.remove(at: index)
                folder.running.remove(entry.run.name)
                ended += 1
                try folder.record(entry.run, exitStatus: status, host: ProcessInfo.processInfo.hostName, resumed: entry.resumed)
                durations.add(entry.run, in: folder)
                say(Self.describe(entry.run, status: status, seconds: Date().timeIntervalSince(entry.started), folder: folder))
            }
            if !running.isEmpty || !queue.isEmpty { usleep(50_000) }
        }
        return forwarded
    }

    /// One line on how a run's sitting ended.
    static func describe(_ run: SweepRun, status: Int32, seconds: Double, folder: SweepFolder) -> String {
        let time = String(format: "%.1f s", seconds)
        switch folder.status(of: run) {
        case .finished:
            let result = RunResult(folder: folder.folder(of: run), metric: folder.plan.spec.experiments[run.experiment].report.metric)
            return "  finished \(run.name) in \(time): \(result.metric) \(result.final.map { String(format: "%.4g", $0) } ?? "?")"
        case .interrupted: return "  stopped \(run.name) after \(time) with a checkpoint (the next sweep command resumes it)"
        default: return "  failed \(run.name) (exit \(status)) after \(time): \(folder.records[run.name]?.lastError ?? "") — log: \(folder.log(of: run))"
        }
    }
}

/// The wall times of finished runs by configuration (a report row), which order the runs still to
/// start: a configuration not yet timed first (it may be the longest, and its first seed comes before
/// any second seed), then the longest. Two jobs then end together instead of one waiting on a long
/// run started last.
struct Durations {
    private var seconds: [String: [Double]] = [:]

    init(folder: SweepFolder) {
        for run in folder.plan.runs where folder.status(of: run) == .finished { add(run, in: folder) }
    }

    static func key(_ run: SweepRun) -> String { "\(run.experiment) \(run.group)" }

    mutating func add(_ run: SweepRun, in folder: SweepFolder) {
        guard folder.status(of: run) == .finished,
              let wall = RunResult(folder: folder.folder(of: run), metric: "test_return_mean").wallSeconds else { return }
        seconds[Self.key(run), default: []].append(wall)
    }

    /// The run's expected wall time: its configuration's mean, or infinity when none has finished.
    func estimate(_ run: SweepRun) -> Double {
        guard let walls = seconds[Self.key(run)], !walls.isEmpty else { return .infinity }
        return walls.reduce(0, +) / Double(walls.count)
    }

    /// The index of the run to start next (the earliest of equals), nil when `queue` is empty.
    func longest(in queue: [SweepRun]) -> Int? {
        var best: Int?
        for index in queue.indices where best == nil || estimate(queue[index]) > estimate(queue[best!]) { best = index }
        return best
    }
}
