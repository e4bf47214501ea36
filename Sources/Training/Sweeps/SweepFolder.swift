import Common
import Foundation

/// Where a run of a sweep stands, read from its folder (and, for a failure, from sweep.json).
public enum RunStatus: String, Sendable {
    /// Not started, or started and stopped before its first checkpoint: it starts from scratch.
    case pending
    case running
    /// Stopped with a checkpoint: `marl-sim resume` continues it.
    case interrupted
    case finished
    /// Ended with an error; the next sweep command tries it again.
    case failed
}

/// A sweep's folder: `sweep.json` (the expanded runs and each one's status), `runs/<name>/` (ordinary
/// run folders), `logs/<name>.log` (each run's output), and the report. A lock on `.lock`, held by
/// the sweep command and inherited by the runs it starts, keeps a second sweep out while any of them
/// is still running, even after the first sweep was killed.
public final class SweepFolder {
    public let path: String
    public let plan: SweepPlan
    /// Per run: how its last sitting ended, how many sittings it had, where it ran.
    public private(set) var records: [String: Record] = [:]
    /// Runs a backend is running now.
    public var running: Set<String> = []
    /// The spec path recorded in sweep.json by the sweep's last sitting.
    private var recordedSpec: String?
    private var lockDescriptor: Int32 = -1

    public struct Record {
        public var exitStatus: Int32?
        public var sittings = 0
        public var lastError: String?
        public var host: String?
    }

    public init(path: String, plan: SweepPlan) throws {
        self.path = path
        self.plan = plan
        try readRecords()
    }

    /// Creates the folder and its runs/ and logs/ (a sweep that only lists or reports creates nothing).
    public func create() throws {
        for folder in [path, runsPath, logsPath] {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw TrainingError(message: "\(folder): cannot create the sweep folder (\(error.localizedDescription))")
            }
        }
    }

    deinit { if lockDescriptor >= 0 { close(lockDescriptor) } }

    public var runsPath: String { (path as NSString).appendingPathComponent("runs") }
    public var logsPath: String { (path as NSString).appendingPathComponent("logs") }
    public var manifestPath: String { (path as NSString).appendingPathComponent("sweep.json") }

    /// The spec as reports name it: the one the sweep was run with, also when --report reads the
    /// folder's own copy (a report regenerated from a kept folder then matches the one the sweep wrote).
    public var specShown: String {
        let readsOwnCopy = (plan.spec.path as NSString).deletingLastPathComponent == path
        return readsOwnCopy ? (recordedSpec ?? plan.spec.path) : plan.spec.path
    }

    public func folder(of run: SweepRun) -> String { (runsPath as NSString).appendingPathComponent(run.name) }
    public func log(of run: SweepRun) -> String { (logsPath as NSString).appendingPathComponent(run.name + ".log") }

    /// Takes the sweep's lock, waiting up to `patience` seconds for runs of a stopped sweep to finish
    /// stopping (they see their sweep end within a second and stop at their next step, writing a checkpoint).
    public func lock(patience: Double = 300, note: (String) -> Void) throws {
        try create()
        let lockPath = (path as NSString).appendingPathComponent(".lock")
        // Not close-on-exec: every run started holds the lock until it ends.
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw TrainingError(message: "\(lockPath): cannot open (\(String(cString: strerror(errno))))") }
        let start = Date()
        var noted = false
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard Date().timeIntervalSince(start) < patience else {
                close(descriptor)
                throw TrainingError(message: "\(path): in use by another marl-sim sweep, or by runs it started that are still running; wait for them or stop them")
            }
            if !noted {
                note("\(path) is in use (another sweep, or runs of a stopped one finishing their checkpoints); waiting")
                noted = true
            }
            usleep(200_000)
        }
        lockDescriptor = descriptor
    }

    /// The run's status from its folder and its record.
    public func status(of run: SweepRun) -> RunStatus {
        if running.contains(run.name) { return .running }
        let folder = self.folder(of: run)
        if let summary = try? JSONValue.parse(String(contentsOfFile: (folder as NSString).appendingPathComponent("summary.json"), encoding: .utf8)),
           summary["interrupted"] == .bool(false) {
            return .finished
        }
        if ["checkpoint.bin", "checkpoint.previous.bin"].contains(where: { FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0)) }) {
            return .interrupted
        }
        if let status = records[run.name]?.exitStatus, status != 0, status != 130 { return .failed }
        return .pending
    }

    /// With the spec's `keep_checkpoints = false`, removes the checkpoints of the runs that finished
    /// (their weights, metrics and summary stay); a run not yet finished keeps them to resume from.
    public func dropCheckpointsOfFinishedRuns(_ runs: [SweepRun]) {
        guard !plan.spec.keepCheckpoints else { return }
        for run in runs where status(of: run) == .finished {
            for name in ["checkpoint.bin", "checkpoint.previous.bin"] {
                try? FileManager.default.removeItem(atPath: (folder(of: run) as NSString).appendingPathComponent(name))
            }
        }
    }

    /// Records how a sitting of the run ended (exit status, the log's last error line) and saves
    /// sweep.json. A resumed run had a sitting before, even when a killed sweep could not record it.
    public func record(_ run: SweepRun, exitStatus: Int32, host: String? = nil, resumed: Bool = false) throws {
        var record = records[run.name] ?? Record()
        record.exitStatus = exitStatus
        record.sittings = max(record.sittings, resumed ? 1 : 0) + 1
        record.host = host ?? record.host
        record.lastError = exitStatus == 0 ? nil : Self.lastError(inLog: log(of: run))
        records[run.name] = record
        dropCheckpointsOfFinishedRuns([run])
        try save()
    }

    /// The last `error:` line of a log (and the lines after it), or its last line.
    static func lastError(inLog path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        if let start = lines.lastIndex(where: { $0.hasPrefix("error:") }) { return lines[start...].prefix(4).joined(separator: "\n") }
        return lines.last
    }

    /// Writes sweep.json: the spec, and every run with its arguments, status and record.
    public func save() throws {
        let runs: [JSONValue] = plan.runs.map { run in
            guard case var .object(fields) = run.json else { return run.json }
            let record = records[run.name] ?? Record()
            fields.append(("arguments", .array(run.arguments(folder: folder(of: run)).map { .string($0) })))
            fields.append(("status", .string(status(of: run).rawValue)))
            fields.append(("sittings", .int(Int64(record.sittings))))
            if let exit = record.exitStatus { fields.append(("exit_status", .int(Int64(exit)))) }
            if let error = record.lastError { fields.append(("error", .string(error))) }
            if let host = record.host { fields.append(("host", .string(host))) }
            return .object(fields)
        }
        let manifest = JSONValue.object([
            ("spec", .string(specShown)), ("spec_fnv1a64", .string(TrainingRun.fingerprint(ofFile: plan.spec.path))),
            ("title", .string(plan.spec.title)), ("runs", .array(runs)),
        ])
        let temporary = manifestPath + ".partial"
        do {
            try Data((manifest.serialized + "\n").utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, manifestPath) == 0 else { throw TrainingError(message: String(cString: strerror(errno))) }
        } catch {
            throw TrainingError(message: "\(manifestPath): cannot write (\(error))")
        }
    }

    /// Reads the records of an earlier sitting; a run planned with other arguments than before is an
    /// error (the spec changed under a folder that holds its runs).
    private func readRecords() throws {
        guard let text = try? String(contentsOfFile: manifestPath, encoding: .utf8) else { return }
        guard let manifest = try? JSONValue.parse(text), case let .array(runs)? = manifest["runs"] else {
            throw TrainingError(message: "\(manifestPath): not a sweep.json (damaged?); move it away to start the sweep afresh")
        }
        if case let .string(spec)? = manifest["spec"] { recordedSpec = spec }
        for old in runs {
            guard case let .string(name)? = old["name"], let run = plan.runs.first(where: { $0.name == name }) else { continue }
            if case let .array(arguments)? = old["arguments"] {
                let before = arguments.compactMap { value -> String? in if case let .string(s) = value { return s } else { return nil } }
                let now = run.arguments(folder: folder(of: run))
                // The folder given with --out may be written differently (--report names it absolutely).
                if before.dropLast(2) != now.dropLast(2) && FileManager.default.fileExists(atPath: folder(of: run)) {
                    throw TrainingError(message: "\(manifestPath): run \(name) was started as `marl-sim \(before.joined(separator: " "))`; the spec now plans `marl-sim \(now.joined(separator: " "))`. Give the changed spec another --out, or delete \(folder(of: run))")
                }
            }
            var record = Record()
            if case let .int(exit)? = old["exit_status"] { record.exitStatus = Int32(truncatingIfNeeded: exit) }
            if case let .int(sittings)? = old["sittings"] { record.sittings = Int(sittings) }
            if case let .string(error)? = old["error"] { record.lastError = error }
            if case let .string(host)? = old["host"] { record.host = host }
            records[name] = record
        }
    }
}
