import ArgumentParser
import Foundation
import Training
import Worlds

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the learners and the bundled worlds with their options.")

    func run() throws {
        emit("learners (marl-sim <world> --algo <name>; an unknown --set key lists the valid settings; every learner trains teams")
        emit("          whose agents differ in observation size and action space, within its action kind)")
        for entry in LearnerRegistry.all {
            let mixed = [entry.discrete, entry.continuous].contains { $0?.teams == .mixed } ? "; mixed teams too" : ""
            emit("  \(entry.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(entry.summary) (\(entry.handles)\(mixed))")
        }
        emit("")
        emit("worlds")
        let files = WorldFiles.bundledWorlds()
        if files.isEmpty { emit("  (no envs/ folder found; set MARLSIM_ENVS)") }
        for file in files {
            do {
                let spec = try LuaWorld(file: file).spec
                let actions = spec.isHomogeneous ? spec.actionSpaces[0].description : TrainingRun.layout(of: spec).agentSummary
                emit("  \(file)")
                emit("      \(spec.name): \(spec.agents) agents, \(actions), limit \(spec.episodeLimit)\(spec.description.isEmpty ? "" : " — " + spec.description)")
                for option in spec.options ?? [] {
                    emit("      --env \(option.name)=<\(option.kind == .free ? "no default" : option.defaultValue)>  \(option.help)")
                }
            } catch {
                emit("  \(file)  (broken: \(String(describing: error).split(separator: "\n").first ?? ""))")
            }
        }
    }
}
