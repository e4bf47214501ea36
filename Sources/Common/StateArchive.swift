import Foundation

/// A part of a run whose state a checkpoint keeps: it names every value that changes while the
/// run trains, once, in `exchangeState` — the same function saves and restores, so what is
/// written is exactly what is read back (docs/design.md §4.2).
public protocol Checkpointable: AnyObject {
    func exchangeState(with archive: StateArchive) throws
}

/// Why a checkpoint cannot be read back: the rule it breaks, for one clear error.
public struct StateArchiveError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The state of a run as named byte entries. Saving hands each entry to a sink as it is named (a
/// checkpoint file streams them to disk, so a large replay buffer is never copied whole); restoring
/// reads entries by name. Names nest with dots (`learner.critic.optimizer.step`); an entry must come
/// back with the size it was written with.
public final class StateArchive {
    public enum Direction { case saving, restoring }
    public let direction: Direction
    private let sink: ((String, UnsafeRawBufferPointer) throws -> Void)?
    private var entries: [String: Data] = [:]
    private var written: Set<String> = []
    private var prefix: [String] = []

    /// An archive that saves: every entry goes to `sink` (its full name and bytes) as it is named.
    public init(saving sink: @escaping (String, UnsafeRawBufferPointer) throws -> Void) {
        direction = .saving
        self.sink = sink
    }

    /// An archive to restore from, by entry name.
    public init(restoringFrom entries: [String: Data]) {
        direction = .restoring
        sink = nil
        self.entries = entries
    }

    public var isSaving: Bool { direction == .saving }

    private func qualified(_ name: String) -> String { (prefix + [name]).joined(separator: ".") }

    private func stored(_ name: String) throws -> Data {
        let full = qualified(name)
        guard let data = entries[full] else {
            throw StateArchiveError("the checkpoint has no entry '\(full)' (it was written for another learner, world or settings)")
        }
        return data
    }

    private func put(_ name: String, _ bytes: UnsafeRawBufferPointer) throws {
        let full = qualified(name)
        precondition(written.insert(full).inserted, "two checkpoint entries named \(full)")
        try sink!(full, bytes)
    }

    /// `count` bytes at `pointer`.
    public func bytes(_ name: String, _ pointer: UnsafeMutableRawPointer, count: Int) throws {
        if isSaving {
            try put(name, UnsafeRawBufferPointer(start: pointer, count: count))
            return
        }
        let data = try stored(name)
        guard data.count == count else {
            throw StateArchiveError("the checkpoint's entry '\(qualified(name))' has \(data.count) bytes where this run needs \(count) (sizes or settings differ)")
        }
        data.withUnsafeBytes { if count > 0 { pointer.copyMemory(from: $0.baseAddress!, byteCount: count) } }
    }

    /// `count` floats at `pointer` (weights, optimizer moments).
    public func floats(_ name: String, _ pointer: UnsafeMutablePointer<Float>, count: Int) throws {
        try bytes(name, UnsafeMutableRawPointer(pointer), count: count * MemoryLayout<Float>.stride)
    }

    /// A plain value: a number, a flag, a random generator's state.
    public func value<T: BitwiseCopyable>(_ name: String, _ value: inout T) throws {
        try withUnsafeMutableBytes(of: &value) { try bytes(name, $0.baseAddress!, count: $0.count) }
    }

    /// An array of plain values whose length is part of the state (a buffer's rows, a list of returns);
    /// only its first `prefix` values when given (storage allocated ahead of use is not state).
    public func array<T: BitwiseCopyable>(_ name: String, _ values: inout [T], prefix: Int? = nil) throws {
        let stride = MemoryLayout<T>.stride
        if isSaving {
            let count = Swift.min(prefix ?? values.count, values.count)
            try values.withUnsafeBytes { raw in try put(name, UnsafeRawBufferPointer(rebasing: raw[0..<(count * stride)])) }
            return
        }
        let data = try stored(name)
        guard data.count % stride == 0 else {
            throw StateArchiveError("the checkpoint's entry '\(qualified(name))' has \(data.count) bytes, not a whole number of \(stride)-byte values")
        }
        var restored = [T]()
        restored.reserveCapacity(data.count / stride)
        data.withUnsafeBytes { raw in
            for k in 0..<(data.count / stride) { restored.append(raw.loadUnaligned(fromByteOffset: k * stride, as: T.self)) }
        }
        values = restored
    }

    /// A string (a column name, a warning).
    public func text(_ name: String, _ value: inout String) throws {
        var bytes = Array(value.utf8)
        try array(name, &bytes)
        if !isSaving {
            guard let decoded = String(validating: bytes, as: UTF8.self) else {
                throw StateArchiveError("the checkpoint's entry '\(qualified(name))' is not UTF-8 text")
            }
            value = decoded
        }
    }

    /// A list of strings.
    public func texts(_ name: String, _ values: inout [String]) throws {
        var count = values.count
        try value("\(name).count", &count)
        if !isSaving { values = Array(repeating: "", count: count) }
        for k in 0..<count { try text("\(name).\(k)", &values[k]) }
    }

    /// A part's state under `name`.
    public func part(_ name: String, _ part: Checkpointable) throws {
        prefix.append(name)
        defer { prefix.removeLast() }
        try part.exchangeState(with: self)
    }

    /// Several parts of one kind, as `name.0`, `name.1`, ….
    public func parts(_ name: String, _ parts: [Checkpointable]) throws {
        for (k, p) in parts.enumerated() { try part("\(name).\(k)", p) }
    }

    /// Runs `body` with names under `name`.
    public func group(_ name: String, _ body: () throws -> Void) throws {
        prefix.append(name)
        defer { prefix.removeLast() }
        try body()
    }
}
