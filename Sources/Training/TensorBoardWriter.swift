import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a TensorBoard event file (`events.out.tfevents.<unix-seconds>.<hostname>`) of scalar summaries.
///
/// The file is a sequence of TFRecords — a little-endian `UInt64` payload length, the masked CRC-32C of
/// those 8 bytes, the payload, the masked CRC-32C of the payload — whose payloads are protobuf `Event`
/// messages, encoded here by hand: the first carries only `file_version` "brain.Event:2", every later one a
/// `Summary` of (tag, `simple_value`) pairs at one step. Each call to `append` is one `write(2)` of whole
/// records straight to the file (nothing is buffered in the process), so a crash loses nothing already
/// appended. Every failure to create or write the file is a `TrainingError` naming it.
public final class TensorBoardWriter {
    /// The event file's path.
    public let path: String
    private var descriptor: Int32
    /// Bytes written to the file so far.
    public private(set) var size = 0

    /// Creates `directory` if needed and, in it, a new event file named after `time` and `hostname`,
    /// starting with the file-version event.
    public init(directory: String, time: Date = Date(), hostname: String = TensorBoardWriter.hostname) throws {
        let seconds = Int64(min(max(0, time.timeIntervalSince1970.rounded(.down)), 9e18))
        path = (directory as NSString).appendingPathComponent("events.out.tfevents.\(seconds).\(hostname)")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError(message: "\(directory): cannot create the TensorBoard folder (\(error.localizedDescription))")
        }
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0o644)
        if descriptor < 0 {
            throw TrainingError(message: "\(path): cannot create the TensorBoard event file (\(String(cString: strerror(errno))))")
        }
        var event = Self.field(1, double: time.timeIntervalSince1970)
        event += Self.field(3, bytes: Array("brain.Event:2".utf8))
        try write(Self.record(event))
    }

    /// Opens an event file this writer made, cut back to its first `length` bytes (the events a
    /// checkpoint had seen), to append after them.
    public init(reopening path: String, truncatingTo length: Int) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND, 0o644)
        if descriptor < 0 || ftruncate(descriptor, off_t(length)) != 0 {
            throw TrainingError(message: "\(path): cannot reopen the TensorBoard event file (\(String(cString: strerror(errno))))")
        }
        size = length
    }

    deinit { close() }

    /// Closes the file; later appends fail.
    public func close() {
        if descriptor >= 0 { _ = systemClose(descriptor) }
        descriptor = -1
    }

    /// Appends one event holding `scalars` (each stored as a 32-bit float; NaN and infinities as such) at `step`.
    public func append(scalars: [(tag: String, value: Double)], step: Int64, wallTime: Double = Date().timeIntervalSince1970) throws {
        var summary: [UInt8] = []
        for (tag, value) in scalars {
            let entry = Self.field(1, bytes: Array(tag.utf8)) + Self.field(2, float: Float(value))
            summary += Self.field(1, bytes: entry)
        }
        var event = Self.field(1, double: wallTime)
        event += Self.field(2, varint: UInt64(bitPattern: step))
        event += Self.field(5, bytes: summary)
        try write(Self.record(event))
    }

    private func write(_ bytes: [UInt8]) throws {
        guard descriptor >= 0 else { throw TrainingError(message: "\(path): cannot write the TensorBoard event file (it is closed)") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw TrainingError(message: "\(path): cannot write the TensorBoard event file (\(String(cString: strerror(errno))))")
            }
            offset += written
            size += written
        }
    }

    // MARK: TFRecord framing and CRC-32C

    /// One TFRecord: length, masked CRC of the length, payload, masked CRC of the payload.
    static func record(_ payload: [UInt8]) -> [UInt8] {
        let length = littleEndian(UInt64(payload.count))
        return length + littleEndian(maskedCRC32C(length)) + payload + littleEndian(maskedCRC32C(payload))
    }

    /// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, initial and final XOR 0xFFFFFFFF).
    public static func crc32c<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// The CRC-32C of `bytes` as TFRecord stores it: rotated right by 15 bits plus 0xa282ead8.
    public static func maskedCRC32C<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        let crc = crc32c(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    // MARK: protobuf encoding

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    /// Wire types: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit.
    private static func key(_ field: UInt64, _ wireType: UInt64) -> [UInt8] { varint(field << 3 | wireType) }

    private static func field(_ number: UInt64, varint value: UInt64) -> [UInt8] { key(number, 0) + varint(value) }
    private static func field(_ number: UInt64, double value: Double) -> [UInt8] { key(number, 1) + littleEndian(value.bitPattern) }
    private static func field(_ number: UInt64, float value: Float) -> [UInt8] { key(number, 5) + littleEndian(value.bitPattern) }
    private static func field(_ number: UInt64, bytes: [UInt8]) -> [UInt8] { key(number, 2) + varint(UInt64(bytes.count)) + bytes }

    // MARK: host name

    /// This machine's host name (as `gethostname` gives it), for the event file's name.
    public static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .replacingOccurrences(of: "/", with: "_")
        return name.isEmpty ? "localhost" : name
    }
}

// `close(2)` and `write(2)`, out of reach of the methods of the same names.
func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(descriptor)
    #else
    return Darwin.close(descriptor)
    #endif
}

func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}
