import Common
import Foundation
import Worlds

/// One run of a sweep: an ordinary `marl-sim` run whose folder is `<sweep>/runs/<name>`.
public struct SweepRun {
    /// The run folder's name, unique in the sweep and the same every time the spec is expanded.
    public var name: String
    /// Index of its experiment in the spec.
    public var experiment: Int
    /// Its row in the report: the learner, the settings combination and, where they vary, the world.
    public var group: String
    public var world: String
    public var options: [(String, String)]
    public var learner: String
    public var seed: UInt64
    public var settings: [(String, String)]
    /// CPUs the run uses (its `threads` setting, at least 1).
    public var threads: Int

    /// The `marl-sim` arguments that train it into `folder`.
    public func arguments(folder: String) -> [String] {
        [world, "--algo", learner, "--seed", String(seed)] + options.flatMap { ["--env", "\($0.0)=\($0.1)"] }
            + settings.flatMap { ["--set", "\($0.0)=\($0.1)"] } + ["--out", folder]
    }

    var json: JSONValue {
        .object([("name", .string(name)), ("group", .string(group)), ("experiment", .int(Int64(experiment))),
                 ("world", .string(world)), ("world_options", .object(options.map { ($0.0, .string($0.1)) })),
                 ("learner", .string(learner)), ("seed", .int(Int64(bitPattern: seed))),
                 ("settings", .object(settings.map { ($0.0, .string($0.1)) })), ("threads", .int(Int64(threads)))])
    }
}

/// A spec expanded into runs and checked before any of them starts: every world loads with its
/// options, every learner can train its world's team, every setting has a known name and a legal
/// value; the first problem is an error naming the spec's line.
public struct SweepPlan {
    public let spec: SweepSpec
    public let runs: [SweepRun]

    /// Expands `spec`; `overrides` (`--set`) apply to every run after the spec's settings, and
    /// `seeds` (`--seeds`) replaces every experiment's seeds.
    public init(spec: SweepSpec, overrides: [(String, String)] = [], seeds: [UInt64]? = nil, limits: WorldLimits = WorldLimits()) throws {
        var spec = spec
        if let seeds { for k in spec.experiments.indices { spec.experiments[k].seeds = seeds } }
        self.spec = spec
        let identities = spec.experiments.indices.map { Self.identity(of: spec.experiments[$0], index: $0) }
        for (index, identity) in identities.enumerated() {
            if let twin = identities[..<index].firstIndex(of: identity) {
                throw SweepSpec.fail(spec.path, spec.experiments[index].line,
                                     "experiment \(index + 1) has the same name as experiment \(twin + 1) ('\(identity)'); give each experiment its own name = \"...\"")
            }
        }
        var expansion = Expansion(spec: spec, overrides: overrides, limits: limits)
        for index in spec.experiments.indices { try expansion.expand(index, identity: identities[index]) }
        runs = expansion.runs
    }

    /// How an experiment's runs and folders are named: its name, else its world and options.
    static func identity(of experiment: SweepSpec.Experiment, index: Int) -> String {
        if let name = experiment.name { return name }
        guard experiment.worlds.count == 1, !experiment.grid.contains(where: { $0.name.hasPrefix("env.") }) else { return "experiment\(index + 1)" }
        return label(experiment.worlds[0].file, overlay(experiment.worlds[0].options, experiment.options.map { ($0.name, $0.value) }))
    }

    /// The expansion in progress: the runs so far, and each world (file and options) loaded once.
    struct Expansion {
        let spec: SweepSpec
        let overrides: [(String, String)]
        let limits: WorldLimits
        var runs: [SweepRun] = []
        var names: Set<String> = []
        var worlds: [String: WorldSpec] = [:]

        init(spec: SweepSpec, overrides: [(String, String)], limits: WorldLimits) {
            self.spec = spec
            self.overrides = overrides
            self.limits = limits
        }

        /// Experiment `index`: worlds × grid combinations × learners × random draws × seeds.
        mutating func expand(_ index: Int, identity: String) throws {
            let experiment = spec.experiments[index]
            let optionsGrid = experiment.grid.filter { $0.name.hasPrefix("env.") }
            let variesWorld = experiment.worlds.count > 1 || !optionsGrid.isEmpty
            let samples = experiment.random.map { random in (0..<random.samples).map { (k: $0 + 1, values: random.sample($0)) } } ?? [(0, [])]
            for world in experiment.worlds {
                for combination in SweepPlan.product(experiment.grid.map { ($0.name, $0.values) }) {
                    let gridOptions = combination.filter { $0.0.hasPrefix("env.") }.map { (String($0.0.dropFirst(4)), $0.1) }
                    let gridSettings = combination.filter { !$0.0.hasPrefix("env.") }
                    let options = SweepPlan.overlay(SweepPlan.overlay(world.options, experiment.options.map { ($0.name, $0.value) }), gridOptions)
                    let worldSpec = try load(world, options, experiment: experiment)
                    for learner in experiment.learners {
                        for sample in samples {
                            // Each setting with its own line, so an illegal value is reported where it is written.
                            var layers = experiment.settings.map { ([($0.name, $0.value)], SweepPlan.source(spec.path, $0.line)) }
                            layers += gridSettings.map { name, value in
                                ([(name, value)], SweepPlan.source(spec.path, experiment.grid.first { $0.name == name }?.line))
                            }
                            layers += sample.values.map { name, value in
                                ([(name, value)], SweepPlan.source(spec.path, experiment.random?.draws.first { $0.name == name }?.line))
                            }
                            if !overrides.isEmpty { layers.append((overrides, "--set")) }
                            var settings = layers.flatMap(\.0)
                            let resolved = try SweepPlan.resolve(world.file, worldSpec, learner, layers: layers, in: spec.path)
                            if resolved.has("threads") && !settings.contains(where: { $0.0 == "threads" }) {
                                settings.append(("threads", String(spec.threads)))
                            }
                            // threads = 0 lets an update use every core.
                            let threads = settings.last { $0.0 == "threads" }.flatMap { Int($0.1) } ?? 1
                            let describe = gridSettings.map { "\($0.0)=\($0.1)" } + (sample.k > 0 ? ["draw \(sample.k)"] : [])
                            let group = ((variesWorld ? [SweepPlan.label(world.file, options)] : []) + [learner.value] + describe).joined(separator: " ")
                            let stem = [identity] + (variesWorld ? [SweepPlan.stem(world.file)] + options.map { "\($0.0)=\($0.1)" } : [])
                                + [learner.value] + gridSettings.map { "\($0.0)=\($0.1)" } + (sample.k > 0 ? ["draw\(sample.k)"] : [])
                            for seed in experiment.seeds {
                                let name = SweepPlan.folderName(stem + ["seed\(seed)"])
                                guard names.insert(name).inserted else {
                                    throw SweepSpec.fail(spec.path, learner.line ?? experiment.line,
                                                         "the run \(name) is planned twice; give experiments different names or settings")
                                }
                                runs.append(SweepRun(name: name, experiment: index, group: group, world: world.file, options: options,
                                                     learner: learner.value, seed: seed, settings: settings,
                                                     threads: threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : threads))
                            }
                        }
                    }
                }
            }
        }

        /// The world with these options, loaded once; an error names the line of the option that breaks it.
        mutating func load(_ world: SweepSpec.World, _ options: [(String, String)], experiment: SweepSpec.Experiment) throws -> WorldSpec {
            let key = ([world.file] + options.map { "\($0.0)=\($0.1)" }).joined(separator: " ")
            if let known = worlds[key] { return known }
            var lines: [String: Int] = [:]
            for (name, _) in world.options { lines[name] = world.line }
            for option in experiment.options { lines[option.name] = option.line }
            for option in experiment.grid where option.name.hasPrefix("env.") { lines[String(option.name.dropFirst(4))] = option.line }
            let loaded = try SweepPlan.load(world.file, options, lines: lines, worldLine: world.line, in: spec.path, limits: limits)
            worlds[key] = loaded
            return loaded
        }
    }

    /// The order runs are started in: seed by seed (the first seed of every configuration first), so a
    /// sweep stopped early still compares everything it plans.
    public var launchOrder: [SweepRun] {
        let seedRank = Dictionary(spec.experiments.enumerated().flatMap { index, experiment in
            experiment.seeds.enumerated().map { ("\(index) \($0.element)", $0.offset) }
        }, uniquingKeysWith: { first, _ in first })
        return runs.enumerated().sorted { a, b in
            let ra = seedRank["\(a.element.experiment) \(a.element.seed)"] ?? 0, rb = seedRank["\(b.element.experiment) \(b.element.seed)"] ?? 0
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
    }

    /// The runs whose names match any of `patterns` (shell globs: `*`, `?`, `[...]`), in launch order;
    /// a pattern that matches no run is an error, so a typo cannot silently run nothing.
    public func runs(matching patterns: [String]) throws -> [SweepRun] {
        for pattern in patterns where !runs.contains(where: { fnmatch(pattern, $0.name, 0) == 0 }) {
            throw TrainingError(message: "--only \(pattern): no run of \(spec.path) has a matching name\(Suggestions.hint(for: pattern, in: runs.map(\.name))); marl-sim sweep \(spec.path) --list shows them")
        }
        return launchOrder.filter { run in patterns.contains { fnmatch($0, run.name, 0) == 0 } }
    }

    /// The world's spec; when it does not load, the error names the line of the option that breaks
    /// it (found by adding the options one at a time), else the world's line.
    static func load(_ file: String, _ options: [(String, String)], lines: [String: Int], worldLine: Int?, in path: String,
                     limits: WorldLimits) throws -> WorldSpec {
        guard FileManager.default.fileExists(atPath: file) else {
            throw SweepSpec.fail(path, worldLine, "no world file '\(file)' (paths are relative to the folder marl-sim sweep runs in)")
        }
        func attempt(_ options: [(String, String)]) throws -> WorldSpec {
            try LuaWorld(file: file, options: options.map { ($0.0, OptionValue(parsing: $0.1)) }, seed: 1, instance: 0, limits: limits).spec
        }
        do {
            return try attempt(options)
        } catch {
            let culprit = (0...options.count).first { (try? attempt(Array(options.prefix($0)))) == nil }
            let line = culprit.flatMap { $0 > 0 ? lines[options[$0 - 1].0] : nil } ?? worldLine
            throw SweepSpec.fail(path, line, "the world \(label(file, options)) does not load:\n  \(String(describing: error).replacingOccurrences(of: "\n", with: "\n  "))")
        }
    }

    static func resolve(_ file: String, _ world: WorldSpec, _ learner: SweepSpec.Located<String>,
                        layers: [(pairs: [(String, String)], source: String)], in path: String) throws -> Settings {
        do {
            return try TrainingRun.resolve(file: file, spec: world, learner: learner.value, layers: layers).2
        } catch let error as SettingsError {
            throw TrainingError(message: error.message)
        } catch let error as TrainingError where !error.message.hasPrefix(path) {
            throw SweepSpec.fail(path, learner.line, error.message.components(separatedBy: "\n  rule:").first ?? error.message)
        }
    }

    static func source(_ path: String, _ line: Int?) -> String { "\(path)\(line.map { ":\($0)" } ?? "")" }

    /// Every combination of the grid's values, the first name varying slowest.
    static func product(_ grid: [(String, [String])]) -> [[(String, String)]] {
        grid.reduce([[]]) { combinations, axis in
            combinations.flatMap { combination in axis.1.map { combination + [(axis.0, $0)] } }
        }
    }

    /// `base` with `top`'s values replacing those of the same name, new names appended.
    static func overlay(_ base: [(String, String)], _ top: [(String, String)]) -> [(String, String)] {
        base.filter { name, _ in !top.contains { $0.0 == name } } + top
    }

    static func stem(_ file: String) -> String { ((file as NSString).lastPathComponent as NSString).deletingPathExtension }

    /// A world as the report names it: its file's stem and its options.
    public static func label(_ file: String, _ options: [(String, String)]) -> String {
        ([stem(file)] + options.map { "\($0.0)=\($0.1)" }).joined(separator: " ")
    }

    /// Parts joined with `-`, every character a file name could trip on replaced by `_`.
    static func folderName(_ parts: [String]) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._=+-")
        return String(parts.joined(separator: "-").map { allowed.contains($0) ? $0 : "_" })
    }
}
