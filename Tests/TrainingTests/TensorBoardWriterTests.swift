import Common
import Foundation
import Training
import XCTest

final class TensorBoardWriterTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-tb-\(UUID().uuidString)").path
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testCRC32CMatchesTheCastagnoliCheckValue() {
        XCTAssertEqual(TensorBoardWriter.crc32c(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(TensorBoardWriter.crc32c([UInt8]()), 0)
        let crc = TensorBoardWriter.crc32c(Array("123456789".utf8))
        XCTAssertEqual(TensorBoardWriter.maskedCRC32C(Array("123456789".utf8)), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    func testAWrittenFileParsesBack() throws {
        let directory = folder + "/tb"
        let writer = try TensorBoardWriter(directory: directory, time: Date(timeIntervalSince1970: 1_700_000_000.75), hostname: "testhost")
        XCTAssertEqual(writer.path, directory + "/events.out.tfevents.1700000000.testhost")
        try writer.append(scalars: [("loss", 0.1), ("undefined", .nan), ("huge", 1e40)], step: 7, wallTime: 1_700_000_001.5)
        try writer.append(scalars: [("test_return_mean", -12.5)], step: 300_000_000_000, wallTime: 1_700_000_002)
        try writer.append(scalars: [], step: -1, wallTime: 1_700_000_003)

        let events = try decodeEventFile(writer.path)
        XCTAssertEqual(events.count, 4)
        XCTAssertEqual(events[0].fileVersion, "brain.Event:2")
        XCTAssertEqual(events[0].wallTime, 1_700_000_000.75)
        XCTAssertTrue(events[0].scalars.isEmpty)
        XCTAssertNil(events[1].fileVersion)
        XCTAssertEqual(events[1].wallTime, 1_700_000_001.5)
        XCTAssertEqual(events[1].step, 7)
        XCTAssertEqual(events[1].scalars.map(\.tag), ["loss", "undefined", "huge"])
        XCTAssertEqual(events[1].scalars[0].value, Float(0.1))
        XCTAssertTrue(events[1].scalars[1].value.isNaN)
        XCTAssertEqual(events[1].scalars[2].value, .infinity)
        XCTAssertEqual(events[2].step, 300_000_000_000)
        XCTAssertEqual(events[2].scalars.first?.tag, "test_return_mean")
        XCTAssertEqual(events[2].scalars.first?.value, -12.5)
        XCTAssertEqual(events[3].step, -1)
    }

    func testFailuresAreTrainingErrorsNamingTheFile() throws {
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        let writer = try TensorBoardWriter(directory: folder, time: time, hostname: "h")
        XCTAssertThrowsError(try TensorBoardWriter(directory: folder, time: time, hostname: "h")) { error in
            XCTAssertTrue((error as? TrainingError)?.message.hasPrefix(writer.path + ": cannot create") == true, "\(error)")
        }
        XCTAssertThrowsError(try TensorBoardWriter(directory: writer.path + "/tb", time: time, hostname: "h")) { error in
            XCTAssertTrue((error as? TrainingError)?.message.hasPrefix(writer.path + "/tb: cannot create") == true, "\(error)")
        }
        writer.close()
        XCTAssertThrowsError(try writer.append(scalars: [("x", 1)], step: 1)) { error in
            XCTAssertTrue((error as? TrainingError)?.message.hasPrefix(writer.path + ": cannot write") == true, "\(error)")
        }
    }

    func testARunFolderWritesItsMetricsRowsAsEvents() throws {
        let run = try RunFolder(path: folder, config: .object([("seed", .int(3))]))
        try run.appendMetrics([("step", 100), ("episodes", 10), ("return_mean", .nan), ("wall_seconds", 0.123456789)])
        try run.appendMetrics([("step", 200), ("episodes", 20), ("return_mean", 1.25), ("wall_seconds", 0.25), ("test_won_mean", 0.5)])
        let csv = try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8)
        XCTAssertEqual(csv, "step,episodes,return_mean,wall_seconds,test_won_mean\n100,10,,0.123457,\n200,20,1.25,0.25,0.5\n")

        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/tb")
        XCTAssertEqual(files.count, 1)
        let name = try XCTUnwrap(files.first)
        XCTAssertTrue(name.hasPrefix("events.out.tfevents."), name)
        let events = try decodeEventFile(folder + "/tb/" + name)
        XCTAssertEqual(events.count, 3)
        XCTAssertEqual(events[0].fileVersion, "brain.Event:2")
        XCTAssertEqual(events[1].step, 100)
        XCTAssertEqual(events[1].scalars.map(\.tag), ["episodes", "return_mean", "wall_seconds"], "step is the event's step, not a scalar")
        XCTAssertEqual(events[1].scalars[0].value, 10)
        XCTAssertTrue(events[1].scalars[1].value.isNaN, "a NaN metric is written as NaN")
        XCTAssertEqual(events[1].scalars[2].value, Float(0.123457), "the value as metrics.csv states it")
        XCTAssertEqual(events[2].step, 200)
        XCTAssertEqual(events[2].scalars.map(\.tag), ["episodes", "return_mean", "wall_seconds", "test_won_mean"])
        XCTAssertEqual(events[2].scalars.map(\.value), [20, 1.25, 0.25, 0.5])
        let now = Date().timeIntervalSince1970
        for event in events { XCTAssertEqual(try XCTUnwrap(event.wallTime), now, accuracy: 60) }
    }
}

// MARK: a test-side reader of event files

private struct DecodeError: Error, CustomStringConvertible {
    var description: String
}

private struct DecodedEvent {
    var wallTime: Double?
    var step: Int64 = 0
    var fileVersion: String?
    var scalars: [(tag: String, value: Float)] = []
}

/// The events of a TFRecord file, every length and payload CRC checked.
private func decodeEventFile(_ path: String) throws -> [DecodedEvent] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var reader = ProtoReader(bytes: bytes[...])
    var events: [DecodedEvent] = []
    while !reader.atEnd {
        let lengthBytes = try reader.take(8)
        var lengthReader = ProtoReader(bytes: lengthBytes)
        let length = try lengthReader.fixed(8)
        guard try UInt32(reader.fixed(4)) == TensorBoardWriter.maskedCRC32C(lengthBytes) else {
            throw DecodeError(description: "record \(events.count): the length's CRC does not match")
        }
        let payload = try reader.take(Int(length))
        guard try UInt32(reader.fixed(4)) == TensorBoardWriter.maskedCRC32C(payload) else {
            throw DecodeError(description: "record \(events.count): the payload's CRC does not match")
        }
        events.append(try decodeEvent(payload))
    }
    return events
}

private func decodeEvent(_ bytes: ArraySlice<UInt8>) throws -> DecodedEvent {
    var event = DecodedEvent()
    var reader = ProtoReader(bytes: bytes)
    while !reader.atEnd {
        switch try reader.key() {
        case (1, 1): event.wallTime = Double(bitPattern: try reader.fixed(8))
        case (2, 0): event.step = Int64(bitPattern: try reader.varint())
        case (3, 2): event.fileVersion = String(decoding: try reader.lengthDelimited(), as: UTF8.self)
        case (5, 2):
            var summary = ProtoReader(bytes: try reader.lengthDelimited())
            while !summary.atEnd {
                guard try summary.key() == (1, 2) else { throw DecodeError(description: "Summary: unexpected field") }
                var value = ProtoReader(bytes: try summary.lengthDelimited())
                var tag = "", number = Float.nan
                while !value.atEnd {
                    switch try value.key() {
                    case (1, 2): tag = String(decoding: try value.lengthDelimited(), as: UTF8.self)
                    case (2, 5): number = Float(bitPattern: UInt32(try value.fixed(4)))
                    case let other: throw DecodeError(description: "Summary.Value: unexpected field \(other)")
                    }
                }
                event.scalars.append((tag, number))
            }
        case let other: throw DecodeError(description: "Event: unexpected field \(other)")
        }
    }
    return event
}

private struct ProtoReader {
    var bytes: ArraySlice<UInt8>

    var atEnd: Bool { bytes.isEmpty }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count >= count else { throw DecodeError(description: "truncated: \(count) bytes wanted, \(bytes.count) left") }
        defer { bytes = bytes.dropFirst(count) }
        return bytes.prefix(count)
    }

    /// A little-endian fixed-width integer of `size` bytes.
    mutating func fixed(_ size: Int) throws -> UInt64 {
        try take(size).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            let byte = try take(1).first!
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        throw DecodeError(description: "varint longer than 10 bytes")
    }

    mutating func key() throws -> (field: UInt64, wireType: UInt64) {
        let key = try varint()
        return (key >> 3, key & 7)
    }

    mutating func lengthDelimited() throws -> ArraySlice<UInt8> {
        try take(Int(try varint()))
    }
}
