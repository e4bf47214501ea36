import CLua
import Foundation

/// One background thread for all Lua states of the process. It arms a stop hook in a state only
/// when a world call has used more CPU time than its budget, so calls that finish in time pay
/// nothing. A call that goes on past the hook — stuck inside a C library function, where the hook
/// cannot fire — ends the process through `stuckHandler` after a grace period.
public final class Watchdog: @unchecked Sendable {
    static let shared = Watchdog()

    /// CPU time a call may run past the armed hook before it counts as stuck in a C function.
    static let graceMs: Int64 = 1000

    /// Called (on the watchdog thread) with the error for a call stuck in a C function; it must
    /// not return. The default prints the error and exits with status 1; a training run replaces it
    /// to record the stop in its run folder first.
    nonisolated(unsafe) public static var stuckHandler: (WorldError) -> Never = { error in
        FileHandle.standardError.write(Data(("error: " + error.description + "\n").utf8))
        exit(1)
    }

    private let lock = NSLock()
    private var controls: [UnsafeMutablePointer<marl_control>] = []
    private var files: [UnsafeMutablePointer<marl_control>: String] = [:]
    private var thread: Thread?

    func register(_ control: UnsafeMutablePointer<marl_control>) {
        lock.lock()
        defer { lock.unlock() }
        controls.append(control)
        if thread == nil {
            // A default-sized stack: linked libraries with large thread-local storage (OpenBLAS)
            // make a small one fail to start, silently, which would leave runaway worlds unstopped.
            let started = DispatchSemaphore(value: 0)
            let t = Thread { [unowned self] in
                started.signal()
                self.run()
            }
            t.name = "marl-sim watchdog"
            thread = t
            t.start()
            if started.wait(timeout: .now() + 5) == .timedOut {
                FileHandle.standardError.write(Data("warning: the watchdog thread did not start; runaway worlds will not be stopped\n".utf8))
            }
        }
    }

    /// Names the world file a state runs, for the error of a stuck call.
    func name(_ control: UnsafeMutablePointer<marl_control>, file: String) {
        lock.lock()
        files[control] = file
        lock.unlock()
    }

    /// After this returns the watchdog no longer touches `control`, so it may be freed.
    func unregister(_ control: UnsafeMutablePointer<marl_control>) {
        lock.lock()
        controls.removeAll { $0 == control }
        files[control] = nil
        lock.unlock()
    }

    private func run() {
        while true {
            usleep(20_000)
            var stuck: (file: String, budget: Int)?
            lock.lock()
            for control in controls where marl_watchdog_check(control, Self.graceMs) == Int32(MARL_CALL_STUCK) {
                stuck = (files[control] ?? "the world", Int(control.pointee.budget_ms))
            }
            lock.unlock()
            if let stuck {
                Self.stuckHandler(WorldError(
                    file: stuck.file,
                    message: "a call into the world ran past its time budget of \(stuck.budget) ms inside a C library function "
                        + "(a string.find, string.match, string.gsub or table.sort that does not finish, such as a pattern that backtracks "
                        + "without end), where it cannot be interrupted; the process stops",
                    rule: ContractRule.timeBudget(stuck.budget)))
            }
        }
    }
}
