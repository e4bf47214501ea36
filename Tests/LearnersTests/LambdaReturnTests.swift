import Learners
import XCTest

final class LambdaReturnTests: XCTestCase {
    /// One episode (B = 1) of rewards with bootstrap values Q̄ at slots 0...steps.
    func returns(rewards: [Float], bootstrap: [Float], entropy: [Float]? = nil, length: Int, terminated: Bool,
                 gamma: Float = 0.9, lambda: Float) -> [Float] {
        var targets = [Float](repeating: -1, count: rewards.count)
        rewards.withUnsafeBufferPointer { r in
            bootstrap.withUnsafeBufferPointer { q in
                targets.withUnsafeMutableBufferPointer { out in
                    if let entropy {
                        entropy.withUnsafeBufferPointer { h in
                            LambdaReturn.compute(rewards: r, bootstrap: q, entropy: h, lengths: [length], terminated: [terminated],
                                                 gamma: gamma, lambda: lambda, into: out)
                        }
                    } else {
                        LambdaReturn.compute(rewards: r, bootstrap: q, entropy: nil, lengths: [length], terminated: [terminated],
                                             gamma: gamma, lambda: lambda, into: out)
                    }
                }
            }
        }
        return targets
    }

    func testLambdaZeroIsTheOneStepTarget() {
        let g = returns(rewards: [1, 2, 3], bootstrap: [0, 10, 20, 30], length: 3, terminated: true, lambda: 0)
        XCTAssertEqual(g[0], 1 + 0.9 * 10, accuracy: 1e-5)
        XCTAssertEqual(g[1], 2 + 0.9 * 20, accuracy: 1e-5)
        XCTAssertEqual(g[2], 3, accuracy: 1e-5, "no bootstrap through termination")
        let truncated = returns(rewards: [1, 2, 3], bootstrap: [0, 10, 20, 30], length: 3, terminated: false, lambda: 0)
        XCTAssertEqual(truncated[2], 3 + 0.9 * 30, accuracy: 1e-5, "bootstrap through truncation")
    }

    func testLambdaOneIsTheMonteCarloReturn() {
        let g = returns(rewards: [1, 2, 3], bootstrap: [0, 10, 20, 30], length: 3, terminated: true, lambda: 1)
        XCTAssertEqual(g[0], 1 + 0.9 * 2 + 0.81 * 3, accuracy: 1e-5)
        let truncated = returns(rewards: [1, 2, 3], bootstrap: [0, 10, 20, 30], length: 3, terminated: false, lambda: 1)
        XCTAssertEqual(truncated[0], 1 + 0.9 * 2 + 0.81 * 3 + 0.729 * 30, accuracy: 1e-4)
    }

    func testIntermediateLambdaMatchesTheRecursionByHand() {
        let (r, q, gamma, lambda): ([Float], [Float], Float, Float) = ([1, -1], [0, 5, 7], 0.9, 0.6)
        let g = returns(rewards: r, bootstrap: q, length: 2, terminated: false, gamma: gamma, lambda: lambda)
        let g1 = r[1] + gamma * q[2]
        let g0 = r[0] + gamma * ((1 - lambda) * q[1] + lambda * g1)
        XCTAssertEqual(g[1], g1, accuracy: 1e-5)
        XCTAssertEqual(g[0], g0, accuracy: 1e-5)
    }

    func testSoftReturnAddsTheNextEntropyAndNothingAfterTermination() {
        let (r, q, h): ([Float], [Float], [Float]) = ([1, 2, 0], [0, 4, 6, 99], [0, 0.5, 0.25, 50])
        let terminated = returns(rewards: r, bootstrap: q, entropy: h, length: 2, terminated: true, lambda: 0.4)
        XCTAssertEqual(terminated[1], 2, accuracy: 1e-6, "neither value nor entropy after the terminal step")
        let expected: Float = 1 + 0.9 * (0.6 * 4.5 + 0.4 * 2.5)
        XCTAssertEqual(terminated[0], expected, accuracy: 1e-5)
        XCTAssertEqual(terminated[2], 0, "slots past the episode's length are zero")
        let truncated = returns(rewards: r, bootstrap: q, entropy: h, length: 2, terminated: false, lambda: 0.4)
        let lastSlot: Float = 2 + 0.9 * 6.25
        XCTAssertEqual(truncated[1], lastSlot, accuracy: 1e-5, "the last stored state keeps its value and entropy")
    }

    func testEpisodesInOneBatchAreIndependent() {
        // B = 2, steps = 2: episode 0 has length 1 (terminated), episode 1 length 2 (truncated).
        let rewards: [Float] = [1, 10, 0, 20]
        let bootstrap: [Float] = [0, 0, 5, 50, 7, 70]
        var targets = [Float](repeating: -1, count: 4)
        rewards.withUnsafeBufferPointer { r in bootstrap.withUnsafeBufferPointer { q in targets.withUnsafeMutableBufferPointer { out in
            LambdaReturn.compute(rewards: r, bootstrap: q, entropy: nil, lengths: [1, 2], terminated: [true, false],
                                 gamma: 0.5, lambda: 0, into: out)
        } } }
        let expected: [Float] = [1, 35, 0, 55]
        XCTAssertEqual(targets, expected)
    }
}
