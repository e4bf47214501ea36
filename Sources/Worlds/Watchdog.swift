import CLua
import Foundation

/// One background thread for all Lua states of the process. It arms a stop hook in a state only
/// when a world call has run past its time budget, so calls that finish in time pay nothing.
final class Watchdog: @unchecked Sendable {
    static let shared = Watchdog()

    private let lock = NSLock()
    private var controls: [UnsafeMutablePointer<marl_control>] = []
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

    /// After this returns the watchdog no longer touches `control`, so it may be freed.
    func unregister(_ control: UnsafeMutablePointer<marl_control>) {
        lock.lock()
        controls.removeAll { $0 == control }
        lock.unlock()
    }

    private func run() {
        while true {
            usleep(20_000)
            let now = marl_now_ns()
            lock.lock()
            for control in controls { marl_watchdog_check(control, now) }
            lock.unlock()
        }
    }
}
