import ArgumentParser
import Foundation
import Tensors

/// Entry points for the cross-check scripts under scripts/crosscheck (they drive both sides).
struct CrosscheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosscheck",
        abstract: "Cross-checks against reference implementations (run through scripts/crosscheck/*).",
        discussion: """
            torch-parity <dir>: reads weights and inputs that scripts/crosscheck/torch-parity wrote in safetensors \
            files, and writes marl-sim's forward values and gradients beside them.
            """)

    @Argument(help: "torch-parity")
    var check: String

    @Argument(help: "The folder the script prepared.")
    var directory: String

    func validate() throws {
        guard check == "torch-parity" else { throw ValidationError("unknown cross-check '\\(check)'; available: torch-parity") }
    }

    func run() throws {
        do {
            try TorchParity.run(directory: URL(fileURLWithPath: directory))
        } catch {
            throw failure(error)
        }
    }
}
