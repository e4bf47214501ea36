import Common
import Foundation
import Tensors
import Worlds

/// A finished run folder opened again (for `marl-sim replay`): the world, learner, seed and
/// settings of its config.json, with the weights of its model.safetensors loaded.
public struct ReopenedRun {
    public let run: TrainingRun
    /// The steps the weights were trained for (summary.json; the `steps` setting without it).
    public let trainedSteps: Int
    /// The world file differs from the one trained on (config.json keeps its hash).
    public let worldChanged: Bool

    /// Settings that older run folders name differently: HASAC's and MASAC's `share_actor` flag is
    /// now `share_parameters` (true: one actor per group, which is all agents of those teams).
    static let renamed: [String: (name: String, value: (Bool) -> String)] = [
        "share_actor": ("share_parameters", { $0 ? "group" : "auto" }),
    ]

    static let rule = "rule: a run folder holds the config.json and model.safetensors that `marl-sim <world.lua> --algo <name>` wrote"

    public init(folder: String, limits: WorldLimits = WorldLimits()) throws {
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        func fail(_ path: String, _ message: String) -> TrainingError {
            TrainingError(message: "\(path): \(message)\n  \(Self.rule)")
        }
        let config: JSONValue
        do { config = try RunFolder.readConfig(folder: folder) } catch let error as TrainingError {
            throw TrainingError(message: "\(error.message)\n  \(Self.rule)")
        }
        guard case let .string(world)? = config["world"], case let .string(learner)? = config["learner"],
              case let .int(seed)? = config["seed"], case let .object(settings)? = config["settings"] else {
            throw fail(configPath, "needs the string fields 'world' and 'learner', the integer 'seed' and the object 'settings'")
        }
        guard FileManager.default.fileExists(atPath: world) else {
            throw fail(configPath, "the world '\(world)' is not found from \(FileManager.default.currentDirectoryPath) (run from the folder you trained in)")
        }
        var options: [(String, OptionValue)] = []
        if case let .object(pairs)? = config["world_options"] {
            for (key, value) in pairs {
                guard case let .string(text) = value else { throw fail(configPath, "world option '\(key)' must be a string") }
                options.append((key, OptionValue(parsing: text)))
            }
        }
        let overrides = try settings.map { key, value -> (String, String) in
            switch value {
            case let .int(i): return (key, String(i))
            case let .double(d): return (key, d.description)
            case let .bool(b): return Self.renamed[key].map { ($0.name, $0.value(b)) } ?? (key, b ? "true" : "false")
            case let .string(s): return (key, s)
            default: throw fail(configPath, "setting '\(key)' must be a number, a boolean or a string")
            }
        }
        run = try TrainingRun(file: world, options: options, learner: learner, overrides: overrides, seed: UInt64(bitPattern: seed),
                              folder: folder, limits: limits, overridesSource: configPath)

        let modelPath = (folder as NSString).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw fail(folder, "no model.safetensors (was the run trained with save_model=false?)")
        }
        do {
            try Safetensors.load(run.learner.parameters, from: URL(fileURLWithPath: modelPath))
        } catch {
            throw TrainingError(message: "\(modelPath): \(error)\n  rule: the checkpoint holds every tensor of the \(learner) learner that config.json describes, with the same shapes")
        }

        let summaryPath = (folder as NSString).appendingPathComponent("summary.json")
        if let summary = try? JSONValue.parse(String(contentsOfFile: summaryPath, encoding: .utf8)), case let .int(steps)? = summary["steps"] {
            trainedSteps = Int(steps)
        } else {
            trainedSteps = run.settings.int("steps")
        }
        if case let .string(recorded)? = config["world_fnv1a64"] {
            worldChanged = recorded != TrainingRun.fingerprint(ofFile: world)
        } else {
            worldChanged = false
        }
    }
}
