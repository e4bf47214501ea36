import ArgumentParser
import Common
import Foundation
import Training
import Worlds

/// `marl-sim replay`: films episodes as a self-contained HTML page to watch in a browser.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Write replay.html: greedy episodes of a trained run, or random play in a world.",
        discussion: """
            With a run folder, rebuilds the learner from config.json, loads model.safetensors and films \
            greedy episodes; with the defaults it rewrites the replay.html the run wrote at its end. \
            With a world file, films uniformly random play. Open the page in any browser: play/pause \
            (space), step (arrow keys), a step slider, the speed, and each step's reward.
            """)

    @Argument(help: "A run folder (with config.json and model.safetensors) or a world's Lua file.")
    var source: String

    @Option(help: "Episodes to film.")
    var episodes: Int = 3

    @Option(help: "The world seed of the filmed instance (default: the one the run's own replay used; 1 for a world file).")
    var seed: UInt64?

    @Option(help: "The page to write (default: replay.html in the run folder; <world>-replay.html for a world file).")
    var out: String?

    @Option(name: .customLong("env"), help: ArgumentHelp("A world option as key=value, for a world file (repeatable).", valueName: "key=value"))
    var env: [String] = []

    func validate() throws {
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1") }
    }

    func run() throws {
        do {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: source, isDirectory: &isFolder)
            guard exists else { throw OptionError(message: "\(source): no such run folder or world file") }
            let page: String, target: String, filmed: [ReplayEpisode]
            if isFolder.boolValue {
                guard env.isEmpty else {
                    throw OptionError(message: "--env applies to a world file; a run folder's world options come from its config.json")
                }
                let reopened = try ReopenedRun(folder: source)
                if reopened.worldChanged {
                    FileHandle.standardError.write(Data("note: \(reopened.run.file) changed since the run was trained (its hash differs from config.json's)\n".utf8))
                }
                let worldSeed = seed ?? reopened.run.replaySeed
                guard reopened.run.worldSpec.hasRender else {
                    throw OptionError(message: "\(reopened.run.file): the world has no render function, so there is nothing to film")
                }
                filmed = try reopened.run.recordReplay(episodes: episodes, worldSeed: worldSeed)
                page = reopened.run.replayPage(filmed, trainedSteps: reopened.trainedSteps, worldSeed: worldSeed)
                target = out ?? (source as NSString).appendingPathComponent("replay.html")
            } else {
                let options = try parseWorldOptions(env)
                let worldSeed = seed ?? 1
                let world = try LuaWorld(file: source, options: options, seed: worldSeed)
                guard world.spec.hasRender else {
                    throw OptionError(message: "\(source): the world has no render function, so there is nothing to film")
                }
                filmed = try ReplayEpisode.randomPlay(in: world, seed: worldSeed, episodes: episodes)
                page = ReplayPage.html(title: "random play on \(source)",
                                       details: "Uniformly random actions (world seed \(worldSeed)).",
                                       view: world.spec.view, episodes: filmed)
                let stem = ((source as NSString).lastPathComponent as NSString).deletingPathExtension
                target = out ?? "\(stem)-replay.html"
            }
            if out != nil, FileManager.default.fileExists(atPath: target, isDirectory: &isFolder) {
                let existing = isFolder.boolValue ? nil : (try? String(contentsOfFile: target, encoding: .utf8))
                guard existing?.contains(ReplayPage.generatorMark) == true else {
                    throw OptionError(message: "\(target): exists and is not a replay page this command wrote; choose another --out (a replay replaces only an earlier replay)")
                }
            }
            do {
                try Data(page.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
            } catch {
                throw OptionError(message: "\(target): cannot write the page (\(error.localizedDescription))")
            }
            let returns = filmed.map { String(format: "%.4g", $0.episodeReturn) }.joined(separator: ", ")
            emit("\(filmed.count) episode\(filmed.count == 1 ? "" : "s") (return\(filmed.count == 1 ? "" : "s") \(returns)) → \(target)")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw failure(error)
        }
    }
}
