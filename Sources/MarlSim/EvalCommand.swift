import ArgumentParser
import Common
import Foundation
import Training
import Worlds

/// `marl-sim eval`: the returns of a trained run's team over many episodes, with their spread.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained run: return mean, std, 95% bootstrap interval, min/max, length and info means.",
        discussion: """
            Rebuilds the learner from the run folder's config.json and model.safetensors and plays \
            --episodes episodes, greedily (as the test rounds) or with --stochastic sampling its \
            behaviour policy. The interval is the percentile bootstrap of the mean (10 000 resamples, \
            seeded), so the same run, seed and episodes always print the same text.
            """)

    @Argument(help: "A run folder (with config.json and model.safetensors).")
    var folder: String

    @Option(help: "Episodes to play.")
    var episodes: Int = 100

    @Option(help: "The world seed of the evaluation instances.")
    var seed: UInt64 = 1

    @Flag(help: "Sample the behaviour policy (exploration as in training) instead of acting greedily.")
    var stochastic = false

    @Flag(help: "Print one JSON object (with every episode's return) instead of text.")
    var json = false

    @Option(name: .customLong("env"), help: ArgumentHelp("A world option replacing the trained one (repeatable): evaluate on a variant of the world.", valueName: "key=value"))
    var env: [String] = []

    func validate() throws {
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1") }
    }

    func run() throws {
        do {
            let reopened = try ReopenedRun(folder: folder, options: try parseWorldOptions(env))
            if reopened.worldChanged {
                FileHandle.standardError.write(Data("note: \(reopened.run.file) changed since the run was trained (its hash differs from config.json's)\n".utf8))
            }
            let result = try reopened.run.evaluate(episodes: episodes, worldSeed: seed, stochastic: stochastic)
            if json {
                emit(result.json(stochastic: stochastic, worldSeed: seed).serialized)
                return
            }
            let s = result.statistics, lengths = Statistics(result.lengths)
            let variant = env.isEmpty ? "" : " (" + env.joined(separator: " ") + ")"
            emit("eval  \(folder)  \(reopened.run.entry.name) on \(reopened.run.file)\(variant), \(stochastic ? "stochastic" : "greedy"), "
                 + "\(episodes) episodes, world seed \(seed), weights after \(reopened.trainedSteps) steps")
            emit(String(format: "return   mean %.6g  std %.6g  95%% interval [%.6g, %.6g]  min %.6g  max %.6g",
                        s.mean, s.std, result.interval.lowerBound, result.interval.upperBound, s.min, s.max))
            emit(String(format: "length   mean %.6g  min %.0f  max %.0f", lengths.mean, lengths.min, lengths.max))
            for (key, mean) in result.info { emit(String(format: "info     %@ mean %.6g", key, mean)) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw failure(error)
        }
    }
}
