import Common
import Foundation

/// Runs a sweep's runs as tasks on a Ray cluster through the Python module `marlsim.ray_sweep`
/// (python/marlsim/ray_sweep.py; Ray's interface is its Python API). Each task asks for the run's
/// threads as CPUs, runs this `marl-sim` binary on its worker in the sweep's working folder, and
/// ships the run folder back, unless `shared` says the sweep folder is the same path on every
/// machine, where tasks write in place.
public struct RayBackend {
    public var binary: String
    public var address: String
    /// The Python with Ray installed (`MARLSIM_PYTHON`, else python3).
    public var python: String
    public var shared: Bool

    public init(binary: String, address: String, python: String, shared: Bool) {
        self.binary = binary
        self.address = address
        self.python = python
        self.shared = shared
    }

    /// Stops before anything is written when the Python lacks Ray.
    public func checkRay() throws {
        let probe = try ChildProcess.start(try Self.executable(python), ["-c", "import ray"], log: "/dev/null")
        var status: Int32?
        while status == nil { status = probe.poll(); if status == nil { usleep(20_000) } }
        guard status == 0 else { throw Self.missingRay(python) }
    }

    static func missingRay(_ python: String) -> TrainingError {
        TrainingError(message: "--backend ray: \(python) cannot import ray; install it with `\(python) -m pip install ray`, or point MARLSIM_PYTHON at a Python that has it")
    }

    /// Runs `runs` on the cluster; returns whether the sweep was interrupted.
    public func run(_ runs: [SweepRun], in folder: SweepFolder, interruption: Interruption, say: (String) -> Void) throws -> Bool {
        let planPath = (folder.path as NSString).appendingPathComponent("ray-plan.json")
        let resultsPath = (folder.path as NSString).appendingPathComponent("ray-results.jsonl")
        try? FileManager.default.removeItem(atPath: resultsPath)
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path) }
        let resumed = Set(runs.filter { folder.status(of: $0) == .interrupted }.map(\.name))
        let tasks: [JSONValue] = runs.map { run in
            let resume = resumed.contains(run.name)
            let arguments = Array(run.arguments(folder: "").dropLast(2))
            return .object([("name", .string(run.name)), ("arguments", .array(arguments.map { .string($0) })),
                            ("resume", .bool(resume)), ("threads", .int(Int64(run.threads))),
                            ("folder", .string(absolute(folder.folder(of: run)))), ("log", .string(absolute(folder.log(of: run))))])
        }
        let plan = JSONValue.object([("address", .string(address)), ("binary", .string(binary)), ("cwd", .string(cwd)),
                                     ("shared", .bool(shared)), ("results", .string(absolute(resultsPath))), ("tasks", .array(tasks))])
        do { try Data((plan.serialized + "\n").utf8).write(to: URL(fileURLWithPath: planPath), options: .atomic) } catch {
            throw TrainingError(message: "\(planPath): cannot write (\(error.localizedDescription))")
        }
        var environment: [String: String] = [:]
        if let module = Self.moduleFolder(beside: binary) {
            let existing = ProcessInfo.processInfo.environment["PYTHONPATH"].map { ":" + $0 } ?? ""
            environment["PYTHONPATH"] = module + existing
        }
        for run in runs { folder.running.insert(run.name) }
        let driver = try ChildProcess.start(try Self.executable(python), ["-m", "marlsim.ray_sweep", planPath], log: nil, environment: environment)
        var forwarded = false
        var status: Int32?
        while status == nil {
            if interruption.isRequested && !forwarded {
                forwarded = true
                say("stopping the Ray tasks")
                driver.send(SIGINT)
            }
            status = driver.poll()
            if status == nil { usleep(100_000) }
        }
        folder.running.removeAll()
        let lines = ((try? String(contentsOfFile: resultsPath, encoding: .utf8)) ?? "").split(separator: "\n")
        for line in lines {
            guard let result = try? JSONValue.parse(String(line)), case let .string(name)? = result["name"],
                  case let .int(exit)? = result["exit_status"], let run = runs.first(where: { $0.name == name }) else { continue }
            var host: String?
            if case let .string(h)? = result["host"] { host = h }
            try folder.record(run, exitStatus: Int32(truncatingIfNeeded: exit), host: host, resumed: resumed.contains(name))
        }
        try folder.save()
        switch status! {
        case 0, 130: return forwarded || status == 130
        case 3: throw Self.missingRay(python)
        default: throw TrainingError(message: "--backend ray: the Ray driver (\(python) -m marlsim.ray_sweep) ended with status \(status!); its message is above")
        }
    }

    /// The repository's python/ folder when `binary` is built in a checkout (.build/release/marl-sim),
    /// so that the module is found without installing the package.
    static func moduleFolder(beside binary: String) -> String? {
        var folder = URL(fileURLWithPath: binary).resolvingSymlinksInPath().deletingLastPathComponent().path
        for _ in 0..<6 {
            let candidate = (folder as NSString).appendingPathComponent("python")
            if FileManager.default.fileExists(atPath: candidate + "/marlsim/ray_sweep.py") { return candidate }
            folder = (folder as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// `name` as an executable path: itself when it names a file, else the first match on PATH.
    static func executable(_ name: String) throws -> String {
        if name.contains("/") { return name }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TrainingError(message: "--backend ray: no '\(name)' on PATH; install Python 3 or set MARLSIM_PYTHON")
    }
}
