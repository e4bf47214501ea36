import Common
import XCTest

final class JSONValueTests: XCTestCase {
    func testRoundTripKeepsIntegersFloatsAndKeyOrder() throws {
        let text = #"{"b":[1,2.0,-3.5e-7,true,null],"a":{"z":"x\"y\n","é":"\u00e9"},"big":9007199254740993}"#
        let value = try JSONValue.parse(text)
        XCTAssertEqual(value["b"], .array([.int(1), .double(2), .double(-3.5e-7), .bool(true), .null]))
        XCTAssertEqual(value["big"], .int(9_007_199_254_740_993), "integers keep all 64 bits")
        XCTAssertEqual(try JSONValue.parse(value.serialized), value)
        guard case let .object(pairs) = value else { return XCTFail() }
        XCTAssertEqual(pairs.map(\.0), ["b", "a", "big"])
        XCTAssertEqual(JSONValue.double(0.1).serialized, "0.1")
        XCTAssertEqual(JSONValue.double(5).serialized, "5.0")
    }

    func testErrorsGiveLineAndColumn() {
        XCTAssertThrowsError(try JSONValue.parse("[1,\n  2,,3]")) { error in
            let parse = error as? JSONParseError
            XCTAssertEqual(parse?.line, 2)
            XCTAssertEqual(parse?.column, 5)
        }
        for bad in ["", "[1", "{\"a\" 1}", "tru", "\"abc", "[1] x", String(repeating: "[", count: 600)] {
            XCTAssertThrowsError(try JSONValue.parse(bad), bad)
        }
    }
}

final class SeededGeneratorTests: XCTestCase {
    func testStreamsAreReproducibleAndDistinct() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 42, stream: 1)
        let xs = (0..<8).map { _ in a.next() }
        XCTAssertEqual(xs, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(xs, (0..<8).map { _ in c.next() })
    }

    func testUniformIntegersAreUnbiased() {
        var g = SeededGenerator(seed: 7)
        var counts = [Int](repeating: 0, count: 3)
        for _ in 0..<30_000 { counts[g.nextInt(below: 3)] += 1 }
        for count in counts { XCTAssertEqual(Double(count), 10_000, accuracy: 400) }
        for _ in 0..<1000 { XCTAssert((0..<1).contains(g.nextUnit())) }
    }
}
