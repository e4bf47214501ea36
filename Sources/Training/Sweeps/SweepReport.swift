import Common
import Foundation
import Worlds

/// A sweep's results (docs/sweeps.md "The report"): a table per experiment, one row per world ×
/// learner × settings combination, over its seeds: runs finished, the final metric's mean, standard
/// deviation, 95 % bootstrap interval and interquartile mean, the win rate where the world reports
/// one, the spec's bins and bar, wall time and speed, and each seed's final value. Written as
/// report.md and report.csv, with one `marl-sim curves` figure per world.
public struct SweepReport {
    /// One row: the runs of one configuration over its seeds.
    public struct Row {
        public var experiment: Int
        public var group: String
        public var runs: [SweepRun]
        var results: [RunResult]
        var statuses: [RunStatus]
        /// The final metric of each finished run, in seed order.
        public var finals: [Double]
        public var bar: Double?

        public var finished: Int { statuses.filter { $0 == .finished }.count }
        public var mean: Double { finals.isEmpty ? .nan : finals.reduce(0, +) / Double(finals.count) }

        /// The sample standard deviation (n − 1); 0 for one run.
        public var std: Double {
            guard finals.count > 1 else { return finals.isEmpty ? .nan : 0 }
            let m = mean
            return (finals.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(finals.count - 1)).squareRoot()
        }

        /// The percentile bootstrap's 95 % interval of the mean (10 000 resamples, seeded), computed once.
        public var interval: ClosedRange<Double> = .nan ... .nan

        /// The interquartile mean: the mean of the values left after the lowest and highest quarter
        /// (⌊n/4⌋ each) are dropped, as rliable computes it.
        public var interquartileMean: Double { Self.interquartileMean(finals) }

        static func interquartileMean(_ values: [Double]) -> Double {
            guard !values.isEmpty else { return .nan }
            let cut = values.count / 4
            let middle = values.sorted()[cut..<(values.count - cut)]
            return middle.reduce(0, +) / Double(middle.count)
        }

        var winRate: Double? {
            let won = zip(results, statuses).filter { $0.1 == .finished }.compactMap(\.0.won)
            return won.isEmpty ? nil : won.reduce(0, +) / Double(won.count)
        }

        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        var wallSeconds: Double? { mean(zip(results, statuses).filter { $0.1 == .finished }.compactMap(\.0.wallSeconds)) }
        var stepsPerSecond: Double? { mean(zip(results, statuses).filter { $0.1 == .finished }.compactMap(\.0.stepsPerSecond)) }
    }

    public let folder: SweepFolder
    public let rows: [Row]

    /// Reads every run of the sweep; `reference` measures random or scripted play where a bar needs it.
    public init(folder: SweepFolder,
                reference: (_ world: String, _ options: [(String, String)], _ policy: RolloutPolicy, _ episodes: Int) throws -> Double = SweepReport.rollout) throws {
        self.folder = folder
        let plan = folder.plan
        var rows: [Row] = []
        var measured: [String: Double] = [:]
        for run in plan.runs {
            let rules = plan.spec.experiments[run.experiment].report
            let result = RunResult(folder: folder.folder(of: run), metric: rules.metric)
            let status = folder.status(of: run)
            if let k = rows.firstIndex(where: { $0.experiment == run.experiment && $0.group == run.group }) {
                rows[k].runs.append(run)
                rows[k].results.append(result)
                rows[k].statuses.append(status)
            } else {
                var bar: Double?
                if let expression = rules.bar {
                    var values: [String: Double] = [:]
                    for name in expression.references {
                        let key = "\(name) \(rules.referenceEpisodes) \(SweepPlan.label(run.world, run.options))"
                        if measured[key] == nil {
                            measured[key] = try reference(run.world, run.options, RolloutPolicy(rawValue: name)!, rules.referenceEpisodes)
                        }
                        values[name] = measured[key]
                    }
                    bar = expression.value(references: values)
                }
                rows.append(Row(experiment: run.experiment, group: run.group, runs: [run], results: [result], statuses: [status], finals: [], bar: bar))
            }
        }
        for k in rows.indices {
            rows[k].finals = zip(rows[k].results, rows[k].statuses).filter { $0.1 == .finished }.compactMap(\.0.final)
            rows[k].interval = Evaluation.bootstrapInterval(rows[k].finals, resamples: 10_000)
        }
        self.rows = rows
        referenceLevels = measured
    }

    /// The random and scripted play measured for bars, by "policy episodes world".
    public let referenceLevels: [String: Double]

    /// Mean return of `episodes` episodes of random or scripted play (seed 1), for a bar.
    public static func rollout(world: String, options: [(String, String)], policy: RolloutPolicy, episodes: Int) throws -> Double {
        let outcomes = try Rollout(file: world, options: options.map { ($0.0, OptionValue(parsing: $0.1)) }, seed: 1, instances: 2,
                                   threads: 1, policy: policy).run(episodes: episodes)
        return Statistics(outcomes.map(\.episodeReturn)).mean
    }

    // MARK: tables

    /// One experiment's table: a title, a header and rows of cells.
    struct Table {
        var title: String
        var notes: [String]
        var header: [String]
        var cells: [[String]]
    }

    var tables: [Table] {
        let spec = folder.plan.spec
        return spec.experiments.indices.compactMap { index -> Table? in
            let experiment = spec.experiments[index]
            let rules = experiment.report
            let rows = self.rows.filter { $0.experiment == index }
            guard !rows.isEmpty else { return nil }
            let worlds = experiment.worlds.map { ([$0.file] + $0.options.map { "\($0.0)=\($0.1)" }).joined(separator: " ") }.joined(separator: ", ")
                + experiment.options.map { " \($0.name)=\($0.value)" }.joined()
            let title = (experiment.name.map { "\($0) (\(worlds))" } ?? worlds) + " — final \(rules.metric)"
            let showWins = rules.metric != "test_won_mean" && rows.contains { $0.winRate != nil }
            var header = ["row", "runs", "mean", "std", "95% CI", "IQM"]
            if showWins { header.append("win rate") }
            header += rules.bins.map(\.name)
            if !rules.bins.isEmpty { header.append("other") }
            if rules.bar != nil { header += ["≥ bar", "first ≥ bar"] }
            header += ["wall s", "steps/s", "final per seed"]
            var notes: [String] = []
            if let bar = rules.bar {
                let levels = rows.compactMap(\.bar).map(Self.number)
                let measured = referenceLevels.filter { key, _ in rows.contains { key.hasSuffix(SweepPlan.label($0.runs[0].world, $0.runs[0].options)) } }
                    .sorted { $0.key < $1.key }.map { "\($0.key.split(separator: " ").first!) play \(Self.number($0.value))" }
                let value = bar.references.isEmpty ? "" : " = \(Set(levels).sorted().joined(separator: ", "))"
                notes.append("bar: \(bar)\(value)" + (measured.isEmpty ? "" : " (\(measured.joined(separator: ", ")), \(rules.referenceEpisodes) episodes, seed 1)"))
            }
            if let note = rules.note { notes.append(note) }
            let cells = rows.map { row -> [String] in
                let failed = row.statuses.filter { $0 == .failed }.count
                var line = [row.group, "\(row.finished)/\(row.runs.count)" + (failed > 0 ? " (\(failed) failed)" : ""),
                            Self.number(row.mean), Self.number(row.std),
                            row.finals.isEmpty ? "—" : "[\(Self.number(row.interval.lowerBound)), \(Self.number(row.interval.upperBound))]",
                            Self.number(row.interquartileMean)]
                if showWins { line.append(row.winRate.map(Self.number) ?? "—") }
                if !rules.bins.isEmpty {
                    var counted = 0
                    for bin in rules.bins {
                        let n = row.finals.filter { bin.low == bin.high ? $0 == bin.low : (bin.low <= $0 && $0 < bin.high) }.count
                        counted += n
                        line.append(String(n))
                    }
                    line.append(String(row.finals.count - counted))
                }
                if rules.bar != nil, let bar = row.bar {
                    line.append("\(row.finals.filter { $0 >= bar }.count)/\(row.finals.count)")
                    line.append(zip(row.results, row.statuses).filter { $0.1 == .finished }
                        .map { $0.0.firstStep(reaching: bar).map(Self.steps) ?? "never" }.joined(separator: " "))
                }
                line.append(row.wallSeconds.map { String(format: "%.1f", $0) } ?? "—")
                line.append(row.stepsPerSecond.map { String(format: "%.0f", $0) } ?? "—")
                line.append(zip(row.results, row.statuses).map { result, status in
                    status == .finished ? (result.final.map(Self.number) ?? "?") : status.rawValue
                }.joined(separator: " "))
                return line
            }
            return Table(title: title, notes: notes, header: header, cells: cells)
        }
    }

    /// Metrics columns of each run every `every` steps, for the experiments whose report asks.
    var traces: [String] {
        let spec = folder.plan.spec
        var lines: [String] = []
        for (index, experiment) in spec.experiments.enumerated() {
            guard let trace = experiment.report.trace else { continue }
            for (row, run) in rows.filter({ $0.experiment == index }).flatMap({ row in row.runs.indices.map { (row, $0) } }) {
                let columns = row.results[run].columns
                guard let steps = columns["step"] else { continue }
                for (k, step) in steps.enumerated() where step > 0 && Int(step) % trace.every == 0 {
                    let values = trace.columns.map { name in "\(name) \(columns[name].map { Self.number($0[k]) } ?? "—")" }
                    lines.append("\(row.runs[run].name) step \(Int(step)): \(values.joined(separator: ", "))")
                }
            }
        }
        return lines
    }

    /// The report as plain text, columns aligned (what the sweep command prints).
    public var text: String {
        var out = ""
        for table in tables {
            out += "\(table.title)\n"
            let widths = table.header.indices.map { c in ([table.header[c]] + table.cells.map { $0[c] }).map(\.count).max()! }
            for line in [table.header] + table.cells {
                out += line.enumerated().map { c, cell in
                    c == line.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                }.joined(separator: "  ") + "\n"
            }
            for note in table.notes { out += "  \(note)\n" }
            out += "\n"
        }
        let traces = self.traces
        if !traces.isEmpty { out += "traces:\n" + traces.map { "  \($0)\n" }.joined() }
        return out
    }

    public var markdown: String {
        var out = "# Sweep \(folder.plan.spec.title)\n\n"
        out += "Spec `\(folder.specShown)`; \(rows.map(\.finished).reduce(0, +)) of \(folder.plan.runs.count) runs finished. "
        out += "Each row is one configuration over its seeds: mean, sample standard deviation, the 95 % percentile-bootstrap interval of the mean (10 000 resamples) and the interquartile mean of each finished run's final value; wall time and steps/s are means per run.\n\n"
        for table in tables {
            out += "## \(table.title)\n\n"
            out += "| " + table.header.joined(separator: " | ") + " |\n"
            out += "|" + table.header.map { _ in " --- " }.joined(separator: "|") + "|\n"
            for line in table.cells { out += "| " + line.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
            out += "\n" + table.notes.map { "\($0)\n\n" }.joined()
        }
        let traces = self.traces
        if !traces.isEmpty { out += "## Traces\n\n```\n" + traces.joined(separator: "\n") + "\n```\n" }
        return out
    }

    /// One line per row, every statistic in its own column (bins as `bin:<name>`).
    public var csv: String {
        let spec = folder.plan.spec
        var binNames: [String] = []
        for experiment in spec.experiments { for bin in experiment.report.bins where !binNames.contains(bin.name) { binNames.append(bin.name) } }
        let header = ["experiment", "row", "world", "learner", "metric", "runs", "finished", "failed", "mean", "std", "ci95_low", "ci95_high", "iqm",
                      "win_rate", "bar", "at_or_above_bar"] + binNames.map { "bin:\($0)" } + ["wall_seconds_mean", "steps_per_s_mean", "finals"]
        var out = header.map(Self.csvCell).joined(separator: ",") + "\n"
        for row in rows {
            let experiment = spec.experiments[row.experiment]
            let run = row.runs[0]
            func value(_ x: Double?) -> String { x.map { $0.isFinite ? JSONValue.format($0) : "" } ?? "" }
            let interval: ClosedRange<Double>? = row.finals.isEmpty ? nil : row.interval
            let atOrAbove: String = row.bar.map { bar in String(row.finals.filter { $0 >= bar }.count) } ?? ""
            var cells: [String] = [experiment.name ?? String(row.experiment + 1), row.group, SweepPlan.label(run.world, run.options), run.learner]
            cells += [experiment.report.metric, String(row.runs.count), String(row.finished), String(row.statuses.filter { $0 == .failed }.count)]
            cells += [value(row.mean), value(row.std), value(interval?.lowerBound), value(interval?.upperBound)]
            cells += [value(row.interquartileMean), value(row.winRate), value(row.bar), atOrAbove]
            for name in binNames {
                guard let bin = experiment.report.bins.first(where: { $0.name == name }) else { cells.append(""); continue }
                cells.append(String(row.finals.filter { bin.low == bin.high ? $0 == bin.low : (bin.low <= $0 && $0 < bin.high) }.count))
            }
            cells += [value(row.wallSeconds), value(row.stepsPerSecond), row.finals.map { JSONValue.format($0) }.joined(separator: " ")]
            out += cells.map(Self.csvCell).joined(separator: ",") + "\n"
        }
        return out
    }

    /// Writes report.md, report.csv and one curves figure per world into the sweep folder; returns their paths.
    @discardableResult
    public func write() throws -> [String] {
        var written: [String] = []
        for (name, text) in [("report.md", markdown), ("report.csv", csv)] {
            let path = (folder.path as NSString).appendingPathComponent(name)
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                throw TrainingError(message: "\(path): cannot write (\(error.localizedDescription))")
            }
            written.append(path)
        }
        return written + (try figures())
    }

    /// One figure per world: every run's metric, a line per row (mean over seeds, min-max band).
    func figures() throws -> [String] {
        let spec = folder.plan.spec
        var worlds: [String] = []
        for row in rows where !worlds.contains(SweepPlan.label(row.runs[0].world, row.runs[0].options)) {
            worlds.append(SweepPlan.label(row.runs[0].world, row.runs[0].options))
        }
        let named = Set(spec.experiments.compactMap(\.name)).count > 1
        return try worlds.compactMap { world -> String? in
            let members = rows.filter { SweepPlan.label($0.runs[0].world, $0.runs[0].options) == world }
            let metric = spec.experiments[members[0].experiment].report.metric
            var runs: [(label: String, steps: [Double], values: [Double])] = []
            var unfinished: Set<Int> = []
            for row in members where spec.experiments[row.experiment].report.metric == metric {
                let label = (named ? spec.experiments[row.experiment].name.map { "\($0): " } ?? "" : "") + row.group
                for (result, status) in zip(row.results, row.statuses) where !result.curve.steps.isEmpty {
                    if status != .finished { unfinished.insert(runs.count) }
                    runs.append((label, result.curve.steps, result.curve.values))
                }
            }
            guard !runs.isEmpty else { return nil }
            let chart = LearningCurve.comparing(title: "\(world): \(metric) (sweep \(spec.title))",
                                                valueLabel: metric == "test_return_mean" ? "greedy test return per episode" : metric,
                                                runs: runs, interrupted: unfinished)
            let path = (folder.path as NSString).appendingPathComponent("curves-\(SweepPlan.folderName([world])).svg")
            do { try Data(chart.svg().utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                throw TrainingError(message: "\(path): cannot write (\(error.localizedDescription))")
            }
            return path
        }
    }

    static func number(_ value: Double) -> String { value.isFinite ? String(format: "%.4g", value) : "—" }

    /// A step count as 540k or 1.24M.
    static func steps(_ value: Double) -> String {
        value >= 1_000_000 ? String(format: "%.3gM", value / 1e6) : value >= 1000 ? String(format: "%.3gk", value / 1e3) : String(Int(value))
    }

    static func csvCell(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
