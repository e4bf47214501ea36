import Common
@testable import Learners
import Tensors
import XCTest

final class FSVTests: XCTestCase {
    let layout = EpisodeLayout(agents: 3, observationSize: 4, stateSize: 6, actions: 5, episodeLimit: 4)

    func learner(_ overrides: [(String, String)]) throws -> FSV {
        var settings = Settings(specs: FSV.settings)
        try settings.apply([("rnn_hidden", "8"), ("attention_embed", "8")] + overrides, from: "test")
        return FSV(layout: layout, settings: settings, seed: 3)
    }

    func testVtotWeightBiasShiftsOnlyTheInitialBiasOfTheStateWeights() throws {
        let paper = try learner([]), shifted = try learner([("vtot_weight_bias", "1")])
        let before = paper.valueWeights.bias!.values, after = shifted.valueWeights.bias!.values
        XCTAssertEqual(after.count, 3)
        for (a, b) in zip(after, before) { XCTAssertEqual(a - b, 1, accuracy: 1e-6) }
        XCTAssertEqual(paper.valueWeights.weight.values, shifted.valueWeights.weight.values)
        XCTAssertEqual(paper.valueBias.bias!.values, shifted.valueBias.bias!.values)
    }

    func testMeanActionGapIsTheMeanRowRange() {
        var q: [Float] = [1, 3, 2, -1, -1, -1, 0, 5, -5]
        let gap = q.withUnsafeMutableBufferPointer { FSV.meanActionGap($0.baseAddress!, count: 9, actions: 3) }
        XCTAssertEqual(gap, (2 + 0 + 10) / 3, accuracy: 1e-9)
    }
}
