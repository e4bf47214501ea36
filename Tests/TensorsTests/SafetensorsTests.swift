import XCTest
@testable import Tensors

/// Checkpoint format: round trip, layout, and clean errors on damaged files.
final class SafetensorsTests: XCTestCase {
    func tempURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tensors-test-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
    }

    func testRoundTripOfParameterSet() throws {
        var rng = RandomSource(seed: 1)
        let mlp = MLP("net", sizes: [3, 4, 2], rng: &rng)
        let url = tempURL("rt.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.save(ParameterSet(mlp.parameters), to: url, metadata: ["format": "pt"])
        let copy = MLP("net", sizes: [3, 4, 2], rng: &rng)
        XCTAssertNotEqual(copy.parameters[0].values, mlp.parameters[0].values)
        try Safetensors.load(ParameterSet(copy.parameters), from: url)
        for (a, b) in zip(copy.parameters, mlp.parameters) { XCTAssertEqual(a.values, b.values) }
    }

    func testLayout() throws {
        let data = Safetensors.encode([NamedTensor(name: "a", shape: [2], values: [1, -2]), NamedTensor(name: "b", shape: [], values: [3])])
        let bytes = [UInt8](data)
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        XCTAssertEqual(length % 8, 0)
        XCTAssertEqual(bytes.count, 8 + length + 12)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as! [String: Any]
        let a = header["a"] as! [String: Any]
        XCTAssertEqual(a["dtype"] as? String, "F32")
        XCTAssertEqual(a["data_offsets"] as? [Int], [0, 8])
        XCTAssertEqual((header["b"] as! [String: Any])["shape"] as? [Int], [])
        // Little-endian 1.0f = 00 00 80 3F.
        XCTAssertEqual(Array(bytes[(8 + length)..<(8 + length + 4)]), [0, 0, 0x80, 0x3F])
        let decoded = try Safetensors.decode(data)
        XCTAssertEqual(decoded.map(\.name), ["a", "b"])
        XCTAssertEqual(decoded[0].values, [1, -2])
    }

    func testTruncatedAndCorruptFilesThrow() {
        let good = [UInt8](Safetensors.encode([NamedTensor(name: "w", shape: [2, 2], values: [1, 2, 3, 4])]))
        XCTAssertThrowsError(try Safetensors.decode(Data())) { XCTAssertTrue("\($0)".contains("truncated")) }
        XCTAssertThrowsError(try Safetensors.decode(Data(good[0..<5])))
        XCTAssertThrowsError(try Safetensors.decode(Data(good[0..<(good.count - 3)]))) { XCTAssertTrue("\($0)".contains("truncated")) }
        XCTAssertThrowsError(try Safetensors.decode(Data(good[0..<20])))
        var hugeLength = good
        hugeLength[7] = 0xFF
        XCTAssertThrowsError(try Safetensors.decode(Data(hugeLength)))
        var badJSON = good
        badJSON[8] = UInt8(ascii: "x")
        XCTAssertThrowsError(try Safetensors.decode(Data(badJSON))) { XCTAssertTrue("\($0)".contains("invalid header")) }
        let wrongDtype = Array("{\"w\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}".utf8)
        var file = [UInt8](repeating: 0, count: 8)
        file[0] = UInt8(wrongDtype.count)
        XCTAssertThrowsError(try Safetensors.decode(Data(file + wrongDtype + [0, 0]))) { XCTAssertTrue("\($0)".contains("BF16")) }
        let wrongSize = Array("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}".utf8)
        file[0] = UInt8(wrongSize.count)
        XCTAssertThrowsError(try Safetensors.decode(Data(file + wrongSize + [UInt8](repeating: 0, count: 8))))
        let negative = Array("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}".utf8)
        file[0] = UInt8(negative.count)
        XCTAssertThrowsError(try Safetensors.decode(Data(file + negative + [0, 0, 0, 0])))
        // Random damage never crashes.
        var rng = RandomSource(seed: 3)
        for _ in 0..<300 {
            var damaged = good
            for _ in 0..<3 { damaged[rng.nextInt(below: damaged.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? Safetensors.decode(Data(damaged.prefix(rng.nextInt(below: damaged.count + 1))))
        }
    }

    func testLoadReportsMissingAndMismatchedTensors() throws {
        let url = tempURL("mismatch.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write([NamedTensor(name: "w", shape: [2], values: [1, 2])], to: url)
        let wrongShape = Parameter(name: "w", shape: Shape(1, 2))
        XCTAssertThrowsError(try Safetensors.load(ParameterSet([wrongShape]), from: url)) {
            XCTAssertEqual($0 as? SafetensorsError, .shapeMismatch(name: "w", expected: [1, 2], found: [2]))
        }
        let missing = Parameter(name: "v", shape: Shape(2))
        XCTAssertThrowsError(try Safetensors.load(ParameterSet([missing]), from: url)) {
            XCTAssertEqual($0 as? SafetensorsError, .missingTensor("v"))
        }
        XCTAssertThrowsError(try Safetensors.read(tempURL("does-not-exist")))
    }
}
