import Common
import Foundation
import Worlds

/// A run's configuration from a file: `--config FILE` (YAML or TOML) or a run folder's config.json. Its
/// settings form the layer between the world's `settings` table and `--set`.
public struct ConfigFile {
    public let path: String
    public var learner: String?
    public var seed: UInt64?
    /// The world the run trained on (config.json), for a warning when another is given.
    public var world: String?
    /// config.json's hash of the world file.
    public var worldFingerprint: String?
    public var worldOptions: [(String, String)] = []
    public var settings: [(String, String)] = []

    /// Fields a config file may hold; config.json's records of the run (agents, versions, where each
    /// setting came from) are read past.
    static let fields = ["learner", "seed", "world", "world_options", "settings"]
    static let records = ["world_fnv1a64", "agents", "settings_from", "versions"]
    static let rule = "rule: a config file holds learner, seed, world_options and settings (a YAML or TOML mapping, or a run's config.json)"

    /// Settings that older config.json files name differently: HASAC's and MASAC's `share_actor`
    /// flag is now `share_parameters` (true: one actor per group, which is all agents of those teams).
    static let renamed: [String: (name: String, value: (String) -> String)] = [
        "share_actor": ("share_parameters", { $0 == "true" ? "group" : "auto" }),
    ]

    public init(path: String) throws {
        self.path = path
        let root = try ConfigDocument.read(path: path, kind: "config file", rule: Self.rule)
        guard case let .mapping(top, _) = root else { throw fail(nil, "the file must be a mapping of fields") }
        for entry in top {
            let (key, value, line) = (entry.key, entry.value, entry.line)
            switch key {
            case "learner": learner = try scalar(value, key, line)
            case "world": world = try scalar(value, key, line)
            case "world_fnv1a64": worldFingerprint = value.text
            case "seed":
                let text = try scalar(value, key, line)
                guard let seed = UInt64(text) ?? Int64(text).map({ UInt64(bitPattern: $0) }) else {
                    throw fail(line, "seed must be a whole number, got '\(text)'")
                }
                self.seed = seed
            case "world_options": worldOptions = try pairs(value, key, line)
            case "settings":
                settings = try pairs(value, key, line).map { key, value in Self.renamed[key].map { ($0.name, $0.value(value)) } ?? (key, value) }
            case _ where Self.records.contains(key): continue
            default:
                throw fail(line, "unknown field '\(key)'\(Suggestions.hint(for: key, in: Self.fields)); fields: \(Self.fields.joined(separator: ", "))")
            }
        }
    }

    /// The file's world options as `--env` would give them, each replaced by one of `overrides` of the same name.
    public func worldOptions(overriddenBy overrides: [(String, OptionValue)]) -> [(String, OptionValue)] {
        worldOptions.map { ($0.0, OptionValue(parsing: $0.1)) }.filter { key, _ in !overrides.contains { $0.0 == key } } + overrides
    }

    /// A run folder's config.json, or "not a run folder".
    public static func ofRun(_ folder: String) throws -> ConfigFile {
        let path = (folder as NSString).appendingPathComponent("config.json")
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw TrainingError(message: "\(folder): not a run folder (no readable config.json)")
        }
        return try ConfigFile(path: path)
    }

    func fail(_ line: Int?, _ message: String) -> TrainingError {
        TrainingError(message: "\(path)\(line.map { ":\($0)" } ?? ""): \(message)\n  \(Self.rule)")
    }

    func scalar(_ entry: ConfigNode, _ key: String, _ line: Int?) throws -> String {
        guard let text = entry.text else { throw fail(line, "\(key) must be a single value") }
        return text
    }

    func pairs(_ entry: ConfigNode, _ key: String, _ line: Int?) throws -> [(String, String)] {
        guard case let .mapping(items, _) = entry else { throw fail(line, "\(key) must be a mapping of name: value") }
        return try items.map { item in (item.key, try scalar(item.value, "\(key).\(item.key)", item.line)) }
    }
}
