import ArgumentParser
import Common
import Foundation
import Worlds

@main
struct MarlSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marl-sim",
        abstract: "A workbench for cooperative multi-agent reinforcement learning; worlds are Lua scripts.",
        discussion: """
            Worlds are Lua 5.4 files (see docs/writing-worlds.md for the world contract). Start with
              marl-sim list
              marl-sim check envs/matrix/nonmono.lua
            """,
        subcommands: [RunCommand.self, ResumeCommand.self, EvalCommand.self, ReplayCommand.self, CurvesCommand.self, SweepCommand.self, CheckCommand.self, RolloutCommand.self, TraceCommand.self, ListCommand.self, SettingsCommand.self, BenchCommand.self,
                      CrosscheckCommand.self],
        defaultSubcommand: RunCommand.self)

    /// `marl-sim help settings [learner]` prints the settings table rather than the command's usage.
    /// A wrong option or value exits with status 1 like every other error (ArgumentParser's own is 64).
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.starts(with: ["help", "settings"]) { arguments.removeFirst() }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write((fullMessage(for: error) + "\n").data(using: .utf8)!)
            Foundation.exit(1)
        }
    }
}

/// Options every command that loads a world shares.
struct WorldOptions: ParsableArguments {
    @Argument(help: "The world: a Lua file.")
    var world: String

    @Option(name: .customLong("env"), help: ArgumentHelp("A world option as key=value (repeatable); numbers arrive as numbers.", valueName: "key=value"))
    var env: [String] = []

    @OptionGroup var instanceLimits: InstanceLimits

    var limits: WorldLimits { instanceLimits.limits }

    func parsedOptions() throws -> [(String, OptionValue)] { try parseWorldOptions(env) }
}

/// The limits of each world instance: `--memory-limit` and `--time-budget`.
struct InstanceLimits: ParsableArguments {
    @Option(help: "Memory cap of one world instance, in MiB.")
    var memoryLimit: Int = 256

    @Option(help: "Longest a single call into the world may run, in milliseconds of CPU time.")
    var timeBudget: Int = 5000

    var limits: WorldLimits { WorldLimits(memoryMiB: memoryLimit, timeBudgetMs: timeBudget) }

    func validate() throws {
        guard memoryLimit >= 1 else { throw ValidationError("--memory-limit must be at least 1 MiB") }
        guard timeBudget >= 1 else { throw ValidationError("--time-budget must be at least 1 ms") }
    }
}

/// Prints an error the way every command does: one `error:` block on stderr, exit status 1.
func failure(_ error: Error) -> ExitCode {
    let text: String
    switch error {
    case let error as WorldError: text = error.description
    case let error as CustomStringConvertible: text = error.description
    default: text = "\(error)"
    }
    FileHandle.standardError.write(("error: " + text + "\n").data(using: .utf8)!)
    return ExitCode(1)
}

/// Writes a line to stdout at once (stdout is block-buffered when piped).
func emit(_ line: String) {
    fputs(line + "\n", stdout)
    fflush(stdout)
}
