import Common
import Foundation
import Worlds

/// A stopped run made ready to continue (`marl-sim resume`): its world, learner, seed and settings
/// from config.json, and the checkpoint it continues from, both checked against each other and
/// against the world file as it is now.
public struct ResumedRun {
    public let run: TrainingRun
    public let checkpoint: CheckpointFile.Contents
    /// The checkpoint file used and the step it holds.
    public let checkpointFile: String
    public let step: Int

    static let rule = "rule: resume continues the run that config.json describes, from a checkpoint that run wrote, with the world file unchanged"

    /// `steps` extends (or shortens, not below the checkpoint) the run's length; `previous` uses the
    /// checkpoint before the last.
    public init(folder: String, steps: Int? = nil, previous: Bool = false, limits: WorldLimits = WorldLimits()) throws {
        let config = try ConfigFile.ofRun(folder)
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        guard let world = config.world, let learner = config.learner, let seed = config.seed else {
            throw TrainingError(message: "\(configPath): needs the fields 'world', 'learner' and 'seed'\n  \(Self.rule)")
        }
        guard FileManager.default.fileExists(atPath: world) else {
            throw TrainingError(message: "\(configPath): the world '\(world)' is not found from \(FileManager.default.currentDirectoryPath) (resume from the folder you trained in)\n  \(Self.rule)")
        }
        let now = TrainingRun.fingerprint(ofFile: world)
        if let recorded = config.worldFingerprint, recorded != now {
            throw TrainingError(message: "\(world): the world file changed since the run started (config.json records hash \(recorded), the file now hashes to \(now)); resuming would not continue the same run — put the file back as it was, or start a new run\n  \(Self.rule)")
        }

        let (file, contents) = try Self.checkpoint(in: folder, previous: previous)
        let header = contents.header
        let expected: [(String, JSONValue)] = [("learner", .string(learner)), ("world_fnv1a64", .string(now)),
                                               ("seed", .int(Int64(bitPattern: seed)))]
        for (key, value) in expected where header[key] != value {
            throw TrainingError(message: "\(file): the checkpoint belongs to another run (its \(key) is \(header[key].map { $0.serialized } ?? "missing"), config.json's is \(value.serialized))\n  \(Self.rule)")
        }
        guard case let .int(at)? = header["step"] else {
            throw TrainingError(message: "\(file): the checkpoint's header has no step\n  \(Self.rule)")
        }
        step = Int(at)

        var overrides: [(String, String)] = []
        if let steps {
            guard steps >= step else {
                throw TrainingError(message: "--steps \(steps): the checkpoint is at step \(step) already; give at least that many")
            }
            overrides.append(("steps", String(steps)))
        }
        run = try TrainingRun(file: world, options: config.worldOptions(overriddenBy: []), learner: learner,
                              configured: config.settings, configSource: configPath, overrides: overrides,
                              seed: seed, folder: folder, limits: limits, overridesSource: "resume --steps")
        let summaryPath = (folder as NSString).appendingPathComponent("summary.json")
        if let summary = try? JSONValue.parse(String(contentsOfFile: summaryPath, encoding: .utf8)),
           summary["interrupted"] == .bool(false), step >= run.settings.int("steps") {
            throw TrainingError(message: "\(folder): the run finished at step \(step); pass --steps N with N > \(step) to train it further")
        }
        if steps != nil { try RunFolder(reopening: folder).write(run.config, to: "config.json") }
        checkpoint = contents
        checkpointFile = file
    }

    /// The checkpoint to continue from: the last one, or the one before it with `previous` (or when
    /// the last is missing because a write stopped between its two renames). A damaged last one is
    /// refused, naming the previous one when that is intact.
    static func checkpoint(in folder: String, previous: Bool) throws -> (String, CheckpointFile.Contents) {
        let latest = (folder as NSString).appendingPathComponent(CheckpointFile.latestName)
        let before = (folder as NSString).appendingPathComponent(CheckpointFile.previousName)
        let fm = FileManager.default
        if previous || !fm.fileExists(atPath: latest) {
            guard fm.fileExists(atPath: before) else {
                throw TrainingError(message: "\(folder): no checkpoint to resume from (\(previous ? CheckpointFile.previousName : CheckpointFile.latestName) is missing)\n  \(Self.rule)")
            }
            return (before, try CheckpointFile.read(before))
        }
        do {
            return (latest, try CheckpointFile.read(latest))
        } catch let error as TrainingError {
            var message = error.message
            if fm.fileExists(atPath: before), let intact = try? CheckpointFile.read(before), case let .int(step)? = intact.header["step"] {
                message += "\n  the previous checkpoint (step \(step)) is intact: marl-sim resume \(folder) --previous"
            } else {
                message += "\n  there is no intact previous checkpoint"
            }
            throw TrainingError(message: message)
        }
    }
}
