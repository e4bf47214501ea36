import Common
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint on disk (docs/design.md §4.2): the magic line, the format version, a JSON header
/// (what the run is and where it stood), the state's entries streamed one by one, then a trailer with
/// the entry count and a checksum of everything before it. A checkpoint is written to a temporary
/// name, synced and renamed over the last one, which is kept as `checkpoint.previous.bin` until the
/// new one is complete; a reader trusts a file only when its magic, version, size and checksum agree.
public enum CheckpointFile {
    /// The format this build writes and reads; a checkpoint of any other format is refused.
    public static let format: UInt32 = 1
    static let magic = Array("MARLSIM CHECKPOINT\n".utf8)
    static let end = Array("END\n".utf8)
    static let trailerSize = 8 + 8 + 4
    public static let latestName = "checkpoint.bin"
    public static let previousName = "checkpoint.previous.bin"

    /// Writes `folder/checkpoint.bin`: `header` and the entries `fill` names, keeping the checkpoint
    /// it replaces as `checkpoint.previous.bin`. Returns the file's size in bytes. On any failure the
    /// partial file is removed and the checkpoints already there are untouched.
    @discardableResult
    public static func write(folder: String, header: JSONValue, fill: (StateArchive) throws -> Void) throws -> Int {
        let latest = (folder as NSString).appendingPathComponent(latestName)
        let previous = (folder as NSString).appendingPathComponent(previousName)
        let partial = (folder as NSString).appendingPathComponent(".\(latestName).partial")
        let writer: StreamingWriter
        do { writer = try StreamingWriter(path: partial) } catch {
            throw TrainingError(message: "\(partial): cannot write a checkpoint (\(error)); the last checkpoint is kept")
        }
        do {
            try writer.append(magic)
            try writer.append(integer: format)
            let headerBytes = Array(header.serialized.utf8)
            try writer.append(integer: UInt32(headerBytes.count))
            try writer.append(headerBytes)
            var count: UInt64 = 0
            try fill(StateArchive(saving: { name, bytes in
                let nameBytes = Array(name.utf8)
                try writer.append(integer: UInt16(nameBytes.count))
                try writer.append(nameBytes)
                try writer.append(integer: UInt64(bytes.count))
                try writer.append(bytes)
                count += 1
            }))
            try writer.append(integer: count)
            try writer.append(integer: writer.checksum.value, hashed: false)
            try writer.append(end, hashed: false)
            try writer.finish()
        } catch {
            writer.abandon()
            unlink(partial)
            let reason = (error as? CheckpointWriteError)?.description ?? "\(error)"
            throw TrainingError(message: "\(latest): cannot write the checkpoint (\(reason)); the last complete checkpoint is kept")
        }
        let size = writer.size
        if access(latest, F_OK) == 0 && rename(latest, previous) != 0 {
            unlink(partial)
            throw TrainingError(message: "\(latest): cannot keep it as \(previousName) (\(String(cString: strerror(errno))))")
        }
        if rename(partial, latest) != 0 {
            throw TrainingError(message: "\(latest): cannot put the new checkpoint in place (\(String(cString: strerror(errno)))); \(previousName) holds the last one")
        }
        syncFolder(folder)
        return size
    }

    /// What a checkpoint file holds: its header and its entries by name (slices of the mapped file).
    public struct Contents {
        public let header: JSONValue
        public let entries: [String: Data]
        public let size: Int
    }

    /// Reads and checks a checkpoint; every way it can be unusable is one error naming the file and why.
    public static func read(_ path: String) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw TrainingError(message: "\(path): cannot read the checkpoint (\(error.localizedDescription))")
        }
        func corrupt(_ why: String) -> TrainingError { TrainingError(message: "\(path): the checkpoint is unusable: \(why)") }
        var reader = Reader(data: data)
        guard data.count >= magic.count, Array(data.prefix(magic.count)) == magic else {
            throw corrupt("it is not a marl-sim checkpoint (the magic line is missing)")
        }
        reader.offset = magic.count
        guard let version: UInt32 = reader.integer() else { throw corrupt("it is truncated (\(data.count) bytes)") }
        if version != format {
            throw TrainingError(message: "\(path): the checkpoint has format \(version), and this marl-sim reads format \(format) only (it was written by \(version > format ? "a newer" : "an older") marl-sim); resume it with that version, or start the run again")
        }
        guard data.count >= reader.offset + trailerSize, Array(data.suffix(end.count)) == end else {
            throw corrupt("it is truncated (\(data.count) bytes, no end marker): the write did not finish")
        }
        let bodyEnd = data.count - trailerSize
        var checksum = WordChecksum()
        data.withUnsafeBytes { checksum.add(UnsafeRawBufferPointer(rebasing: $0[0..<(bodyEnd + 8)])) }
        var trailer = Reader(data: data, offset: bodyEnd + 8)
        guard let stored: UInt64 = trailer.integer(), stored == checksum.value else {
            throw corrupt("its checksum does not match its contents (a changed or damaged byte)")
        }
        guard let headerLength: UInt32 = reader.integer(), let headerBytes = reader.bytes(Int(headerLength)),
              let headerText = String(bytes: headerBytes, encoding: .utf8), let header = try? JSONValue.parse(headerText) else {
            throw corrupt("its header is not readable")
        }
        var entries: [String: Data] = [:]
        while reader.offset < bodyEnd {
            guard let nameLength: UInt16 = reader.integer(), let nameBytes = reader.bytes(Int(nameLength)),
                  let name = String(bytes: nameBytes, encoding: .utf8), let size: UInt64 = reader.integer(),
                  size <= UInt64(bodyEnd - reader.offset), let bytes = reader.slice(Int(size)) else {
                throw corrupt("entry \(entries.count + 1) is malformed")
            }
            entries[name] = bytes
        }
        var countReader = Reader(data: data, offset: bodyEnd)
        guard let count: UInt64 = countReader.integer(), count == UInt64(entries.count) else {
            throw corrupt("it holds \(entries.count) entries where its trailer counts another number")
        }
        return Contents(header: header, entries: entries, size: data.count)
    }

    /// Flushes a folder's directory entry (the renames) to disk.
    static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            _ = systemClose(descriptor)
        }
    }

    /// Reads little-endian integers and byte runs from a position in `data`.
    struct Reader {
        let data: Data
        var offset = 0

        mutating func integer<T: FixedWidthInteger>() -> T? {
            let size = MemoryLayout<T>.size
            guard offset + size <= data.count else { return nil }
            var value: T = 0
            for k in 0..<size { value |= T(data[data.startIndex + offset + k]) << (8 * k) }
            offset += size
            return value
        }

        mutating func bytes(_ count: Int) -> [UInt8]? { slice(count).map(Array.init) }

        mutating func slice(_ count: Int) -> Data? {
            guard count >= 0, offset + count <= data.count else { return nil }
            defer { offset += count }
            return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + count))
        }
    }
}

/// Why a checkpoint write failed (the system's reason).
struct CheckpointWriteError: Error, CustomStringConvertible {
    let description: String
}

/// 64-bit FNV-1a over little-endian 8-byte words (a byte-wise tail for the last 1–7 bytes): a
/// checksum fed in pieces of any size gives the value of the whole.
struct WordChecksum {
    private(set) var state: UInt64 = 0xCBF2_9CE4_8422_2325
    private var pending: UInt64 = 0
    private var pendingBytes = 0
    static let prime: UInt64 = 0x100_0000_01B3

    var value: UInt64 {
        var v = state
        var rest = pending
        for _ in 0..<pendingBytes {
            v = (v ^ (rest & 0xFF)) &* Self.prime
            rest >>= 8
        }
        return v
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var k = 0, n = bytes.count
        while pendingBytes > 0 && k < n {
            pending |= UInt64(bytes[k]) << (8 * pendingBytes)
            pendingBytes += 1
            k += 1
            if pendingBytes == 8 {
                state = (state ^ pending) &* Self.prime
                pending = 0
                pendingBytes = 0
            }
        }
        n -= k
        let base = bytes.baseAddress.map { $0 + k }
        var w = 0
        if let base {
            while w + 8 <= n {
                state = (state ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: w, as: UInt64.self))) &* Self.prime
                w += 8
            }
            while w < n {
                pending |= UInt64(base.load(fromByteOffset: w, as: UInt8.self)) << (8 * pendingBytes)
                pendingBytes += 1
                w += 1
            }
        }
    }
}

/// Appends to a new file through a 1 MiB buffer, checksumming what it writes; large pieces go
/// straight to the file. Every failed system call is an error with the system's reason.
final class StreamingWriter {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private(set) var size = 0
    var checksum = WordChecksum()
    static let bufferSize = 1 << 20

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if descriptor < 0 { throw CheckpointWriteError(description: String(cString: strerror(errno))) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit { if descriptor >= 0 { _ = systemClose(descriptor) } }

    func append(_ bytes: [UInt8], hashed: Bool = true) throws {
        try bytes.withUnsafeBytes { try append($0, hashed: hashed) }
    }

    func append<T: FixedWidthInteger>(integer: T, hashed: Bool = true) throws {
        var little = integer.littleEndian
        try withUnsafeBytes(of: &little) { try append($0, hashed: hashed) }
    }

    func append(_ bytes: UnsafeRawBufferPointer, hashed: Bool = true) throws {
        if hashed { checksum.add(bytes) }
        size += bytes.count
        if buffer.count + bytes.count <= Self.bufferSize {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count >= Self.bufferSize / 2 {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointWriteError(description: String(cString: strerror(errno)))
            }
            done += n
        }
    }

    /// Writes what is buffered and syncs the file to disk.
    func finish() throws {
        try flush()
        if fsync(descriptor) != 0 { throw CheckpointWriteError(description: String(cString: strerror(errno))) }
    }

    /// Gives up the file (the caller removes it).
    func abandon() { buffer.removeAll() }
}
