import ArgumentParser
import Common
import Foundation
import Worlds

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Print one episode as JSON lines: t, actions, reward, terminated, info, observations, state, available, snapshot.",
        discussion: "Line t = 0 holds the state after reset. Without --actions, actions are uniformly random from the seed.")

    @OptionGroup var world: WorldOptions

    @Option(help: "A JSON object passed to the world's restore after reset.")
    var restore: String?

    @Option(help: "A JSON array, one entry per step, each an array with one action per agent (1..n, or an array of numbers).")
    var actions: String?

    @Option(help: "The seed.")
    var seed: UInt64 = 1

    func run() throws {
        do {
            let trace = Trace(file: world.world, options: try world.parsedOptions(), seed: seed,
                                     restore: try restore.map { try Self.readJSON($0) },
                                     actions: try actions.map { try Self.readJSON($0) }, limits: world.limits)
            try trace.run(emit: emit)
        } catch {
            throw failure(error)
        }
    }

    static func readJSON(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OptionError(message: "\(path): cannot read the file")
        }
        do {
            return try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch let error as JSONParseError {
            throw OptionError(message: "\(path):\(error.line): not valid JSON (column \(error.column): \(error.reason))")
        }
    }
}
