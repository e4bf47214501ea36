/// Reads TOML 1.0 (https://toml.io/en/v1.0.0) into a `ConfigNode` tree that keeps every key's line,
/// so that a sweep spec's or config file's mistakes are reported where they are. Values keep the text
/// they were written with (`1e-3`, `0.5`), numbers without their `_` separators; offset dates and
/// times, which no setting takes, are refused with their line.
struct TOMLReader {
    struct Failure: Error {
        var line: Int
        var message: String
    }

    /// A table under construction: its keys in order, and whether a `[header]` or a key defined it
    /// (an implicit parent of `[a.b]` may still get its own header once).
    private final class Table {
        var keys: [String] = []
        var values: [String: Value] = [:]
        var lines: [String: Int] = [:]
        var defined = false
        var closed = false
        let line: Int
        init(line: Int) { self.line = line }
    }

    private enum Value {
        case scalar(String, line: Int)
        case table(Table)
        case array([Value], line: Int)
        case tables([Table], line: Int)
    }

    private let bytes: [UInt8]
    private var at = 0
    private var line = 1

    init(text: String) { bytes = Array(text.utf8) }

    mutating func read() throws -> ConfigNode {
        let root = Table(line: 1)
        var current = root
        while true {
            skipBlank(newlines: true)
            guard let byte = peek() else { break }
            if byte == UInt8(ascii: "[") {
                at += 1
                if peek() == UInt8(ascii: "[") {
                    at += 1
                    current = try arrayOfTablesHeader(in: root)
                } else {
                    current = try tableHeader(in: root)
                }
            } else {
                try keyValue(into: current)
            }
            try endOfLine()
        }
        return Self.node(root)
    }

    // MARK: structure

    private mutating func tableHeader(in root: Table) throws -> Table {
        let headerLine = line
        let path = try keyPath()
        try expect("]", "a table header ends with ]")
        var table = root
        for (k, key) in path.enumerated() {
            let last = k == path.count - 1
            switch table.values[key] {
            case nil:
                let child = Table(line: headerLine)
                add(key, .table(child), to: table, line: headerLine)
                table = child
            case let .table(child)? where !child.closed:
                if last && child.defined { throw Failure(line: headerLine, message: "table [\(path.joined(separator: "."))] is defined twice (first at line \(child.line))") }
                table = child
            case let .tables(list, _)? where !last:
                table = list[list.count - 1]
            default:
                throw Failure(line: headerLine, message: "'\(path[...k].joined(separator: "."))' is already a value (line \(table.lines[key] ?? 0)), not a table")
            }
        }
        table.defined = true
        return table
    }

    private mutating func arrayOfTablesHeader(in root: Table) throws -> Table {
        let headerLine = line
        let path = try keyPath()
        try expect("]", "an array-of-tables header ends with ]]")
        try expect("]", "an array-of-tables header ends with ]]")
        var table = root
        for (k, key) in path.enumerated() where k < path.count - 1 {
            switch table.values[key] {
            case nil:
                let child = Table(line: headerLine)
                add(key, .table(child), to: table, line: headerLine)
                table = child
            case let .table(child)? where !child.closed: table = child
            case let .tables(list, _)?: table = list[list.count - 1]
            default: throw Failure(line: headerLine, message: "'\(path[...k].joined(separator: "."))' is already a value, not a table")
            }
        }
        let key = path[path.count - 1]
        let entry = Table(line: headerLine)
        entry.defined = true
        switch table.values[key] {
        case nil: add(key, .tables([entry], line: headerLine), to: table, line: headerLine)
        case let .tables(list, firstLine)?: table.values[key] = .tables(list + [entry], line: firstLine)
        default:
            throw Failure(line: headerLine, message: "[[\(path.joined(separator: "."))]]: '\(key)' is already a value or table (line \(table.lines[key] ?? 0)), not an array of tables")
        }
        return entry
    }

    private mutating func keyValue(into table: Table) throws {
        let keyLine = line
        let path = try keyPath()
        skipBlank(newlines: false)
        try expect("=", "a key is followed by = and its value")
        skipBlank(newlines: false)
        let value = try value()
        try insert(value, at: path, into: table, line: keyLine)
    }

    /// Puts a value at a dotted key, creating the tables on its way; a key given twice is an error.
    private func insert(_ value: Value, at path: [String], into table: Table, line keyLine: Int) throws {
        var table = table
        for (k, key) in path.enumerated() where k < path.count - 1 {
            switch table.values[key] {
            case nil:
                let child = Table(line: keyLine)
                child.defined = true
                add(key, .table(child), to: table, line: keyLine)
                table = child
            case let .table(child)? where !child.closed: table = child
            default: throw Failure(line: keyLine, message: "'\(path[...k].joined(separator: "."))' is already a value (line \(table.lines[key] ?? 0)), not a table")
            }
        }
        let key = path[path.count - 1]
        if let first = table.lines[key] {
            throw Failure(line: keyLine, message: "'\(path.joined(separator: "."))' is given twice (first at line \(first))")
        }
        add(key, value, to: table, line: keyLine)
    }

    private func add(_ key: String, _ value: Value, to table: Table, line: Int) {
        table.keys.append(key)
        table.values[key] = value
        table.lines[key] = line
    }

    // MARK: keys

    private mutating func keyPath() throws -> [String] {
        var path: [String] = []
        while true {
            skipBlank(newlines: false)
            path.append(try simpleKey())
            skipBlank(newlines: false)
            guard peek() == UInt8(ascii: ".") else { return path }
            at += 1
        }
    }

    private mutating func simpleKey() throws -> String {
        guard let byte = peek() else { throw Failure(line: line, message: "a key is missing at the end of the file") }
        if byte == UInt8(ascii: "\"") { at += 1; return try basicString() }
        if byte == UInt8(ascii: "'") { at += 1; return try literalString() }
        let start = at
        while let b = peek(), Self.isBareKey(b) { at += 1 }
        guard at > start else {
            throw Failure(line: line, message: "expected a key (letters, digits, _ and -, or a quoted name), found \(describe(byte))")
        }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    private static func isBareKey(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    // MARK: values

    private mutating func value() throws -> Value {
        let valueLine = line
        guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "#") else {
            throw Failure(line: valueLine, message: "a value is missing after =")
        }
        switch byte {
        case UInt8(ascii: "\""):
            if starts(with: "\"\"\"") { at += 3; return .scalar(try multilineString(literal: false), line: valueLine) }
            at += 1
            return .scalar(try basicString(), line: valueLine)
        case UInt8(ascii: "'"):
            if starts(with: "'''") { at += 3; return .scalar(try multilineString(literal: true), line: valueLine) }
            at += 1
            return .scalar(try literalString(), line: valueLine)
        case UInt8(ascii: "["):
            at += 1
            return try array(line: valueLine)
        case UInt8(ascii: "{"):
            at += 1
            return try inlineTable(line: valueLine)
        default:
            return .scalar(try bareValue(), line: valueLine)
        }
    }

    private mutating func array(line arrayLine: Int) throws -> Value {
        var items: [Value] = []
        while true {
            skipBlank(newlines: true)
            guard let byte = peek() else { throw Failure(line: arrayLine, message: "the list opened here is not closed with ]") }
            if byte == UInt8(ascii: "]") { at += 1; return .array(items, line: arrayLine) }
            items.append(try value())
            skipBlank(newlines: true)
            guard let next = peek() else { throw Failure(line: arrayLine, message: "the list opened here is not closed with ]") }
            if next == UInt8(ascii: ",") { at += 1; continue }
            if next == UInt8(ascii: "]") { at += 1; return .array(items, line: arrayLine) }
            throw Failure(line: line, message: "list items are separated by commas; found \(describe(next))")
        }
    }

    private mutating func inlineTable(line tableLine: Int) throws -> Value {
        let table = Table(line: tableLine)
        table.defined = true
        skipBlank(newlines: true)
        if peek() == UInt8(ascii: "}") { at += 1; table.closed = true; return .table(table) }
        while true {
            skipBlank(newlines: true)
            let keyLine = line
            let path = try keyPath()
            skipBlank(newlines: false)
            try expect("=", "a key is followed by = and its value")
            skipBlank(newlines: false)
            try insert(try value(), at: path, into: table, line: keyLine)
            skipBlank(newlines: true)
            guard let next = peek() else { throw Failure(line: tableLine, message: "the table opened here is not closed with }") }
            if next == UInt8(ascii: ",") { at += 1; continue }
            if next == UInt8(ascii: "}") { at += 1; table.closed = true; return .table(table) }
            throw Failure(line: line, message: "inline table entries are separated by commas; found \(describe(next))")
        }
    }

    /// true, false, a number (its text without `_`), inf and nan; dates are refused.
    private mutating func bareValue() throws -> String {
        let start = at
        while let b = peek(), Self.isBareKey(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":") { at += 1 }
        let token = String(decoding: bytes[start..<at], as: UTF8.self)
        if token == "true" || token == "false" { return token }
        if ["inf", "+inf", "-inf", "nan", "+nan", "-nan"].contains(token) { return token.hasPrefix("+") ? String(token.dropFirst()) : token }
        let digits = token.replacingOccurrences(of: "_", with: "")
        if token.contains(":") || (token.count >= 10 && token.dropFirst(4).first == "-" && Int(token.prefix(4)) != nil) {
            throw Failure(line: line, message: "'\(token)': dates and times are not taken by any field here")
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            guard let value = Int64(digits.dropFirst(2), radix: radix) else { throw Failure(line: line, message: "'\(token)' is not a number") }
            return String(value)
        }
        guard !token.isEmpty, !token.hasPrefix("_"), !token.hasSuffix("_"), !token.contains("__"), Double(digits) != nil else {
            let shown = token.isEmpty ? describe(peek()) : "'\(token)'"
            throw Failure(line: line, message: "\(shown) is not a value (strings are quoted: \"text\"; numbers, true and false are not)")
        }
        return digits.hasPrefix("+") ? String(digits.dropFirst()) : digits
    }

    private mutating func basicString() throws -> String {
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
        while let byte = peek() {
            at += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                scalars.append(try escape())
            case UInt8(ascii: "\n"):
                throw Failure(line: line, message: "a string must close on its line (\"\"\" opens one that spans lines)")
            default:
                raw.append(byte)
            }
        }
        throw Failure(line: line, message: "a string is not closed")
    }

    private mutating func literalString() throws -> String {
        let start = at
        while let byte = peek() {
            if byte == UInt8(ascii: "'") {
                at += 1
                return String(decoding: bytes[start..<(at - 1)], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\n") { break }
            at += 1
        }
        throw Failure(line: line, message: "a string is not closed on its line")
    }

    private mutating func multilineString(literal: Bool) throws -> String {
        let opened = line
        let close = literal ? "'''" : "\"\"\""
        if peek() == UInt8(ascii: "\n") { at += 1; line += 1 }
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
        while let byte = peek() {
            if starts(with: close) {
                at += 3
                flush()
                return String(scalars)
            }
            at += 1
            if byte == UInt8(ascii: "\n") { line += 1 }
            if byte == UInt8(ascii: "\\") && !literal {
                flush()
                if let next = peek(), next == UInt8(ascii: "\n") || next == UInt8(ascii: " ") || next == UInt8(ascii: "\t") {
                    // A line-ending backslash joins the lines, dropping the whitespace after it.
                    while let b = peek(), b == UInt8(ascii: "\n") || b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                        if b == UInt8(ascii: "\n") { line += 1 }
                        at += 1
                    }
                } else {
                    scalars.append(try escape())
                }
                continue
            }
            raw.append(byte)
        }
        throw Failure(line: opened, message: "the string opened here with \(close) is not closed")
    }

    private mutating func escape() throws -> Unicode.Scalar {
        guard let byte = peek() else { throw Failure(line: line, message: "a string ends in a backslash") }
        at += 1
        switch byte {
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = byte == UInt8(ascii: "u") ? 4 : 8
            guard at + count <= bytes.count, let code = UInt32(String(decoding: bytes[at..<(at + count)], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(code) else {
                throw Failure(line: line, message: "\\\(Character(Unicode.Scalar(byte))) takes \(count) hex digits of a Unicode scalar")
            }
            at += count
            return scalar
        default:
            throw Failure(line: line, message: "unknown escape \\\(Character(Unicode.Scalar(byte))) (\\n, \\t, \\\", \\\\, \\uXXXX)")
        }
    }

    // MARK: scanning

    private func peek() -> UInt8? { at < bytes.count ? bytes[at] : nil }

    private func starts(with text: String) -> Bool {
        let needle = Array(text.utf8)
        return at + needle.count <= bytes.count && Array(bytes[at..<(at + needle.count)]) == needle
    }

    private mutating func expect(_ character: Character, _ rule: String) throws {
        guard peek() == character.asciiValue else { throw Failure(line: line, message: "\(rule); found \(describe(peek()))") }
        at += 1
    }

    /// Skips spaces, tabs and comments, and newlines too when `newlines`.
    private mutating func skipBlank(newlines: Bool) {
        while let byte = peek() {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                at += 1
            } else if byte == UInt8(ascii: "#") {
                while let b = peek(), b != UInt8(ascii: "\n") { at += 1 }
            } else if byte == UInt8(ascii: "\n") && newlines {
                at += 1
                line += 1
            } else {
                return
            }
        }
    }

    private mutating func endOfLine() throws {
        skipBlank(newlines: false)
        guard let byte = peek() else { return }
        guard byte == UInt8(ascii: "\n") else {
            throw Failure(line: line, message: "one key = value or [table] per line; found \(describe(byte)) after it")
        }
    }

    private func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the file" }
        if byte == UInt8(ascii: "\n") { return "the end of the line" }
        return "'\(String(decoding: bytes[at..<min(bytes.count, at + 12)], as: UTF8.self).split(separator: "\n").first ?? "")'"
    }

    // MARK: the tree

    private static func node(_ table: Table) -> ConfigNode {
        .mapping(table.keys.map { key in ConfigEntry(key: key, value: node(table.values[key]!), line: table.lines[key]) }, line: table.line)
    }

    private static func node(_ value: Value) -> ConfigNode {
        switch value {
        case let .scalar(text, line): return .scalar(text, line: line)
        case let .table(table): return node(table)
        case let .array(items, line): return .list(items.map(node), line: line)
        case let .tables(tables, line): return .list(tables.map(node), line: line)
        }
    }
}
