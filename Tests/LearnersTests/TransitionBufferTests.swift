import Common
import Learners
import XCTest

final class TransitionBufferTests: XCTestCase {
    let layout = EpisodeLayout(agents: 2, observationSize: 1, stateSize: 1, actions: 3, episodeLimit: 5)

    func episode(length: Int, terminated: Bool) -> EpisodeRecord {
        let record = EpisodeRecord(layout: layout)
        for t in 0...length {
            let value = Float(t)
            [value, value].withUnsafeBufferPointer { o in
                [value].withUnsafeBufferPointer { s in
                    [UInt8](repeating: 1, count: 6).withUnsafeBufferPointer { record.observe(observations: o, state: s, available: $0) }
                }
            }
            if t < length { record.act([Int32(t % 3), 1], reward: Double(t + 1)) }
        }
        record.finish(terminated: terminated)
        return record
    }

    /// Every stored row, found by its state (= its step t).
    func rows(_ buffer: TransitionBuffer, size: Int) -> [Int: (reward: Float, discount: Float, next: Float, action: [Float])] {
        let batch = TransitionBatch(layout: layout, size: 400)
        var generator = SeededGenerator(seed: 1)
        buffer.sample(into: batch, using: &generator)
        var found: [Int: (Float, Float, Float, [Float])] = [:]
        for b in 0..<batch.size {
            found[Int(batch.states[b])] = (batch.rewards[b], batch.discounts[b], batch.nextStates[b], Array(batch.actions[(b * 6)..<(b * 6 + 6)]))
        }
        XCTAssertEqual(found.count, size)
        return found
    }

    func testNStepReturnsStopAtTheEpisodeEndAndOnlyTerminationDropsTheBootstrap() {
        let gamma: Float = 0.5
        for terminated in [true, false] {
            let buffer = TransitionBuffer(layout: layout, capacity: 10, steps: 2, gamma: gamma)
            buffer.insert(episode(length: 3, terminated: terminated))
            XCTAssertEqual(buffer.count, 3)
            let found = rows(buffer, size: 3)
            // t = 0: r 1 + 0.5·2, bootstrap at slot 2 with γ²; t = 1: 2 + 0.5·3, slot 3; t = 2: 3 alone, slot 3 with γ.
            XCTAssertEqual(found[0]!.reward, 2, accuracy: 1e-6)
            XCTAssertEqual(found[0]!.discount, 0.25, accuracy: 1e-6)
            XCTAssertEqual(found[0]!.next, 2)
            XCTAssertEqual(found[1]!.reward, 3.5, accuracy: 1e-6)
            XCTAssertEqual(found[1]!.discount, terminated ? 0 : 0.25, accuracy: 1e-6)
            XCTAssertEqual(found[2]!.reward, 3, accuracy: 1e-6)
            XCTAssertEqual(found[2]!.discount, terminated ? 0 : 0.5, accuracy: 1e-6)
            XCTAssertEqual(found[2]!.next, 3)
            XCTAssertEqual(found[2]!.action, [0, 0, 1, 0, 1, 0], "one-hot actions per agent")
        }
    }

    func testTheOldestTransitionsAreOverwritten() {
        let buffer = TransitionBuffer(layout: layout, capacity: 4, steps: 1, gamma: 0.9)
        buffer.insert(episode(length: 3, terminated: true))
        buffer.insert(episode(length: 3, terminated: false))
        XCTAssertEqual(buffer.count, 4)
        let found = rows(buffer, size: 3)
        // Rows of the first episode's t = 0 and 1 were overwritten: t = 2 is the first episode's
        // (terminal, discount 0) or the second's; t = 0, 1 come only from the second episode.
        XCTAssertEqual(found[0]!.discount, 0.9, accuracy: 1e-6)
        XCTAssertEqual(found[1]!.discount, 0.9, accuracy: 1e-6)
    }
}

final class TemperatureTests: XCTestCase {
    func testAlphaGrowsBelowTheTargetEntropyAndShrinksAbove() {
        let low = Temperature("a", initial: 0.2, learned: true, learningRate: 0.01, targetEntropy: 1)
        let high = Temperature("b", initial: 0.2, learned: true, learningRate: 0.01, targetEntropy: 1)
        let fixed = Temperature("c", initial: 0.2, learned: false, learningRate: 0.01, targetEntropy: 1)
        for _ in 0..<10 {
            low.update(meanLogProbability: -0.5)     // entropy 0.5 < 1
            high.update(meanLogProbability: -2)      // entropy 2 > 1
            fixed.update(meanLogProbability: -0.5)
        }
        XCTAssertGreaterThan(low.value, 0.2)
        XCTAssertLessThan(high.value, 0.2)
        XCTAssertEqual(fixed.value, 0.2, accuracy: 1e-7)
    }

    func testDiscreteTargetIsKappaLogActionsAndContinuousIsMinusDimensions() {
        let discrete = EpisodeLayout(agents: 2, observationSize: 1, stateSize: 1, actions: 5, episodeLimit: 1)
        let continuous = EpisodeLayout(agents: 2, observationSize: 1, stateSize: 1, actions: 0, episodeLimit: 1, actionDimensions: 3)
        XCTAssertEqual(Temperature.defaultTarget(discrete.actionSpaces[0], kappa: 0.98), 0.98 * log(5.0), accuracy: 1e-12)
        XCTAssertEqual(Temperature.defaultTarget(continuous.actionSpaces[0], kappa: 0.98), -3)
    }

    func testContinuousTargetFollowsTargetEntropyPerDimension() throws {
        let continuous = EpisodeLayout(agents: 2, observationSize: 1, stateSize: 1, actions: 0, episodeLimit: 1, actionDimensions: 2)
        var settings = Settings(specs: HASAC.settings)
        XCTAssertEqual(ActorCriticSettings.targetEntropies(continuous, settings)[0], -2)
        try settings.apply([("target_entropy_per_dim", "-0.25")], from: "test")
        XCTAssertEqual(ActorCriticSettings.targetEntropies(continuous, settings)[0], -0.5)
    }

    func testAlphaMaxBoundsAlphaWithoutWindUp() throws {
        var settings = Settings(specs: HASAC.settings)
        try settings.apply([("alpha_max", "0.5"), ("alpha_lr", "0.05")], from: "test")
        let bounded = ActorCriticSettings.temperature("a", settings, target: 1)
        try settings.apply([("alpha_max", "0")], from: "test")
        let free = ActorCriticSettings.temperature("b", settings, target: 1)
        for _ in 0..<200 {                                       // entropy 0 < 1: α grows
            bounded.update(meanLogProbability: 0)
            free.update(meanLogProbability: 0)
        }
        XCTAssertEqual(bounded.value, 0.5, accuracy: 1e-6)
        XCTAssertGreaterThan(free.value, 5)
        for _ in 0..<20 {                                        // entropy 2 > 1: the bounded α falls as soon as Adam turns
            bounded.update(meanLogProbability: -2)
            free.update(meanLogProbability: -2)
        }
        XCTAssertLessThan(bounded.value, 0.45)
        XCTAssertGreaterThan(free.value, 5, "the unbounded α is still far up")
    }
}
