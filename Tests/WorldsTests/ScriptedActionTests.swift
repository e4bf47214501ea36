import Common
import Foundation
import Worlds
import XCTest

/// The optional `scripted_action(self, i)`: a world's own reference policy, validated like step's input.
final class ScriptedActionTests: XCTestCase {
    /// A discrete agent (3 actions, the third unavailable) and a continuous one (2 values in [-1, 1]);
    /// `body` is scripted_action's body, on line 7 of the file (its definition on line 6).
    func world(_ body: String, limits: WorldLimits = WorldLimits()) throws -> LuaWorld {
        try makeWorld("""
            return {
              agents = 2, actions = {{discrete = 3}, {continuous = 2}}, observation_size = 1, episode_limit = 3,
              reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
              available = function(self, i, out) out[1], out[2], out[3] = true, true, false end,
              step = function(self, actions) return actions[1] + actions[2][1] + 10 * actions[2][2], false end,
              scripted_action = function(self, i)
                \(body)
              end,
            }
            """, limits: limits)
    }

    func scriptedError(_ body: String, limits: WorldLimits = WorldLimits()) throws -> WorldError? {
        let world = try world(body, limits: limits)
        XCTAssertTrue(world.spec.hasScriptedAction)
        try world.reset()
        var action = JointAction(spec: world.spec)
        return worldError { try world.scriptedAction(into: &action) }
    }

    func testValidActionsArePlayedAndContinuousValuesClipped() throws {
        let world = try world("if i == 1 then return 2 else return {3, -0.25} end")
        try world.reset()
        var action = JointAction(spec: world.spec)
        try world.scriptedAction(into: &action)
        XCTAssertEqual(action.discrete[0], 1, "1-based id 2 is host id 1")
        XCTAssertEqual(action.continuous, [3, -0.25])
        XCTAssertEqual(try world.step(action).reward, 2 + 1 - 2.5, "step clips 3 to 1, as it clips any action")
    }

    func testBrokenReturnsNameTheFileTheDefinitionAndTheRule() throws {
        let cases: [(body: String, message: String)] = [
            ("if i == 1 then return 4 else return {0, 0} end", "scripted_action for agent 1 returned the action 4, outside 1..3"),
            ("if i == 1 then return 3 else return {0, 0} end", "scripted_action for agent 1 returned the action 3, which its available() marks unavailable"),
            ("if i == 1 then return 1.5 else return {0, 0} end", "returned the number 1.5; agent 1's actions are discrete, so it must return an id 1..3"),
            ("if i == 1 then return nil else return {0, 0} end", "returned nil; agent 1's actions are discrete"),
            ("if i == 1 then return 1 else return 0.5 end", "scripted_action for agent 2 returned the number 0.5; agent 2's actions are continuous, so it must return a table of 2 numbers"),
            ("if i == 1 then return 1 else return {0.5} end", "scripted_action for agent 2 returned a table of 1 value; it must hold 2"),
            ("if i == 1 then return 1 else return {0.5, 0.5, 0.5} end", "returned a table of more than 2 values; it must hold exactly 2"),
            ("if i == 1 then return 1 else return {0.5, 0 / 0} end", "scripted_action for agent 2 returned nan as value 2; values must be finite numbers"),
            ("if i == 1 then return 1 else return {'left', 0} end", "returned the string \"left\" as value 1"),
        ]
        for (body, message) in cases {
            let error = try scriptedError(body)
            XCTAssertTrue(error?.file.hasSuffix("world.lua") ?? false, body)
            XCTAssertEqual(error?.line, 6, "errors about the returned value point at scripted_action's definition: \(body)")
            XCTAssertEqual(error?.rule, ContractRule.scriptedAction, body)
            XCTAssertTrue(error?.message.contains(message) ?? false, "\(body)\nexpected '\(message)' in '\(error?.message ?? "")'")
        }
    }

    func testErrorsRaisedInsideAndRunawayCallsAreCaught() throws {
        let raised = try scriptedError("if i == 2 then error('no plan') end return 1")
        XCTAssertEqual(raised?.line, 7)
        XCTAssertEqual(raised?.rule, ContractRule.scriptedAction)
        XCTAssertTrue(raised?.message.contains("in scripted_action for agent 2: no plan") ?? false, raised?.message ?? "")

        let start = Date()
        let runaway = try scriptedError("local x = 0 for k = 1, 2e10 do x = x + 1 end return 1", limits: WorldLimits(timeBudgetMs: 200))
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertEqual(runaway?.rule, ContractRule.timeBudget(200))
        XCTAssertTrue(runaway?.message.contains("in scripted_action for agent 1") ?? false, runaway?.message ?? "")
    }

    func testScriptedActionMustBeAFunctionAndIsOptional() throws {
        let notFunction = worldError {
            _ = try makeWorld("""
                return {
                  agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1,
                  reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
                  step = function(self, actions) return 0, true end,
                  scripted_action = 2,
                }
                """)
        }
        XCTAssertEqual(notFunction?.line, 5)
        XCTAssertTrue(notFunction?.message.contains("scripted_action must be a function when present") ?? false, notFunction?.message ?? "")

        let without = try LuaWorld(file: Paths.envs("matrix/nonmono.lua"))
        XCTAssertFalse(without.spec.hasScriptedAction)
        try without.reset()
        var action = JointAction(spec: without.spec)
        let missing = worldError { try without.scriptedAction(into: &action) }
        XCTAssertTrue(missing?.message.contains("the world has no scripted_action function") ?? false, missing?.message ?? "")
        let rollout = worldError { _ = try Rollout(file: Paths.envs("matrix/nonmono.lua"), options: [], seed: 1, policy: .scripted).run(episodes: 2) }
        XCTAssertTrue(rollout?.message.contains("no scripted_action") ?? false)
    }

    /// The reference policy of speaker_listener (the speaker names the goal, the listener goes to
    /// the landmark it hears) beats random play by a wide margin, with either kind of action.
    func testSpeakerListenerScriptedPolicyBeatsRandomPlay() throws {
        for kind in ["discrete", "continuous"] {
            let options: [(String, OptionValue)] = [("actions", .string(kind))]
            func mean(_ policy: RolloutPolicy) throws -> Double {
                let outcomes = try Rollout(file: Paths.envs("speaker_listener.lua"), options: options, seed: 4, instances: 2,
                                           policy: policy).run(episodes: 300)
                return outcomes.map(\.episodeReturn).reduce(0, +) / Double(outcomes.count)
            }
            let random = try mean(.random), scripted = try mean(.scripted)
            XCTAssertLessThan(random, -30, kind)
            XCTAssertGreaterThan(scripted, -11, kind)
            XCTAssertGreaterThan(scripted - random, 25, "\(kind): scripted \(scripted), random \(random)")
        }
    }

    /// spotter (mixed actions): the scripted team reaches the goal in every episode; random play
    /// and a mover that heads for a wrong target do not.
    func testSpotterScriptedTeamReachesTheGoal() throws {
        let file = Paths.envs("spotter.lua")
        let scripted = try Rollout(file: file, options: [], seed: 2, instances: 2, policy: .scripted).run(episodes: 200)
        let random = try Rollout(file: file, options: [], seed: 2, instances: 2).run(episodes: 200)
        func mean(_ outcomes: [EpisodeOutcome]) -> Double { outcomes.map(\.episodeReturn).reduce(0, +) / Double(outcomes.count) }
        XCTAssertGreaterThan(mean(scripted), -6)
        XCTAssertLessThan(mean(random), -20)
        XCTAssertEqual(scripted.infoMeans.first { $0.0 == "on_goal" }?.1, 1)

        let world = try LuaWorld(file: file)
        try world.reset()
        try world.restore(JSONValue.parse("""
            {"targets": [[0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]], "mover": [0, 0], "goal": 3, "signal": 1}
            """))
        var action = JointAction(spec: world.spec)
        try world.scriptedAction(into: &action)
        XCTAssertEqual(action.discrete[0], 2, "the spotter signals the goal, target 3")
        XCTAssertEqual(action.continuous, [1, 1], "the mover heads for the signalled target 1, not the goal")
        _ = try world.step(action)
        XCTAssertEqual(Array(world.observations[0..<4]), [0, 0, 1, 0])
        XCTAssertEqual(Array(world.observations[4..<6]), [0.2, 0.2])
        XCTAssertEqual(Array(world.observations[14..<18]), [0, 0, 1, 0], "the new signal is heard after the step")
    }

    /// The listener follows what it hears, not the goal: told the wrong landmark, it goes there.
    func testSpeakerListenerListenerFollowsTheMessage() throws {
        let world = try LuaWorld(file: Paths.envs("speaker_listener.lua"))
        try world.reset()
        try world.restore(JSONValue.parse("""
            {"entities": [[0, 0.9, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [-1, 0, 0, 0], [0, -1, 0, 0]], "goal": 1, "comm": [0, 1, 0]}
            """))
        var action = JointAction(spec: world.spec)
        try world.scriptedAction(into: &action)
        XCTAssertEqual(action.discrete, [0, 1], "the speaker says word 1 (the goal); the listener moves -x toward landmark 2")
    }
}
