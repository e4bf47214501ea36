import Common
import Foundation
import Yams

/// A configuration file read into one tree, whatever its format (YAML, TOML or JSON), with the line
/// of every key and value where the format tells: config files (`--config`) and sweep specs read it.
public indirect enum ConfigNode {
    case scalar(String, line: Int?)
    case mapping([ConfigEntry], line: Int?)
    case list([ConfigNode], line: Int?)

    /// A scalar's text as written (`1e-3` stays `1e-3`; a string without its quotes).
    public var text: String? { if case let .scalar(text, _) = self { return text } else { return nil } }

    public var line: Int? {
        switch self {
        case let .scalar(_, line), let .mapping(_, line), let .list(_, line): return line
        }
    }

    /// What kind of value this is, for error messages.
    public var kind: String {
        switch self {
        case .scalar: return "a single value"
        case .mapping: return "a table of name = value"
        case .list: return "a list"
        }
    }
}

/// A key of a mapping with its value and the key's line.
public struct ConfigEntry {
    public var key: String
    public var value: ConfigNode
    public var line: Int?
}

/// Reads config files by extension: `.toml`, `.json`, else YAML.
public enum ConfigDocument {
    /// The file's tree; a missing (`no such <kind>`) or malformed file is a `TrainingError` naming it (and the line), followed by `rule`.
    public static func read(path: String, kind: String, rule: String) throws -> ConfigNode {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError(message: "\(path): \(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such \(kind)")\n  \(rule)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let lowered = path.lowercased()
        if lowered.hasSuffix(".json") {
            do { return node(try JSONValue.parse(text)) } catch {
                throw TrainingError(message: "\(path): not valid JSON (\(error))\n  \(rule)")
            }
        }
        if lowered.hasSuffix(".toml") {
            do {
                var reader = TOMLReader(text: text)
                return try reader.read()
            } catch let error as TOMLReader.Failure {
                throw TrainingError(message: "\(path):\(error.line): not valid TOML: \(error.message)\n  \(rule)")
            }
        }
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw TrainingError(message: "\(path): the file is empty\n  \(rule)")
            }
            return node(root)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError(message: "\(path): not valid YAML (\(error))\n  \(rule)")
        }
    }

    /// JSON values as the text a setting is parsed from (numbers keep their shortest exact form).
    static func node(_ value: JSONValue) -> ConfigNode {
        switch value {
        case let .object(pairs): return .mapping(pairs.map { ConfigEntry(key: $0.0, value: node($0.1), line: nil) }, line: nil)
        case let .array(items): return .list(items.map(node), line: nil)
        case let .int(i): return .scalar(String(i), line: nil)
        case let .double(d): return .scalar(d.description, line: nil)
        case let .bool(b): return .scalar(b ? "true" : "false", line: nil)
        case let .string(s): return .scalar(s, line: nil)
        default: return .scalar("", line: nil)
        }
    }

    /// YAML nodes as written: a scalar's own text, so `1e-3` reaches the setting as typed.
    static func node(_ yaml: Node) -> ConfigNode {
        let line = yaml.mark.map { $0.line }
        switch yaml {
        case let .scalar(scalar): return .scalar(scalar.string, line: line)
        case let .mapping(mapping):
            return .mapping(mapping.map { key, value in ConfigEntry(key: key.string ?? "\(key)", value: node(value), line: key.mark.map { $0.line }) },
                            line: line)
        case let .sequence(sequence): return .list(sequence.map(node), line: line)
        default: return .scalar("", line: line)
        }
    }
}
