import Common
import Foundation

/// A sweep spec (docs/sweeps.md): worlds, learners, seeds and settings, as grids or random draws,
/// read from TOML or YAML with the line of every field, so that a mistake is named where it is
/// written. Top-level fields apply to every `[[experiment]]`; a spec without experiments is one.
public struct SweepSpec {
    public let path: String
    /// The sweep's title in its report (default: the spec file's name).
    public var title: String
    /// Threads of each run (a learner's `threads` setting unless the spec sets it): the local backend
    /// runs cores ÷ threads at once by default, and a Ray task asks for this many CPUs.
    public var threads: Int
    /// Whether a finished run keeps its checkpoints (for `marl-sim resume --steps`); a run with a
    /// large replay memory leaves two of about a gigabyte each, which a long sweep may not afford.
    public var keepCheckpoints = true
    public var experiments: [Experiment]

    /// A world file with its options (`--env`), and where the spec names it.
    public struct World {
        public var file: String
        public var options: [(String, String)]
        public var line: Int?
    }

    /// A value written in the spec with its line.
    public struct Located<Value> {
        public var value: Value
        public var line: Int?
    }

    /// One block of runs: worlds × learners × settings combinations × seeds.
    public struct Experiment {
        public var name: String?
        public var worlds: [World]
        public var learners: [Located<String>]
        public var seeds: [UInt64]
        /// World options common to the experiment's worlds (the experiment's over the top level's).
        public var options: [(name: String, value: String, line: Int?)]
        /// Settings common to its runs (the experiment's over the top level's).
        public var settings: [(name: String, value: String, line: Int?)]
        /// Each name's values; a name `env.X` is the world option X.
        public var grid: [(name: String, values: [String], line: Int?)]
        public var random: RandomDraws?
        public var report: ReportRules
        public var line: Int?
    }

    /// `samples` draws of settings from distributions, seeded.
    public struct RandomDraws {
        public enum Distribution {
            case uniform(Double, Double), logUniform(Double, Double), integer(Int, Int), choice([String])
        }
        public var samples: Int
        public var seed: UInt64
        public var draws: [(name: String, distribution: Distribution, line: Int?)]

        /// Sample `k`'s values, the same for every run of the spec.
        public func sample(_ k: Int) -> [(String, String)] {
            var generator = SeededGenerator(seed: seed, stream: UInt64(k) &+ 0x5EE9)
            return draws.map { name, distribution, _ in
                switch distribution {
                case let .uniform(low, high): return (name, Self.format(low + (high - low) * generator.nextUnit()))
                case let .logUniform(low, high): return (name, Self.format(exp(log(low) + (log(high) - log(low)) * generator.nextUnit())))
                case let .integer(low, high): return (name, String(low + generator.nextInt(below: high - low + 1)))
                case let .choice(values): return (name, values[generator.nextInt(below: values.count)])
                }
            }
        }

        /// Four significant digits: a drawn value reads well in a folder name and is passed exactly as shown.
        static func format(_ value: Double) -> String { String(format: "%.4g", value) }
    }

    /// What the report shows beyond the standard columns (docs/sweeps.md "The report").
    public struct ReportRules {
        /// The metrics.csv column whose final value is each run's result.
        public var metric = "test_return_mean"
        /// A level each run's result is compared with: "≥ bar" counts the runs at or above it, and
        /// "first ≥ bar" gives each run's first logged step there.
        public var bar: BarExpression?
        /// Named ranges of results, counted per row; runs in none count as `other`.
        public var bins: [(name: String, low: Double, high: Double)] = []
        /// Episodes of random or scripted play that `random` and `scripted` in `bar` average.
        public var referenceEpisodes = 1000
        /// A line printed under the experiment's table (what the paper reports, say).
        public var note: String?
        /// Metrics columns printed every `every` steps for each run (a learner's temperatures, say).
        public var trace: (every: Int, columns: [String])?
    }

    static let rule = "rule: a sweep spec names worlds, learners, seeds and settings (grid or random) at the top or in [[experiment]] blocks (docs/sweeps.md)"
    static let experimentFields = ["name", "world", "worlds", "env", "learner", "learners", "seeds", "settings", "grid", "random", "report"]
    static let topFields = experimentFields + ["title", "threads", "keep_checkpoints", "experiment"]

    public init(path: String) throws {
        self.path = path
        let root = try ConfigDocument.read(path: path, kind: "sweep spec", rule: Self.rule)
        guard case let .mapping(top, _) = root else { throw Self.fail(path, root.line, "the spec must be a table of fields") }
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        title = stem
        threads = 1
        var blocks: [ConfigNode] = []
        var blocksLine: Int?
        for entry in top {
            let line = entry.line
            guard Self.topFields.contains(entry.key) else {
                throw Self.fail(path, line, "unknown field '\(entry.key)'\(Suggestions.hint(for: entry.key, in: Self.topFields)); fields: \(Self.topFields.joined(separator: ", "))")
            }
            switch entry.key {
            case "title": title = try Self.scalar(path, entry)
            case "threads":
                guard let value = Int(try Self.scalar(path, entry)), (1...256).contains(value) else {
                    throw Self.fail(path, line, "threads must be a whole number from 1 to 256")
                }
                threads = value
            case "keep_checkpoints":
                guard case let .flag(keep)? = SettingValue.flag(true).parse(try Self.scalar(path, entry)) else {
                    throw Self.fail(path, line, "keep_checkpoints must be true or false (or yes/no, on/off, 1/0)")
                }
                keepCheckpoints = keep
            case "experiment":
                guard case let .list(items, _) = entry.value else {
                    throw Self.fail(path, line, "experiment is a list of tables ([[experiment]] in TOML, a list under experiment: in YAML)")
                }
                blocks = items
                blocksLine = line
            default: continue
            }
        }
        let shared = top.filter { Self.experimentFields.contains($0.key) }
        if blocks.isEmpty {
            if blocksLine != nil { throw Self.fail(path, blocksLine, "experiment is an empty list") }
            experiments = [try Self.experiment(path, shared, own: [], line: root.line)]
        } else {
            experiments = try blocks.map { block in
                guard case let .mapping(own, line) = block else {
                    throw Self.fail(path, block.line ?? blocksLine, "each experiment is a table of fields, got \(block.kind)")
                }
                for entry in own where !Self.experimentFields.contains(entry.key) {
                    throw Self.fail(path, entry.line, "unknown experiment field '\(entry.key)'\(Suggestions.hint(for: entry.key, in: Self.experimentFields)); fields: \(Self.experimentFields.joined(separator: ", "))")
                }
                return try Self.experiment(path, shared, own: own, line: line)
            }
        }
    }

    /// An experiment from its own fields over the spec's top-level ones (tables merge, key by key).
    static func experiment(_ path: String, _ shared: [ConfigEntry], own: [ConfigEntry], line: Int?) throws -> Experiment {
        func field(_ names: String...) -> ConfigEntry? {
            own.first { names.contains($0.key) } ?? shared.first { names.contains($0.key) }
        }
        func merged(_ name: String) throws -> [(name: String, value: String, line: Int?)] {
            var items: [(name: String, value: String, line: Int?)] = []
            for entry in [shared, own].compactMap({ $0.first { $0.key == name } }) {
                guard case let .mapping(pairs, _) = entry.value else {
                    throw fail(path, entry.line, "\(name) is a table of name = value, got \(entry.value.kind)")
                }
                for pair in pairs {
                    let value = try scalar(path, pair, context: "\(name).\(pair.key)")
                    items.removeAll { $0.name == pair.key }
                    items.append((pair.key, value, pair.line))
                }
            }
            return items
        }
        for names in [["world", "worlds"], ["learner", "learners"]] {
            for level in [shared, own] where level.contains(where: { $0.key == names[0] }) && level.contains(where: { $0.key == names[1] }) {
                throw fail(path, level.filter { names.contains($0.key) }.compactMap(\.line).max(), "give \(names[0]) or \(names[1]), not both")
            }
        }
        let name = try own.first { $0.key == "name" }.map { try scalar(path, $0) }
        guard let worldField = field("world", "worlds") else {
            throw fail(path, line, "\(name.map { "experiment '\($0)': " } ?? "")no world: give world = \"envs/x.lua\" or worlds = [...]")
        }
        guard let learnerField = field("learner", "learners") else {
            throw fail(path, line, "\(name.map { "experiment '\($0)': " } ?? "")no learner: give learner = \"qmix\" or learners = [...]")
        }
        let worlds = try list(path, worldField).map { node -> World in
            switch node {
            case let .scalar(file, line): return World(file: file, options: [], line: line ?? worldField.line)
            case let .mapping(pairs, line):
                var file: String?
                var options: [(String, String)] = []
                for pair in pairs {
                    switch pair.key {
                    case "file": file = try scalar(path, pair)
                    case "env":
                        guard case let .mapping(items, _) = pair.value else { throw fail(path, pair.line, "env is a table of option = value") }
                        options = try items.map { ($0.key, try scalar(path, $0, context: "env.\($0.key)")) }
                    default: throw fail(path, pair.line, "a world table has file and env, got '\(pair.key)'")
                    }
                }
                guard let file else { throw fail(path, line ?? worldField.line, "a world table needs file = \"envs/x.lua\"") }
                return World(file: file, options: options, line: line ?? worldField.line)
            case .list: throw fail(path, node.line ?? worldField.line, "a world is a file name or a table { file, env }, not a list")
            }
        }
        let learners = try list(path, learnerField).map { node -> Located<String> in
            guard let text = node.text else { throw fail(path, node.line ?? learnerField.line, "a learner is a name, got \(node.kind)") }
            return Located(value: text, line: node.line ?? learnerField.line)
        }
        var seeds: [UInt64] = [1]
        if let seedField = field("seeds") {
            switch seedField.value {
            case let .scalar(text, _):
                guard let count = Int(text), (1...10_000).contains(count) else {
                    throw fail(path, seedField.line, "seeds is a count (1 to 10000: seeds 1...N) or a list of seeds, got '\(text)'")
                }
                seeds = (1...count).map(UInt64.init)
            case let .list(items, _):
                seeds = try items.map { item in
                    guard let seed = item.text.flatMap({ UInt64($0) }) else {
                        throw fail(path, item.line ?? seedField.line, "a seed is a whole number ≥ 0, got \(item.text.map { "'\($0)'" } ?? item.kind)")
                    }
                    return seed
                }
                guard !seeds.isEmpty else { throw fail(path, seedField.line, "seeds is an empty list") }
                if Set(seeds).count < seeds.count { throw fail(path, seedField.line, "seeds lists a seed twice") }
            case .mapping: throw fail(path, seedField.line, "seeds is a count or a list of seeds, not a table")
            }
        }
        var grid: [(name: String, values: [String], line: Int?)] = []
        if let gridField = field("grid") {
            guard case let .mapping(pairs, _) = gridField.value else {
                throw fail(path, gridField.line, "grid is a table of name = [values], got \(gridField.value.kind)")
            }
            for pair in pairs {
                guard case let .list(items, _) = pair.value else {
                    throw fail(path, pair.line, "grid.\(pair.key) must be a list of values (e.g. [0.001, 0.0003]), got \(pair.value.kind)")
                }
                let values = try items.map { item -> String in
                    guard let text = item.text else { throw fail(path, item.line ?? pair.line, "grid.\(pair.key): each value is a single value, got \(item.kind)") }
                    return text
                }
                guard !values.isEmpty else { throw fail(path, pair.line, "grid.\(pair.key) is an empty list: a grid needs at least one value") }
                if Set(values).count < values.count { throw fail(path, pair.line, "grid.\(pair.key) lists a value twice") }
                grid.append((pair.key, values, pair.line))
            }
        }
        let random = try field("random").map { try randomDraws(path, $0) }
        if let random, let clash = random.draws.first(where: { draw in grid.contains { $0.name == draw.name } }) {
            throw fail(path, clash.line, "'\(clash.name)' is both in grid and in random; give it in one")
        }
        // Report fields merge like settings: an experiment's bar keeps the top level's metric.
        let reports = [shared, own].compactMap { $0.first { $0.key == "report" } }
        var reportPairs: [ConfigEntry] = []
        for entry in reports {
            guard case let .mapping(pairs, _) = entry.value else {
                throw fail(path, entry.line, "report is a table of fields: \(reportFields.joined(separator: ", "))")
            }
            for pair in pairs {
                reportPairs.removeAll { $0.key == pair.key }
                reportPairs.append(pair)
            }
        }
        let report = try reportRules(path, ConfigEntry(key: "report", value: .mapping(reportPairs, line: reports.last?.line), line: reports.last?.line))
        return Experiment(name: name, worlds: worlds, learners: learners, seeds: seeds, options: try merged("env"),
                          settings: try merged("settings"), grid: grid, random: random, report: report, line: line)
    }

    static func randomDraws(_ path: String, _ entry: ConfigEntry) throws -> RandomDraws {
        guard case let .mapping(pairs, _) = entry.value else { throw fail(path, entry.line, "random is a table: samples, seed and name = { distribution }") }
        var draws = RandomDraws(samples: 0, seed: 1, draws: [])
        for pair in pairs {
            switch pair.key {
            case "samples":
                guard let n = Int(try scalar(path, pair)), (1...100_000).contains(n) else { throw fail(path, pair.line, "random.samples is a count from 1 to 100000") }
                draws.samples = n
            case "seed":
                guard let s = UInt64(try scalar(path, pair)) else { throw fail(path, pair.line, "random.seed is a whole number ≥ 0") }
                draws.seed = s
            default:
                guard case let .mapping(kinds, _) = pair.value, kinds.count == 1, let kind = kinds.first else {
                    throw fail(path, pair.line, "random.\(pair.key) is one distribution: { uniform = [a, b] }, { log_uniform = [a, b] }, { int_uniform = [a, b] } or { choice = [...] }")
                }
                let values = try list(path, kind).map { node -> String in
                    guard let text = node.text else { throw fail(path, kind.line, "random.\(pair.key).\(kind.key): each value is a single value") }
                    return text
                }
                let numbers = values.compactMap(Double.init)
                func range() throws -> (Double, Double) {
                    guard values.count == 2, numbers.count == 2, numbers[0] < numbers[1], numbers.allSatisfy(\.isFinite) else {
                        throw fail(path, kind.line, "random.\(pair.key).\(kind.key) is [low, high] with low < high, got [\(values.joined(separator: ", "))]")
                    }
                    return (numbers[0], numbers[1])
                }
                let distribution: RandomDraws.Distribution
                switch kind.key {
                case "uniform": let (a, b) = try range(); distribution = .uniform(a, b)
                case "log_uniform":
                    let (a, b) = try range()
                    guard a > 0 else { throw fail(path, kind.line, "random.\(pair.key).log_uniform needs low > 0") }
                    distribution = .logUniform(a, b)
                case "int_uniform":
                    let (a, b) = try range()
                    guard a == a.rounded(), b == b.rounded() else { throw fail(path, kind.line, "random.\(pair.key).int_uniform takes whole numbers") }
                    distribution = .integer(Int(a), Int(b))
                case "choice":
                    guard !values.isEmpty else { throw fail(path, kind.line, "random.\(pair.key).choice is an empty list") }
                    distribution = .choice(values)
                default:
                    throw fail(path, kind.line, "unknown distribution '\(kind.key)'\(Suggestions.hint(for: kind.key, in: ["uniform", "log_uniform", "int_uniform", "choice"])); distributions: uniform, log_uniform, int_uniform, choice")
                }
                draws.draws.append((pair.key, distribution, pair.line))
            }
        }
        guard draws.samples > 0 else { throw fail(path, entry.line, "random needs samples = N (how many draws)") }
        guard !draws.draws.isEmpty else { throw fail(path, entry.line, "random names no setting to draw") }
        return draws
    }

    static let reportFields = ["metric", "bar", "bins", "reference_episodes", "note", "trace"]

    static func reportRules(_ path: String, _ entry: ConfigEntry) throws -> ReportRules {
        guard case let .mapping(pairs, _) = entry.value else { throw fail(path, entry.line, "report is a table of fields: \(reportFields.joined(separator: ", "))") }
        var rules = ReportRules()
        for pair in pairs {
            switch pair.key {
            case "metric": rules.metric = try scalar(path, pair)
            case "note": rules.note = try scalar(path, pair)
            case "reference_episodes":
                guard let n = Int(try scalar(path, pair)), (1...1_000_000).contains(n) else { throw fail(path, pair.line, "report.reference_episodes is a count from 1 to 1000000") }
                rules.referenceEpisodes = n
            case "bar":
                do { rules.bar = try BarExpression(try scalar(path, pair)) } catch let error as BarExpression.Failure {
                    throw fail(path, pair.line, "report.bar: \(error.message)")
                }
            case "bins":
                guard case let .mapping(bins, _) = pair.value else { throw fail(path, pair.line, "report.bins is a table of name = value or name = [low, high]") }
                rules.bins = try bins.map { bin in
                    switch bin.value {
                    case let .scalar(text, _):
                        guard let value = Double(text) else { throw fail(path, bin.line, "report.bins.\(bin.key) is a number or [low, high], got '\(text)'") }
                        return (bin.key, value, value)
                    case let .list(items, _):
                        let bounds = items.compactMap { $0.text.flatMap(Double.init) }
                        guard items.count == 2, bounds.count == 2, bounds[0] < bounds[1] else {
                            throw fail(path, bin.line, "report.bins.\(bin.key) is [low, high] with low < high (low ≤ result < high; inf and -inf allowed)")
                        }
                        return (bin.key, bounds[0], bounds[1])
                    case .mapping: throw fail(path, bin.line, "report.bins.\(bin.key) is a number or [low, high]")
                    }
                }
            case "trace":
                guard case let .mapping(items, _) = pair.value,
                      let every = items.first(where: { $0.key == "every" })?.value.text.flatMap({ Int($0) }), every > 0,
                      let columns = items.first(where: { $0.key == "columns" }) else {
                    throw fail(path, pair.line, "report.trace is { every = N, columns = [\"metrics column\", ...] }")
                }
                rules.trace = (every, try list(path, columns).map { node in
                    guard let text = node.text else { throw fail(path, columns.line, "report.trace.columns are column names") }
                    return text
                })
            default:
                throw fail(path, pair.line, "unknown report field '\(pair.key)'\(Suggestions.hint(for: pair.key, in: reportFields)); fields: \(reportFields.joined(separator: ", "))")
            }
        }
        return rules
    }

    /// A field's items: a list's, or a single value as a list of one.
    static func list(_ path: String, _ entry: ConfigEntry) throws -> [ConfigNode] {
        switch entry.value {
        case let .list(items, _):
            guard !items.isEmpty else { throw fail(path, entry.line, "\(entry.key) is an empty list") }
            return items
        default: return [entry.value]
        }
    }

    static func scalar(_ path: String, _ entry: ConfigEntry, context: String? = nil) throws -> String {
        guard let text = entry.value.text else { throw fail(path, entry.line, "\(context ?? entry.key) must be a single value, got \(entry.value.kind)") }
        return text
    }

    static func fail(_ path: String, _ line: Int?, _ message: String) -> TrainingError {
        TrainingError(message: "\(path)\(line.map { ":\($0)" } ?? ""): \(message)\n  \(rule)")
    }
}
