import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program started by a sweep: in a process group of its own (a Ctrl-C at the terminal reaches the
/// sweep, which passes one SIGINT on to each run), its output appended to a log file, and told the
/// sweep's process id (`MARLSIM_SWEEP_PARENT`) so that it stops cleanly if the sweep dies.
struct ChildProcess {
    let pid: pid_t

    static let parentVariable = "MARLSIM_SWEEP_PARENT"

    /// Starts `executable` with `arguments`; stdout and stderr go to `log` (nil: the sweep's own).
    static func start(_ executable: String, _ arguments: [String], log: String?, environment extra: [String: String] = [:]) throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        environment[parentVariable] = String(getpid())
        for (key, value) in extra { environment[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let log {
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        sigemptyset(&empty)
        for signal in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw TrainingError(message: "\(executable): cannot start (\(String(cString: strerror(result))))")
        }
        return ChildProcess(pid: pid)
    }

    /// The exit status once the program has ended (128 + the signal if a signal ended it), else nil.
    func poll() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result < 0 ? 255 : nil }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    func send(_ signal: Int32) { kill(pid, signal) }
}

extension Interruption {
    /// In a run started by a sweep: stops the run at its next step, as Ctrl-C would, once the sweep
    /// that started it is gone (killed, say), so that no run goes on unwatched.
    public func stopWhenSweepEnds() {
        guard let text = ProcessInfo.processInfo.environment[ChildProcess.parentVariable], let parent = pid_t(text), parent > 1 else { return }
        let watcher = Thread { [unowned self] in
            while getppid() == parent { usleep(300_000) }
            self.request()
        }
        watcher.start()
    }
}
