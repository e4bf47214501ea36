import Common
import Worlds
import XCTest

/// The world contract of docs/design.md §2, feature by feature.
final class ContractTests: XCTestCase {
    let heterogeneous = """
        return {
          agents = 3,
          actions = {{discrete = 4}, {continuous = 2, low = {-1, 0}, high = {1, 5}}, {discrete = 2}},
          observation_size = {2, 3, 1},
          episode_limit = 3,
          reset = function(self) self.t = 0 end,
          observe = function(self, i, out) for k = 1, i == 2 and 3 or (i == 1 and 2 or 1) do out[k] = 10 * i + k end end,
          available = function(self, i, out)
            if i == 1 then out[1], out[2], out[3], out[4] = true, false, self.t % 2 == 0, true
            else out[1], out[2] = true, false end
          end,
          step = function(self, actions)
            self.t = self.t + 1
            self.seen = {actions[1], actions[2][1], actions[2][2], actions[3]}
            return actions[1] + actions[2][1] + actions[2][2] + actions[3], false, {bonus = self.t, won = self.t == 2}
          end,
        }
        """

    func testHeterogeneousAgentsDefaultStateMasksAndInfo() throws {
        let world = try makeWorld(heterogeneous)
        let spec = world.spec
        XCTAssertEqual(spec.observationSizes, [2, 3, 1])
        XCTAssertEqual(spec.stateSize, 6, "state defaults to the observations concatenated")
        XCTAssertFalse(spec.hasStateFunction)
        XCTAssertEqual(spec.actionSpaces[1], .continuous(low: [-1, 0], high: [1, 5]))
        try world.reset()
        XCTAssertEqual(world.observationArray, [11, 12, 21, 22, 23, 31])
        XCTAssertEqual(Array(world.state), [11, 12, 21, 22, 23, 31])
        XCTAssertEqual(Array(world.available), [1, 0, 1, 1, 1, 0], "4 entries for agent 1, 2 for agent 3, none for the continuous agent")

        var action = JointAction(spec: spec)
        action.discrete = [2, 0, 0]
        action.continuous = [0.5, 9]    // 9 is clipped to 5
        let result = try world.step(action)
        XCTAssertEqual(result.reward, 3 + 0.5 + 5 + 1, "1-based ids on the Lua side; continuous values clipped")
        XCTAssertEqual(Array(world.available)[0..<4], [1, 0, 0, 1], "masks are re-read after every step")
        XCTAssertEqual(world.infoKeys.sorted(), ["bonus", "won"])

        action.discrete = [2, 0, 0]
        let unavailable = worldError { _ = try world.step(action) }
        XCTAssertTrue(unavailable?.message.contains("agent 1 chose action 3, which its available() marks unavailable") ?? false)
        XCTAssertEqual(unavailable?.rule, ContractRule.actions)

        action.discrete = [0, 0, 0]
        _ = try world.step(action)
        XCTAssertEqual(world.infoValues[world.infoKeys.firstIndex(of: "won")!], 1)
        XCTAssertEqual(world.infoValues[world.infoKeys.firstIndex(of: "bonus")!], 2)
        let third = try world.step(action)
        XCTAssertTrue(third.truncated, "the host truncates at episode_limit")
        XCTAssertFalse(third.terminated, "truncation is not termination")
        XCTAssertFalse(world.episodeRunning)
        let afterEnd = worldError { _ = try world.step(action) }
        XCTAssertTrue(afterEnd?.message.contains("no episode running") ?? false)
    }

    func testReturnedTablesAreAcceptedLikeFilledOnes() throws {
        let world = try makeWorld("""
            return {
              agents = 2, actions = {discrete = 2}, observation_size = 2, state_size = 3, episode_limit = 4,
              reset = function(self) end,
              observe = function(self, i, out) return {i, -i} end,
              state = function(self, out) return {7, 8, 9} end,
              available = function(self, i, out) return {false, true} end,
              step = function(self, actions) return 1, nil end,
            }
            """)
        try world.reset()
        XCTAssertEqual(world.observationArray, [1, -1, 2, -2])
        XCTAssertEqual(Array(world.state), [7, 8, 9])
        XCTAssertEqual(Array(world.available), [0, 1, 0, 1])
        var action = JointAction(spec: world.spec)
        action.discrete = [1, 1]
        XCTAssertFalse(try world.step(action).terminated, "nil means not terminated")
    }

    func testTableFormAndFunctionFormWithOptions() throws {
        let source = """
            return function(options)
              return {
                name = "opts", agents = options.agents or 1, actions = {discrete = 2}, observation_size = 2,
                episode_limit = 1, options = {agents = {default = 1}, label = {default = "x"}, scale = {default = 1.5}},
                reset = function(self) end,
                observe = function(self, i, out) out[1], out[2] = math.type(options.scale) == "float" and 1 or 0, #(options.label or "") end,
                step = function(self, actions) return 0, true end,
              }
            end
            """
        let world = try makeWorld(source, options: [("agents", .integer(3)), ("label", .string("abc")), ("scale", .number(2.5))])
        XCTAssertEqual(world.spec.agents, 3)
        XCTAssertEqual(world.spec.name, "opts")
        XCTAssertEqual(world.spec.options?.map(\.name), ["agents", "label", "scale"])
        try world.reset()
        XCTAssertEqual(Array(world.observationArray[0..<2]), [1, 3], "numbers arrive as numbers, other values as strings")
        let unknown = worldError { _ = try makeWorld(source, options: [("agentz", .integer(3))]) }
        XCTAssertEqual(unknown?.rule, ContractRule.options)

        let tableForm = try makeWorld("""
            return {agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1,
              reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions) return 0, true end}
            """, name: "plain")
        XCTAssertEqual(tableForm.spec.name, "plain", "the name defaults to the file name")
        let noOptions = worldError { _ = try makeWorld("return {agents = 1}", options: [("x", .integer(1))]) }
        XCTAssertTrue(noOptions?.message.contains("takes no options") ?? false)
    }

    func testSnapshotRestoreRoundTripKeepsTypes() throws {
        let source = """
            local s = {}
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 9,
              reset = function(self) s = {pos = {math.random(), 2.0}, count = 3, tag = "a\\"b", alive = true, nested = {{1}, {}}} end,
              observe = function(self, i, out) out[1] = s.pos[1] end,
              step = function(self, actions) s.count = s.count + 1; return 0, false end,
              snapshot = function(self) return s end,
              restore = function(self, t) s = t end,
            }
            """
        let world = try makeWorld(source, seed: 5)
        try world.reset()
        let snapshot = try XCTUnwrap(try world.snapshot())
        XCTAssertEqual(snapshot["count"], .int(3))
        XCTAssertEqual(snapshot["tag"], .string("a\"b"))
        guard case let .array(pos) = snapshot["pos"]!, case .double = pos[0] else { return XCTFail("\(snapshot)") }
        XCTAssertEqual(pos[1], .double(2.0), "floats stay floats even when integral")
        let other = try makeWorld(source, seed: 6)
        try other.reset()
        XCTAssertNotEqual(other.observationArray, world.observationArray)
        try other.restore(snapshot)
        XCTAssertEqual(other.observationArray, world.observationArray, "restore refreshes the outputs")
        XCTAssertEqual(try other.snapshot(), snapshot)
        XCTAssertEqual(try JSONValue.parse(snapshot.serialized), snapshot)
    }

    func testRenderRecordsDrawCalls() throws {
        let world = try makeWorld("""
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1, view = {0, 0, 4, 2},
              reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions) return 0, true end,
              render = function(self, draw)
                draw:circle(1, 1, 0.5, "red")
                draw:line(0, 0, 4, 2)
                draw:rect(1, 1, 2, 1, "#00ff00")
                draw:text(0.5, 1.5, "hi", "blue")
              end,
            }
            """)
        try world.reset()
        let calls = try world.render()
        XCTAssertEqual(calls.map(\.kind), [.circle, .line, .rect, .text])
        XCTAssertEqual(calls[0].values, [1, 1, 0.5])
        XCTAssertEqual(calls[0].color, "red")
        XCTAssertNil(calls[1].color)
        XCTAssertEqual(calls[3].text, "hi")
        XCTAssertEqual(world.spec.view, [0, 0, 4, 2])

        let broken = try makeWorld("""
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1,
              reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions) return 0, true end,
              render = function(self, draw)
                draw:circle(1, 0 / 0, 0.5)
              end,
            }
            """)
        try broken.reset()
        let error = worldError { _ = try broken.render() }
        XCTAssertEqual(error?.line, 6)
        XCTAssertEqual(error?.rule, ContractRule.render)
        XCTAssertTrue(error?.message.contains("draw:circle: y must be a finite number") ?? false, error?.message ?? "")
    }

    func testSeedingIsPerInstanceAndReproducible() throws {
        let source = """
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 3, episode_limit = 1,
              reset = function(self) self.v = {math.random(), math.random(), math.random(1, 100)} end,
              observe = function(self, i, out) out[1], out[2], out[3] = self.v[1], self.v[2], self.v[3] end,
              step = function(self, actions) return 0, true end,
            }
            """
        func first(seed: UInt64, instance: Int) throws -> [Float] {
            let world = try makeWorld(source, seed: seed, instance: instance)
            try world.reset()
            return world.observationArray
        }
        XCTAssertEqual(try first(seed: 1, instance: 0), try first(seed: 1, instance: 0))
        XCTAssertNotEqual(try first(seed: 1, instance: 0), try first(seed: 1, instance: 1))
        XCTAssertNotEqual(try first(seed: 1, instance: 0), try first(seed: 2, instance: 0))
    }

    func testStrictModeCatchesAValueSkippedInTheMiddle() throws {
        let source = """
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 3, episode_limit = 9,
              reset = function(self) self.t = 0 end,
              observe = function(self, i, out)
                out[1], out[3] = 1, 3
                if self.t == 0 then out[2] = 2 end
              end,
              step = function(self, actions) self.t = self.t + 1; return 0, false end,
            }
            """
        let lax = try makeWorld(source)
        try lax.reset()
        XCTAssertNoThrow(try lax.step(JointAction(spec: lax.spec)), "outside strict mode a stale middle value goes unseen")
        let strict = try makeWorld(source)
        strict.strict = true
        try strict.reset()
        let error = worldError { _ = try strict.step(JointAction(spec: strict.spec)) }
        XCTAssertTrue(error?.message.contains("left out[2] empty") ?? false, error?.description ?? "")
        XCTAssertEqual(error?.line, 4)

        let stopsEarly = try makeWorld("""
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 3, episode_limit = 9,
              reset = function(self) self.t = 0 end,
              observe = function(self, i, out)
                if self.t == 0 then out[1], out[2], out[3] = 1, 2, 3 else out[1], out[2] = 1, 2 end
              end,
              step = function(self, actions) self.t = self.t + 1; return 0, false end,
            }
            """)
        try stopsEarly.reset()
        let early = worldError { _ = try stopsEarly.step(JointAction(spec: stopsEarly.spec)) }
        XCTAssertTrue(early?.message.contains("left out[3] empty") ?? false, "the last slot is checked in every mode")
    }

    func testRequireFindsTheWorldFolderAndTheLibrary() throws {
        let world = try makeWorld("""
            local helper = require("helpers.double")
            local vectors = require("vectors")
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 2, episode_limit = 1,
              reset = function(self) end,
              observe = function(self, i, out) vectors.fill(out, 2, helper(2)) end,
              step = function(self, actions) return 0, true end,
            }
            """, extraFiles: ["helpers/double.lua": "return function(x) return 2 * x end"])
        try world.reset()
        XCTAssertEqual(world.observationArray, [4, 4])
    }

    func testRolloutResultsDoNotDependOnThreads() throws {
        let file = Paths.envs("matrix/nonmono.lua")
        let one = try Rollout(file: file, options: [], seed: 9, instances: 3, threads: 1).run(episodes: 50)
        let two = try Rollout(file: file, options: [], seed: 9, instances: 3, threads: 2).run(episodes: 50)
        XCTAssertEqual(one.map(\.episodeReturn), two.map(\.episodeReturn))
        let returns = Set(one.map(\.episodeReturn))
        XCTAssertTrue(returns.isSubset(of: [8, -12, 0]), "\(returns)")
        XCTAssertEqual(returns.count, 3)
    }
}

final class RecommendedSettingsTests: XCTestCase {
    func testWorldsRecommendSettingsPerLearner() throws {
        let world = try makeWorld("""
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1,
              reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions) return 0, true end,
              settings = {all = {steps = 20000, lr = 5e-4}, qmix = {double_q = false, lambda = 0.6}},
            }
            """)
        let qmix = world.spec.recommendedSettings(for: "qmix")
        XCTAssertEqual(qmix.map(\.0), ["lr", "steps", "double_q", "lambda"])
        XCTAssertEqual(qmix.map(\.1), ["0.0005", "20000", "false", "0.6"])
        XCTAssertEqual(world.spec.recommendedSettings(for: "vdn").count, 2)
        let broken = worldError {
            _ = try makeWorld("""
                return {agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1,
                  reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
                  step = function(self, actions) return 0, true end,
                  settings = {qmix = {mixer = print}}}
                """)
        }
        XCTAssertEqual(broken?.line, 4)
    }
}

final class WorldPoolTests: XCTestCase {
    func testPoolStepsInstancesIndependentlyOfThreads() throws {
        func run(threads: Int) throws -> [Double] {
            let pool = try WorldPool(file: Paths.envs("surfaces/quadratics.lua"), options: [], seed: 3, count: 4, threads: threads)
            var rewards = [Double](repeating: 0, count: 4)
            let lock = NSLock()
            try pool.forEach(Array(0..<4)) { k in
                let world = pool.worlds[k]
                var policy = RandomPolicy(seed: 3, stream: UInt64(k))
                var action = JointAction(spec: world.spec)
                try world.reset()
                policy.act(world, into: &action)
                let r = try world.step(action).reward
                lock.lock()
                rewards[k] = r
                lock.unlock()
            }
            return rewards
        }
        XCTAssertEqual(try run(threads: 1), try run(threads: 2))
        XCTAssertEqual(Set(try run(threads: 1)).count, 4)
    }

    func testPoolRethrowsTheFirstError() throws {
        let pool = try WorldPool(file: Paths.envs("matrix/nonmono.lua"), options: [], seed: 1, count: 3, threads: 2)
        XCTAssertThrowsError(try pool.forEach([0, 1, 2]) { k in
            if k > 0 { _ = try pool.worlds[k].step(JointAction(spec: pool.spec)) }   // no reset: an error
        }) { error in
            XCTAssertTrue("\(error)".contains("no episode running"))
        }
    }
}
