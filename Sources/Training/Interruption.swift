import Foundation

/// Turns Ctrl-C (SIGINT) and SIGTERM into a flag the training loop polls, so a run stops at a
/// step boundary and still writes its summary and weights.
public final class Interruption: @unchecked Sendable {
    public static let shared = Interruption()

    private let lock = NSLock()
    private var requested = false
    private var sources: [DispatchSourceSignal] = []

    /// Starts listening; until then the signals keep their default action.
    public func install() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in
                self.lock.lock()
                let second = self.requested
                self.requested = true
                self.lock.unlock()
                // A second Ctrl-C while the run is finishing stops at once; the checkpoint written
                // when the loop ended lets `marl-sim resume` finish the run.
                if second {
                    FileHandle.standardError.write(Data("\nstopped at once; marl-sim resume <run folder> finishes the run from its last checkpoint\n".utf8))
                    exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// For tests: asks for a stop as a signal would.
    public func request() {
        lock.lock()
        requested = true
        lock.unlock()
    }
}
