import Foundation
import XCTest

/// Runs the built `marl-sim` binary as a user would, with a time limit.
struct CommandResult {
    var status: Int32
    /// False when the process ended by a signal (a crash) or had to be killed (a hang).
    var exitedNormally: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String
    var seconds: Double
}

enum Repository {
    /// The checkout's root folder.
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        let next = Bundle.main.bundleURL.appendingPathComponent("marl-sim")
        if FileManager.default.fileExists(atPath: next.path) { return next }
        return root.appendingPathComponent(".build/debug/marl-sim")
    }

    static let fixtures = root.appendingPathComponent("Tests/MarlSimTests/Fixtures")
}

func runMarlSim(_ arguments: [String], timeout: Double = 30, directory: URL = Repository.root) throws -> CommandResult {
    var environment = ProcessInfo.processInfo.environment
    environment["MARLSIM_ENVS"] = directory.appendingPathComponent("envs").path
    return try runProgram(Repository.binary, arguments, timeout: timeout, directory: directory, environment: environment)
}

/// Runs any program with a time limit, both pipes drained.
func runProgram(_ executable: URL, _ arguments: [String], timeout: Double, directory: URL = Repository.root,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    let start = Date()
    try process.run()
    // Drain both pipes while the process runs so that a chatty command cannot block on them.
    let outData = Drained(out), errData = Drained(err)
    let timedOut = done.wait(timeout: .now() + timeout) == .timedOut
    if timedOut {
        process.terminate()
        done.wait()
    }
    return CommandResult(status: process.terminationStatus,
                         exitedNormally: process.terminationReason == .exit && !timedOut,
                         timedOut: timedOut,
                         stdout: String(decoding: outData.wait(), as: UTF8.self),
                         stderr: String(decoding: errData.wait(), as: UTF8.self),
                         seconds: Date().timeIntervalSince(start))
}

/// Reads a pipe to its end on a background thread.
final class Drained: @unchecked Sendable {
    private var data = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        DispatchQueue.global().async {
            self.data = pipe.fileHandleForReading.readDataToEndOfFile()
            self.finished.signal()
        }
    }

    func wait() -> Data {
        finished.wait()
        return data
    }
}

/// A failed command must end with exit status 1, by itself, within 15 s, and say one `error:`.
func assertCleanFailure(_ result: CommandResult, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(result.exitedNormally, "\(context): crashed or hung (\(result.seconds) s)\n\(result.stderr)", file: file, line: line)
    XCTAssertEqual(result.status, 1, "\(context): exit status\n\(result.stderr)", file: file, line: line)
    XCTAssertLessThan(result.seconds, 15, "\(context): took too long", file: file, line: line)
    let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
    XCTAssertEqual(errors.count, 1, "\(context): expected one error line\n\(result.stderr)", file: file, line: line)
    XCTAssertTrue(result.stderr.contains("\n  rule: "), "\(context): the error names no rule\n\(result.stderr)", file: file, line: line)
}
