import ArgumentParser
import Foundation
import Training
import Worlds

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the learners and the bundled worlds with their options.")

    func run() throws {
        emit("learners (marl-sim <world> --algo <name>; an unknown --set key lists the valid settings)")
        for entry in LearnerRegistry.all {
            emit("  \(entry.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(entry.summary) (\(entry.handles))")
        }
        emit("")
        emit("worlds")
        let files = WorldFiles.bundledWorlds()
        if files.isEmpty { emit("  (no envs/ folder found; set MARLSIM_ENVS)") }
        for file in files {
            do {
                let spec = try LuaWorld(file: file).spec
                let actions = Set(spec.actionSpaces.map(\.description)).sorted().joined(separator: " / ")
                emit("  \(file)")
                emit("      \(spec.name): \(spec.agents) agents, \(actions), limit \(spec.episodeLimit)\(spec.description.isEmpty ? "" : " — " + spec.description)")
                for option in spec.options ?? [] {
                    emit("      --env \(option.name)=<\(option.defaultValue)>  \(option.help)")
                }
            } catch {
                emit("  \(file)  (broken: \(String(describing: error).split(separator: "\n").first ?? ""))")
            }
        }
    }
}
