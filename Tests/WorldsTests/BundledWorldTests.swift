import Worlds
import XCTest

/// The bundled reward-surface worlds pay exactly the values of docs/worlds.md §1–§3.
final class BundledWorldTests: XCTestCase {
    func testNonMonotonicGamePaysTheQTRANMatrix() throws {
        let world = try LuaWorld(file: Paths.envs("matrix/nonmono.lua"))
        let payoff: [[Double]] = [[8, -12, -12], [-12, 0, 0], [-12, 0, 0]]
        XCTAssertEqual(world.spec.agents, 2)
        XCTAssertEqual(world.spec.actionSpaces, [.discrete(3), .discrete(3)])
        for a in 1...3 {
            for b in 1...3 {
                let result = try world.reward(discrete: [a, b])
                XCTAssertEqual(result.reward, payoff[a - 1][b - 1], "(\(a), \(b))")
                XCTAssertTrue(result.terminated)
                XCTAssertFalse(result.truncated)
            }
        }
        try world.reset()
        XCTAssertEqual(world.observationArray, [1, 0, 1, 0], "one-hot of the step counter before the step")
        XCTAssertEqual(Array(world.state), [1, 0])
        _ = try world.step(JointAction(spec: world.spec))
        XCTAssertEqual(world.observationArray, [0, 1, 0, 1])
    }

    func testNonMonotonicEasyPresetAndBadPreset() throws {
        let world = try LuaWorld(file: Paths.envs("matrix/nonmono.lua"), options: [("payoff", .string("easy"))])
        XCTAssertEqual(try world.reward(discrete: [1, 1]).reward, 12)
        XCTAssertEqual(try world.reward(discrete: [1, 2]).reward, -0.1)
        XCTAssertEqual(try world.reward(discrete: [3, 3]).reward, 0)
        let error = worldError { _ = try LuaWorld(file: Paths.envs("matrix/nonmono.lua"), options: [("payoff", .string("hard"))]) }
        let source = try String(contentsOfFile: Paths.envs("matrix/nonmono.lua"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(error?.line, source.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("options = {") }.map { $0 + 1 },
                       "the line of the options declaration")
        XCTAssertTrue(error?.message.contains("option 'payoff' must be one of qtran, easy, got 'hard'") ?? false, error?.message ?? "")
        XCTAssertTrue(error?.rule.contains("an option takes a value of its default's type") ?? false)
    }

    func testTwoStepGame() throws {
        let world = try LuaWorld(file: Paths.envs("matrix/two_step.lua"))
        func play(_ first: Int, _ a: Int, _ b: Int) throws -> (Double, [Float]) {
            try world.reset()
            var action = JointAction(spec: world.spec)
            action.discrete = [Int32(first - 1), 0]
            let step1 = try world.step(action)
            XCTAssertEqual(step1.reward, 0)
            XCTAssertFalse(step1.done)
            let middle = world.observationArray
            action.discrete = [Int32(a - 1), Int32(b - 1)]
            let step2 = try world.step(action)
            XCTAssertTrue(step2.terminated)
            return (step2.reward, middle)
        }
        for a in 1...2 { for b in 1...2 { XCTAssertEqual(try play(1, a, b).0, 7) } }
        XCTAssertEqual(try play(2, 1, 1).0, 0)
        XCTAssertEqual(try play(2, 1, 2).0, 1)
        XCTAssertEqual(try play(2, 2, 1).0, 1)
        XCTAssertEqual(try play(2, 2, 2).0, 8)
        XCTAssertEqual(try play(1, 1, 1).1, [0, 1, 0, 0, 0, 1, 0, 0], "stage 2A")
        XCTAssertEqual(try play(2, 1, 1).1, [0, 0, 1, 0, 0, 0, 1, 0], "stage 2B")
    }

    func testMaxOfTwoQuadraticsTestPoints() throws {
        let world = try LuaWorld(file: Paths.envs("surfaces/quadratics.lua"))
        let points: [(Double, Double, Double)] = [
            (0, 0, -13.333333), (10, 10, -40), (-10, -10, -13.333333), (5, -5, -26.666667),
            (3, 3, 2), (1, 1, -19.2), (5, 5, 10), (-5, -5, 0),
        ]
        for (a1, a2, expected) in points {
            XCTAssertEqual(try world.reward(continuous: [a1 / 10, a2 / 10]).reward, expected, accuracy: 1e-5, "r(\(a1), \(a2))")
        }
        XCTAssertEqual(try world.reward(continuous: [3, -7]).reward, try world.reward(continuous: [1, -1]).reward,
                       "actions outside [low, high] are clipped")
        let unscaled = try LuaWorld(file: Paths.envs("surfaces/quadratics.lua"), options: [("action_scale", .integer(1))])
        XCTAssertEqual(try unscaled.reward(continuous: [0.5, 0.5]).reward, try world.reward(continuous: [0.05, 0.05]).reward, accuracy: 1e-12)
        let squared = try LuaWorld(file: Paths.envs("surfaces/quadratics.lua"), options: [("squared_scale", .string("true"))])
        XCTAssertEqual(try squared.reward(continuous: [0.5, 0.5]).reward, 10, accuracy: 1e-12)
        XCTAssertEqual(try squared.reward(continuous: [0, 0]).reward, 0.8 * (-(25.0 / 9) * 2), accuracy: 1e-9)
    }

    func testADERPathGameTable() throws {
        let world = try LuaWorld(file: Paths.envs("surfaces/ader_path.lua"))
        let table: [(Double, Double, Double)] = [
            (0, 0, 0), (-0.03, 0, 0), (0.3, 0, 1.25), (0.6, 0, 2.5), (0.58, 0.0, 2.5), (0.6, 0.3, 3.75),
            (0.6, 0.55, 4.791667), (0.62, 0.61, 4.906831), (0.6, 0.6, 5), (0, 0.1, -0.416667),
            (0.3, 0.3, -1.767767), (1, 1, -5.892557),
        ]
        for (x, y, expected) in table {
            XCTAssertEqual(try world.reward(continuous: [x, y]).reward, expected, accuracy: 1e-6, "r(\(x), \(y))")
        }
        try world.reset()
        XCTAssertEqual(world.observationArray, Array(repeating: 1, count: 10))
        XCTAssertEqual(Array(world.state), Array(repeating: 1, count: 5))
        let harsh = try LuaWorld(file: Paths.envs("surfaces/ader_path.lua"), options: [("k_out", .integer(10))])
        XCTAssertEqual(try harsh.reward(continuous: [0, 0.1]).reward, -1, accuracy: 1e-12)
    }

    func testFACMACContinuousMatrixGame() throws {
        let world = try LuaWorld(file: Paths.envs("surfaces/facmac_cmg.lua"))
        XCTAssertEqual(try world.reward(continuous: [0.5, 0.5]).reward, 1.95, accuracy: 1e-9)
        XCTAssertEqual(try world.reward(continuous: [0.5, 0.52]).reward, -0.05204, accuracy: 1e-9)
        XCTAssertEqual(try world.reward(continuous: [0, 0]).reward, 0)
        XCTAssertEqual(try world.reward(continuous: [1, 1]).reward, 2.8, accuracy: 1e-9)
    }
}
