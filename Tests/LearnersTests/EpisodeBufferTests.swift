import Common
import Learners
import XCTest

final class EpisodeBufferTests: XCTestCase {
    let layout = EpisodeLayout(agents: 2, observationSize: 1, stateSize: 1, actions: 3, episodeLimit: 4)

    /// An episode of `length` steps whose values encode (episode tag, slot, agent).
    func episode(tag: Float, length: Int, terminated: Bool) -> EpisodeRecord {
        let record = EpisodeRecord(layout: layout)
        for t in 0...length {
            let obs: [Float] = [tag + Float(t) / 10, tag + Float(t) / 10 + 0.01]
            let state: [Float] = [tag * 100 + Float(t)]
            let avail: [UInt8] = [1, 0, 1, 1, 1, 0]
            obs.withUnsafeBufferPointer { o in state.withUnsafeBufferPointer { s in avail.withUnsafeBufferPointer { a in
                record.observe(observations: o, state: s, available: a)
            } } }
            if t < length { record.act([Int32(t % 3), 2], reward: Double(tag) + Double(t)) }
        }
        record.finish(terminated: terminated)
        return record
    }

    func testStandardizedRewardsUseTheRunningMomentsOfEveryCollectedRewardAndLeavePaddingAtZero() {
        let short = episode(tag: 1, length: 2, terminated: true), long = episode(tag: 2, length: 4, terminated: false)
        var standardizer = RewardStandardizer()
        standardizer.observe(short)                                  // rewards 1, 2
        standardizer.observe(long)                                   // rewards 2, 3, 4, 5
        let all: [Double] = [1, 2, 2, 3, 4, 5]
        let mean = all.reduce(0, +) / 6
        let deviation = (all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6).squareRoot()
        XCTAssertEqual(standardizer.deviation, deviation, accuracy: 1e-12)

        let buffer = EpisodeBuffer(layout: layout, capacity: 10)
        buffer.insert(short)
        buffer.insert(long)
        let batch = EpisodeBatch(layout: layout, episodes: 2)
        var generator = SeededGenerator(seed: 1)
        buffer.sample(into: batch, using: &generator)
        let raw = batch.rewards
        standardizer.apply(to: batch)
        for k in 0..<raw.count {
            let expected = batch.mask[k] == 0 ? 0 : (Double(raw[k]) - mean) / deviation
            XCTAssertEqual(Double(batch.rewards[k]), expected, accuracy: 1e-5)
        }
        XCTAssertTrue(batch.mask.contains(0), "the short episode is padded")
    }

    func testBatchIsTimeMajorPaddedAndMasked() {
        let buffer = EpisodeBuffer(layout: layout, capacity: 10)
        buffer.insert(episode(tag: 1, length: 2, terminated: true))
        buffer.insert(episode(tag: 2, length: 4, terminated: false))
        let batch = EpisodeBatch(layout: layout, episodes: 2)
        var generator = SeededGenerator(seed: 1)
        buffer.sample(into: batch, using: &generator)
        XCTAssertEqual(batch.steps, 4)
        let order = batch.lengths == [2, 4] ? [0, 1] : [1, 0]
        let (short, long) = (order[0], order[1])
        XCTAssertEqual(batch.terminated[short], true)
        XCTAssertEqual(batch.terminated[long], false)
        // mask[t][b] = 1 for t < length
        for t in 0..<4 {
            XCTAssertEqual(batch.mask[t * 2 + short], t < 2 ? 1 : 0)
            XCTAssertEqual(batch.mask[t * 2 + long], 1)
            XCTAssertEqual(batch.rewards[t * 2 + long], Float(2 + t))
        }
        // The short episode's final slot (t = 2) holds its last state; later slots are zero padding.
        XCTAssertEqual(batch.states[2 * 2 + short], 102)
        XCTAssertEqual(batch.states[3 * 2 + short], 0)
        XCTAssertEqual(batch.observations[(1 * 2 + long) * 2 + 1], 2.11, accuracy: 1e-6, "slot 1, agent 2 of the long episode")
        XCTAssertEqual(Array(batch.available[((0 * 2 + short) * 2) * 3..<((0 * 2 + short) * 2 + 2) * 3]), [1, 0, 1, 1, 1, 0])
        XCTAssertEqual(Array(batch.available[((3 * 2 + short) * 2) * 3..<((3 * 2 + short) * 2 + 2) * 3]), [0, 0, 0, 0, 0, 0],
                       "padded slots have no available action")
        XCTAssertEqual(batch.actions[(1 * 2 + long) * 2], 1)
        XCTAssertEqual(batch.actions[(4 * 2 + long) * 2], 0, "the final slot carries no action")
    }

    func testFIFOAndSamplingWithoutReplacementAreSeeded() {
        let buffer = EpisodeBuffer(layout: layout, capacity: 3)
        for tag in 1...5 { buffer.insert(episode(tag: Float(tag), length: 1, terminated: true)) }
        XCTAssertEqual(buffer.count, 3)
        let batch = EpisodeBatch(layout: layout, episodes: 3)
        var generator = SeededGenerator(seed: 4)
        buffer.sample(into: batch, using: &generator)
        XCTAssertEqual(Set(batch.rewards[0..<3]), [3, 4, 5], "the two oldest episodes were replaced; no episode drawn twice")

        func draws(seed: UInt64) -> [[Float]] {
            var g = SeededGenerator(seed: seed)
            let small = EpisodeBatch(layout: layout, episodes: 2)
            return (0..<5).map { _ in buffer.sample(into: small, using: &g); return Array(small.rewards[0..<2]) }
        }
        XCTAssertEqual(draws(seed: 9), draws(seed: 9))
        XCTAssertNotEqual(draws(seed: 9), draws(seed: 10))
    }
}
