import Common
import Worlds
import XCTest

/// The particle worlds of docs/worlds.md §4–§8: sizes, physics against hand-computed values, and
/// H-PP rewarding pursuit.
final class ParticleWorldTests: XCTestCase {
    func testObservationAndStateSizes() throws {
        let expected: [(String, [(String, OptionValue)], agents: Int, observations: [Int], state: Int)] = [
            ("hpp.lua", [], 3, [24, 24, 24], 72),
            ("spread.lua", [("preset", .string("mpe2"))], 3, [18, 18, 18], 54),
            ("tag.lua", [("good", .string("agent"))], 4, [16, 16, 16, 14], 62),
            ("tag.lua", [], 3, [16, 16, 16], 62),
            ("treasure.lua", [], 8, Array(repeating: 86, count: 8), 688),
            ("speaker_listener.lua", [], 2, [3, 11], 14),
            ("speaker_listener.lua", [("actions", .string("continuous"))], 2, [3, 11], 14),
        ]
        for (file, options, agents, observations, state) in expected {
            let spec = try LuaWorld(file: Paths.envs(file), options: options).spec
            XCTAssertEqual(spec.agents, agents, file)
            XCTAssertEqual(spec.observationSizes, observations, file)
            XCTAssertEqual(spec.stateSize, state, file)
        }
    }

    /// §4.2 worked example: a spread agent at rest at the origin takes "right" twice.
    func testWorkedExampleForBothIntegrationOrders() throws {
        for (preset, right, positions) in [("mpe2", 3, [0.0, 0.05]), ("simple", 2, [0.05, 0.1375])] {
            let world = try LuaWorld(file: Paths.envs("spread.lua"), options: [("preset", .string(preset)), ("agents", .integer(1))])
            try world.reset()
            try world.restore(JSONValue.parse(#"{"entities": [[0, 0, 0, 0], [2, 2, 0, 0]]}"#))
            var action = JointAction(spec: world.spec)
            action.discrete = [Int32(right - 1)]
            for (step, x) in positions.enumerated() {
                _ = try world.step(action)
                XCTAssertEqual(Double(world.observations[2]), x, accuracy: 1e-7, "\(preset) x after step \(step + 1)")
                XCTAssertEqual(Double(world.observations[0]), step == 0 ? 0.5 : 0.875, accuracy: 1e-7, "\(preset) vx after step \(step + 1)")
            }
        }
    }

    /// speaker_listener (MPE2 v4): the speaker's word reaches the listener's observation after the
    /// step; the listener moves as MPE2's discrete or continuous actions say; the reward is minus
    /// its squared distance to the goal landmark.
    func testSpeakerListenerWorkedStep() throws {
        for kind in ["discrete", "continuous"] {
            let world = try LuaWorld(file: Paths.envs("speaker_listener.lua"), options: [("actions", .string(kind))])
            XCTAssertEqual(world.spec.actionSpaces, kind == "discrete" ? [.discrete(3), .discrete(5)]
                : [.continuous(low: [0, 0, 0], high: [1, 1, 1]), .continuous(low: [0, 0, 0, 0, 0], high: [1, 1, 1, 1, 1])])
            try world.reset()
            try world.restore(JSONValue.parse("""
                {"entities": [[0.5, 0.5, 0, 0], [0, 0, 0.2, 0], [1, 0, 0, 0], [-1, 0, 0, 0], [0, -1, 0, 0]], "goal": 3, "comm": [0, 0, 0]}
                """))
            XCTAssertEqual(world.observationArray, [0.15, 0.15, 0.65, 0.2, 0, 1, 0, -1, 0, 0, -1, 0, 0, 0], "\(kind): before the step")
            var action = JointAction(spec: world.spec)
            if kind == "discrete" {
                action.discrete = [2, 2]                                // word 3; move +x
            } else {
                action.continuous = [0.2, 0, 0.9, 0.3, 0.1, 1.1, 0, 0]  // listener: (a3 - a2) * 5 with a3 = 1.1 clipped to 1
            }
            let reward = try world.step(action).reward
            XCTAssertEqual(reward, -(0.02 * 0.02 + 1), accuracy: 1e-12, "x = 0.2 * 0.1 (position first), goal at (0, -1)")
            let vx: Float = kind == "discrete" ? 0.15 + 0.5 : 0.15 + 0.45
            let comm: [Float] = kind == "discrete" ? [0, 0, 1] : [0.2, 0, 0.9]
            let expected: [Float] = [0.15, 0.15, 0.65, vx, 0, 0.98, 0, -1.02, 0, -0.02, -1] + comm
            for (k, (got, want)) in zip(world.observationArray, expected).enumerated() {
                XCTAssertEqual(got, want, accuracy: 1e-6, "\(kind): value \(k + 1) after the step")
            }
        }
    }

    /// Predators that steer toward the nearest prey in view earn far more than random ones.
    func testHPPPaysForChasing() throws {
        let world = try LuaWorld(file: Paths.envs("hpp.lua"), seed: 3)
        var generator = SeededGenerator(seed: 5)
        func episodeReturn(chase: Bool) throws -> Double {
            try world.reset()
            var action = JointAction(spec: world.spec), total = 0.0
            for _ in 0..<50 {
                for i in 0..<3 {
                    let o = world.observations[(i * 24)..<(i * 24 + 24)].map(Double.init)
                    var best = Double.infinity, direction = (0.0, 0.0)
                    for k in 0..<3 {      // prey offsets follow own state, landmarks and the other predators
                        let dx = o[12 + 2 * k], dy = o[13 + 2 * k], d = (dx * dx + dy * dy).squareRoot()
                        if d > 0, d < best { best = d; direction = (dx / d, dy / d) }
                    }
                    action.continuous[2 * i] = chase ? direction.0 : Double(generator.uniform(-1, 1))
                    action.continuous[2 * i + 1] = chase ? direction.1 : Double(generator.uniform(-1, 1))
                }
                total += try world.step(action).reward
            }
            return total
        }
        let chasing = try (0..<10).map { _ in try episodeReturn(chase: true) }.reduce(0, +) / 10
        let random = try (0..<10).map { _ in try episodeReturn(chase: false) }.reduce(0, +) / 10
        XCTAssertGreaterThan(chasing, 300, "a greedy chase should touch prey for many steps")
        XCTAssertLessThan(random, 30)
    }

    /// envs/lib/prey.lua evaluates FACMAC's heuristic lazily; it must choose exactly what the
    /// straightforward version (every point, distances with roots, first maximum) chooses.
    func testLazyPreyHeuristicChoosesLikeFACMAC() throws {
        let source = #"""
        local prey = require("prey")
        local sqrt, cos, sin, pi, random = math.sqrt, math.cos, math.sin, math.pi, math.random
        local w = {px = {}, py = {}}
        local flee = prey.fleeing(w, 3, 0.075, 0.05, 1)
        local function facmac(k)
          local r, a = {}, {}
          for j = 1, 100 do r[j] = sqrt(random()) end
          for j = 1, 100 do a[j] = 2 * pi * random() end
          local px, py = w.px, w.py
          local nearest, best = 1, math.huge
          for i = 1, 3 do
            local dx, dy = px[i] - px[k], py[i] - py[k]
            local d = sqrt(dx * dx + dy * dy)
            if d < best then nearest, best = i, d end
          end
          local choice, top = 0, -math.huge
          for j = 1, 100 do
            local qx, qy = px[k] + r[j] * cos(a[j]), py[k] + r[j] * sin(a[j])
            local dx, dy = px[nearest] - qx, py[nearest] - qy
            local score = sqrt(dx * dx + dy * dy)
            for i = 1, 3 do
              local ex, ey = px[i] - qx, py[i] - qy
              if sqrt(ex * ex + ey * ey) < 0.125 then score = -9999999 end
            end
            if score > top then choice, top = j, score end
          end
          if top < 0 then return 0, 0 end
          return r[choice] * cos(a[choice]), r[choice] * sin(a[choice])
        end
        local mismatches, still, cases = 0, 0, 0
        return {
          agents = 1, actions = {discrete = 1}, observation_size = 1, episode_limit = 1,
          reset = function(self) end,
          observe = function(self, i, out) out[1] = 0 end,
          step = function(self, actions)
            for case = 1, 400 do
              -- predators 1..3 and the prey 4, some crowded around it
              local spread = case % 4 == 0 and 0.3 or 1.5
              for e = 1, 4 do w.px[e], w.py[e] = spread * (2 * random() - 1), spread * (2 * random() - 1) end
              local seed = random(1 << 30)
              math.randomseed(seed)
              local ax, ay = flee(4)
              math.randomseed(seed)
              local bx, by = facmac(4)
              if ax ~= bx or ay ~= by then mismatches = mismatches + 1 end
              if bx == 0 and by == 0 then still = still + 1 end
              cases = cases + 1
            end
            return 0, true, {mismatches = mismatches, still = still, cases = cases}
          end,
        }
        """#
        let lib = try String(contentsOfFile: Paths.envs("lib/prey.lua"), encoding: .utf8)
        let world = try makeWorld(source, extraFiles: ["prey.lua": lib])
        try world.reset()
        _ = try world.step(JointAction(spec: world.spec))
        let info = world.episodeInfo
        XCTAssertEqual(info["cases"], 400)
        XCTAssertEqual(info["mismatches"], 0, "lazy and straightforward heuristics disagree")
        XCTAssertLessThan(info["still"] ?? 400, 400, "some prey must move")
    }
}
