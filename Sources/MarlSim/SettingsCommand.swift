import ArgumentParser
import Training

/// `marl-sim settings [learner]` (also `marl-sim help settings [learner]`): the settings table.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Every setting of a learner (or all learners) with its type, default, allowed values and doc.")

    @Argument(help: "A learner (marl-sim list); all learners when omitted.")
    var learner: String?

    @Flag(help: "Print docs/settings.md (every learner, as Markdown tables).")
    var markdown = false

    func run() throws {
        do {
            emit(markdown ? SettingsReference.markdown : try SettingsReference.text(learner: learner))
        } catch {
            throw failure(error)
        }
    }
}
