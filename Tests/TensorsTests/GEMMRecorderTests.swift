import XCTest
@testable import Tensors

/// The recorder behind `marl-sim bench learners`: every matrix product's shape, and its own time.
final class GEMMRecorderTests: XCTestCase {
    func testRecordsTheShapesOfALayersProductsOnlyWhileOn() {
        var rng = RandomSource(seed: 1)
        let layer = Linear("fc", 4, 3, rng: &rng)
        let g = Graph()
        let x = g.constant([Float](repeating: 0.5, count: 10 * 4), Shape(10, 4))
        GEMMRecorder.shapes.removeAll()
        _ = layer(x)
        XCTAssertTrue(GEMMRecorder.shapes.isEmpty, "off by default")
        GEMMRecorder.isRecording = true
        _ = layer(x)
        GEMMRecorder.isRecording = false
        XCTAssertEqual(GEMMRecorder.shapes.map { [$0.m, $0.n, $0.k] }, [[10, 3, 4]], "x[10×4]·Wᵀ[4×3]")
        XCTAssertEqual(GEMMRecorder.shapes.first?.flops, 2 * 10 * 3 * 4)
        let time = GEMMRecorder.microseconds(of: GEMMRecorder.shapes[0], seconds: 0.001)
        XCTAssertTrue(time > 0 && time < 1000, "\(time) µs for a 10×3×4 product")
        GEMMRecorder.shapes.removeAll()
    }
}
