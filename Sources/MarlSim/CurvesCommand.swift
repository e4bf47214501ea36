import ArgumentParser
import Common
import Foundation
import Training
import Worlds

/// `marl-sim curves`: the learning curves of many runs in one SVG, grouped by learner.
struct CurvesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curves",
        abstract: "Draw the learning curves of run folders in one SVG: per learner, the mean over its runs and the min-max band.",
        discussion: """
            Runs are grouped by the learner in their config.json (and their world, file and options, \
            when the runs cover more than one), or by --label-by world or run; each group gets one \
            line, the mean over its runs on the union of their logged steps (each run interpolated \
            between its rows, up to the earliest last step), over the band between their lowest and \
            highest value. A run whose summary.json says it was interrupted (or that has none yet) is \
            counted as unfinished in its line's legend entry. --metric with `*`, `?` or `[...]` draws \
            every matching column, one line per group and column (`--metric 'alpha_*'`: each agent's \
            temperature). --baseline draws a dashed level: a number, or `random` \
            for random play's mean return in the runs' world (1000 episodes, seed 1; one world only).
            """)

    @Argument(help: "Run folders (each with config.json and metrics.csv).")
    var folders: [String]

    @Option(help: "The metrics.csv column to draw (e.g. test_won_mean), or a glob of columns (e.g. 'alpha_*').")
    var metric: String = "test_return_mean"

    @Option(help: "Group runs by: learner, world, or run (one line per folder).")
    var labelBy: Grouping = .learner

    @Option(help: "The chart's title (default: the world(s) and the metric).")
    var title: String?

    @Option(help: "The SVG file to write.")
    var out: String = "curves.svg"

    @Option(help: ArgumentHelp("A dashed reference level: a number, or `random` (random play in the runs' world).", valueName: "value|random"))
    var baseline: String?

    enum Grouping: String, ExpressibleByArgument, CaseIterable {
        case learner, world, run
    }

    func validate() throws {
        guard !folders.isEmpty else { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        do {
            var read: [(learner: String, world: String, folder: String, column: String, steps: [Double], values: [Double])] = []
            var worlds: [String] = []
            var interrupted: Set<Int> = []
            var configs: [ConfigFile] = []
            for folder in folders {
                let config = try ConfigFile.ofRun(folder)
                guard let learner = config.learner, let file = config.world else {
                    throw OptionError(message: "\(folder)/config.json: needs the string fields 'learner' and 'world'")
                }
                let columns = try RunFolder.readMetrics(folder: folder)
                let drawn = Self.columns(matching: metric, in: columns.keys)
                guard let steps = columns["step"], !drawn.isEmpty else {
                    throw OptionError(message: "\(folder)/metrics.csv: no column '\(metric)'; columns: \(columns.keys.sorted().joined(separator: ", "))")
                }
                // A world is its file and its options: speaker_listener with actions=continuous is another world.
                let world = ([file] + config.worldOptions.map { "\($0.0)=\($0.1)" }).joined(separator: " ")
                if !worlds.contains(world) { worlds.append(world) }
                configs.append(config)
                let summary = try? JSONValue.parse(String(contentsOfFile: (folder as NSString).appendingPathComponent("summary.json"), encoding: .utf8))
                for column in drawn {
                    if summary?["interrupted"] != .bool(false) { interrupted.insert(read.count) }
                    read.append((learner, world, folder, column, steps, columns[column]!))
                }
            }
            let manyColumns = Set(read.map(\.column)).count > 1
            // Runs of one learner on different worlds are different lines, each named with its world.
            let groups = read.map { run -> String in
                switch labelBy {
                case .learner: return worlds.count > 1 ? "\(run.learner) on \(run.world)" : run.learner
                case .world: return run.world
                case .run: return (run.folder as NSString).lastPathComponent
                }
            }
            // With many columns each line is a group's column; one group needs no group name.
            let oneGroup = Set(groups).count == 1
            let runs = zip(groups, read).map { group, run -> (label: String, steps: [Double], values: [Double]) in
                let label = !manyColumns ? group : oneGroup ? run.column : "\(group): \(run.column)"
                return (label, run.steps, run.values)
            }
            var chart = LearningCurve.comparing(title: title ?? "\(worlds.joined(separator: ", ")): \(metric)",
                                                valueLabel: metric == "test_return_mean" ? "greedy test return per episode" : metric,
                                                runs: runs, interrupted: interrupted)
            if let baseline {
                if let value = Double(baseline), value.isFinite {
                    chart.addLevel(value, name: "baseline \(baseline)")
                } else if baseline == "random" {
                    guard worlds.count == 1, let file = configs[0].world else {
                        throw OptionError(message: "--baseline random needs runs of one world; these cover \(worlds.joined(separator: ", "))")
                    }
                    let returns = try Rollout(file: file, options: configs[0].worldOptions(overriddenBy: []), seed: 1, instances: 2)
                        .run(episodes: 1000).map(\.episodeReturn)
                    let mean = Statistics(returns).mean
                    chart.addLevel(mean, name: String(format: "random play (%.4g)", mean))
                } else {
                    throw OptionError(message: "--baseline takes a number or 'random', got '\(baseline)'")
                }
            }
            do {
                try Data(chart.svg().utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw OptionError(message: "\(out): cannot write (\(error.localizedDescription))")
            }
            emit("\(chart.series.count) curve\(chart.series.count == 1 ? "" : "s") from \(folders.count) run\(folders.count == 1 ? "" : "s") → \(out)")
        } catch {
            throw failure(error)
        }
    }

    /// The columns `pattern` names: itself, or every column its shell glob (`*`, `?`, `[...]`) matches,
    /// in natural order, so that `alpha_2` comes before `alpha_10`.
    static func columns(matching pattern: String, in names: some Collection<String>) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else { return names.contains(pattern) ? [pattern] : [] }
        func key(_ name: String) -> (String, Int) {
            let digits = name.reversed().prefix(while: \.isNumber)
            return (String(name.dropLast(digits.count)), Int(String(digits.reversed())) ?? -1)
        }
        return names.filter { $0 != "step" && fnmatch(pattern, $0, 0) == 0 }.sorted { key($0) < key($1) }
    }
}
