import Common
import Worlds
import XCTest

/// The SMAC-like combat world (envs/smac.lua on envs/lib/combat.lua; docs/worlds.md §7): sizes of
/// every map, masks, observation and state layouts, and scripted fights against hand-computed
/// values. Scenarios are injected with `restore`, which takes partial unit tables.
final class CombatWorldTests: XCTestCase {
    // MARK: - Helpers

    func smac(_ map: String, _ options: [(String, OptionValue)] = [], seed: UInt64 = 1) throws -> LuaWorld {
        let world = try LuaWorld(file: Paths.envs("smac.lua"), options: [("map", .string(map))] + options, seed: seed)
        try world.reset()
        return world
    }

    /// One step with SMAC's 0-based action ids.
    @discardableResult
    func act(_ world: LuaWorld, _ ids: [Int]) throws -> StepResult {
        var action = JointAction(spec: world.spec)
        action.discrete = ids.map { Int32($0) }
        return try world.step(action)
    }

    /// Restores `{"units": [...]}` (one JSON object per unit, in unit order; {} leaves a unit as it is).
    func place(_ world: LuaWorld, _ units: [String], extra: String = "") throws {
        try world.restore(JSONValue.parse("{\"units\": [" + units.joined(separator: ", ") + "]\(extra)}"))
    }

    /// A numeric field of unit u (1-based) in the world's snapshot.
    func unit(_ world: LuaWorld, _ u: Int, _ key: String) throws -> Double {
        guard case let .array(units)? = try world.snapshot()?["units"], let value = units[u - 1][key] else {
            XCTFail("no units[\(u)].\(key) in the snapshot")
            return .nan
        }
        switch value {
        case let .int(v): return Double(v)
        case let .double(v): return v
        default: XCTFail("units[\(u)].\(key) is \(value)"); return .nan
        }
    }

    func observation(_ world: LuaWorld, agent i: Int) -> [Double] {
        let size = world.spec.observationSizes[i - 1]
        return world.observations[((i - 1) * size)..<(i * size)].map(Double.init)
    }

    func available(_ world: LuaWorld, agent i: Int) -> [Int] {
        guard case let .discrete(n) = world.spec.actionSpaces[i - 1] else { return [] }
        return world.available[((i - 1) * n)..<(i * n)].map(Int.init)
    }

    func assertClose(_ a: [Double], _ b: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for (k, (x, y)) in zip(a, b).enumerated() where abs(x - y) > 1e-6 {
            XCTFail("\(message): value \(k) is \(x), expected \(y)\n\(a)", file: file, line: line)
            return
        }
    }

    /// A world made directly from envs/lib/combat.lua: `units` is a Lua list of
    /// {type, side, x, y}, `setup` Lua run after every reset (w is the combat world). Each step
    /// runs one tick; the observation is hp, shield, energy, x, y of every unit.
    func combatWorld(units: String, attackPoint: String = "{16, 16}", setup: String = "") throws -> LuaWorld {
        let source = """
            local combat = require("combat")
            local w = combat.new {units = \(units), width = 32, height = 32,
              pathable = combat.grid(32, 32, {{0, 0, 31, 31}}), attack_point = \(attackPoint)}
            local n = w.n
            return {
              agents = 1, actions = {discrete = 1}, observation_size = 5 * n, episode_limit = 100000,
              reset = function(self) w.reset(); \(setup); w.refresh() end,
              observe = function(self, i, out)
                for u = 1, n do
                  out[5 * u - 4], out[5 * u - 3], out[5 * u - 2], out[5 * u - 1], out[5 * u] = w.HP[u], w.SH[u], w.EN[u], w.X[u], w.Y[u]
                end
              end,
              step = function(self, actions) w.run(1); return 0, false end,
            }
            """
        let lib = try String(contentsOfFile: Paths.envs("lib/combat.lua"), encoding: .utf8)
        let world = try makeWorld(source, extraFiles: ["combat.lua": lib])
        try world.reset()
        return world
    }

    /// hp, shield, energy of unit u (1-based) in a combatWorld.
    func health(_ world: LuaWorld, _ u: Int) -> (hp: Double, shield: Double, energy: Double) {
        (Double(world.observations[5 * u - 5]), Double(world.observations[5 * u - 4]), Double(world.observations[5 * u - 3]))
    }

    func ticks(_ world: LuaWorld, _ count: Int) throws {
        for _ in 0..<count { _ = try world.step(JointAction(spec: world.spec)) }
    }

    // MARK: - Sizes and options

    /// docs/worlds.md §7.1: agents, n_actions, observation size, state size, episode limit.
    func testEveryMapHasTheSizesOfTheTable() throws {
        let table: [(String, Int, Int, Int, Int, Int)] = [
            ("3m", 3, 9, 30, 48, 60), ("8m", 8, 14, 80, 168, 120), ("5m_vs_6m", 5, 12, 55, 98, 70),
            ("8m_vs_9m", 8, 15, 85, 179, 120), ("2s3z", 5, 11, 80, 120, 120), ("3s5z", 8, 14, 128, 216, 150),
            ("1c3s5z", 9, 15, 162, 270, 180), ("3s_vs_3z", 3, 9, 36, 54, 150), ("3s_vs_5z", 3, 11, 48, 68, 250),
            ("MMM2", 10, 18, 176, 322, 180), ("2s_vs_1sc", 2, 7, 17, 27, 300),
        ]
        for (map, agents, actions, observation, state, limit) in table {
            let spec = try LuaWorld(file: Paths.envs("smac.lua"), options: [("map", .string(map))]).spec
            XCTAssertEqual(spec.agents, agents, map)
            XCTAssertEqual(spec.actionSpaces, Array(repeating: .discrete(actions), count: agents), map)
            XCTAssertEqual(spec.observationSizes, Array(repeating: observation, count: agents), map)
            XCTAssertEqual(spec.stateSize, state, map)
            XCTAssertEqual(spec.episodeLimit, limit, map)
        }
    }

    /// `marl-sim check` on every map: contract, determinism, restore(snapshot()).
    func testEveryMapKeepsTheContract() throws {
        for map in ["3m", "8m", "5m_vs_6m", "8m_vs_9m", "2s3z", "3s5z", "1c3s5z", "3s_vs_3z", "3s_vs_5z", "MMM2", "2s_vs_1sc"] {
            var lines: [String] = []
            try WorldCheck(file: Paths.envs("smac.lua"), options: [("map", .string(map))], seed: 2, episodes: 3).run { lines.append($0) }
            XCTAssertTrue(lines.contains { $0.hasPrefix("determinism") }, map)
        }
        try WorldCheck(file: Paths.envs("smac.lua"), options: [("map", .string("1c3s5z")), ("time_scale", .string("smaclite")),
                                                                ("reward", .string("sparse"))], seed: 3, episodes: 3).run { _ in }
    }

    func testBadOptionsNameTheValidChoices() throws {
        let file = Paths.envs("smac.lua")
        let map = worldError { _ = try LuaWorld(file: file, options: [("map", .string("4m"))]) }
        XCTAssertTrue(map?.message.contains("option 'map' must be one of ") ?? false, map?.message ?? "")
        XCTAssertTrue(map?.message.contains("MMM2") == true && map?.message.contains("got '4m'") == true,
                      map?.message ?? "")
        let reward = worldError { _ = try LuaWorld(file: file, options: [("reward", .string("shaped"))]) }
        XCTAssertTrue(reward?.message.contains("option 'reward' must be one of dense, dense_v2, dense_signed, sparse, got 'shaped'") ?? false, reward?.message ?? "")
        let scale = worldError { _ = try LuaWorld(file: file, options: [("time_scale", .string("fast"))]) }
        XCTAssertTrue(scale?.message.contains("option 'time_scale' must be one of sc2") ?? false, scale?.message ?? "")
        let flag = worldError { _ = try LuaWorld(file: file, options: [("align_enemy_types", .string("yes"))]) }
        XCTAssertTrue(flag?.message.contains("option 'align_enemy_types' takes true or false (its default is false), got 'yes'") ?? false, flag?.message ?? "")
        let world = try smac("3m")
        let restore = worldError { try world.restore(JSONValue.parse(#"{"units": [{"target": 99}]}"#)) }
        XCTAssertTrue(restore?.message.contains("target must be 0 or a unit index 1..6") ?? false, restore?.message ?? "")
    }

    // MARK: - Layouts and masks

    /// §7.5 on 3m: movement bits, enemy rows (attackable within 6, visible within 9), ally rows, own
    /// health; the state's ally, enemy and last-action blocks.
    func testObservationAndStateLayout() throws {
        let world = try smac("3m")
        try place(world, [#"{"x": 10, "y": 16}"#, #"{"x": 10, "y": 18}"#, #"{"x": 10, "y": 12}"#,
                          #"{"x": 14, "y": 16, "hp": 27}"#, #"{"x": 16, "y": 19}"#, #"{"x": 20, "y": 16}"#])
        let d2 = (36.0 + 9).squareRoot() / 9
        assertClose(observation(world, agent: 1), [
            1, 1, 1, 1,
            1, 4.0 / 9, 4.0 / 9, 0, 0.6,        // enemy 1: attackable, 27 / 45 health
            0, d2, 6.0 / 9, 3.0 / 9, 1,         // enemy 2: seen (6.7), beyond the shoot range 6
            0, 0, 0, 0, 0,                      // enemy 3: 10 away, unseen
            1, 2.0 / 9, 0, 2.0 / 9, 1,          // ally 2
            1, 4.0 / 9, 0, -4.0 / 9, 1,         // ally 3
            1,
        ], "agent 1's observation")
        var expectedState: [Double] = [
            1, 0, -0.1875, 0, 1, 0, -0.1875, 0.0625, 1, 0, -0.1875, -0.125,    // allies: health, cooldown, x, y
            0.6, -0.0625, 0, 1, 0, 0.09375, 1, 0.125, 0,                        // enemies: health, x, y
        ]
        expectedState += Array(repeating: 0, count: 27)                          // no actions yet
        assertClose(Array(world.state).map(Double.init), expectedState, "state after reset")
        XCTAssertEqual(available(world, agent: 1), [0, 1, 1, 1, 1, 1, 1, 0, 0])

        // last actions are one-hot in the state; a marine that fired shows its cooldown
        try act(world, [6, 1, 1])    // agent 1 attacks enemy 0; fires at tick 1
        let state = Array(world.state).map(Double.init)
        XCTAssertEqual(state[1], (1 + 0.61 * 22.4 - 8) / 15, accuracy: 1e-6, "cooldown left after 8 loops / SMAC's 15")
        assertClose(Array(state[21..<48]), [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], "last actions")
    }

    /// Dead agents only no-op, with zero observation and state rows; attack slots only for living
    /// enemies within 6; moves masked when the cell one unit away is unpathable.
    func testMasks() throws {
        let world = try smac("3m")
        try place(world, [#"{"hp": 0}"#, #"{"x": 10, "y": 23.2}"#, #"{"x": 10, "y": 8.5}"#,
                          #"{"x": 15.9, "y": 23.2}"#, #"{"x": 16.1, "y": 23.2}"#, #"{"x": 12, "y": 23.2, "hp": 0}"#])
        XCTAssertEqual(available(world, agent: 1), [1, 0, 0, 0, 0, 0, 0, 0, 0], "a dead agent may only no-op")
        XCTAssertEqual(observation(world, agent: 1), Array(repeating: 0, count: 30))
        XCTAssertEqual(Array(world.state[0..<4]), [0, 0, 0, 0])
        XCTAssertEqual(available(world, agent: 2), [0, 1, 0, 1, 1, 1, 1, 0, 0],
                       "north of y 23.2 is the unpathable row 24; enemy 0 at 5.9, enemy 1 at 6.1, enemy 2 dead")
        XCTAssertEqual(available(world, agent: 3), [0, 1, 1, 0, 1, 1, 0, 0, 0], "south of y 8.5 is the unpathable row 7")
        XCTAssertEqual(Array(observation(world, agent: 3)[0..<4]), [1, 0, 1, 1], "movement features are the move masks")
        XCTAssertThrowsError(try act(world, [0, 2, 1]), "the host refuses a masked move")

        // MMM2: the Medivac (agent 10) heals allies 0..9 within 6 except Medivacs; slots 10, 11 stay off
        let mmm = try smac("MMM2")
        try place(mmm, Self.mmmLeftColumn(medivac: "{\"x\": 4.5, \"y\": 12.6}"))
        XCTAssertEqual(available(mmm, agent: 10), [0, 1, 1, 1, 1, 1] + [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
        // SMAC's quirk: a Medivac's enemy rows carry the heal mask of the ally with the same index
        try place(mmm, ["{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", #"{"x": 8, "y": 12.6}"#, #"{"x": 9.5, "y": 12.6}"#])
        let medivac = observation(mmm, agent: 10)
        XCTAssertEqual(medivac[4], 1, "enemy 0's row: ally 0 can be healed")
        XCTAssertEqual(medivac[12], 1, "enemy 1's row: ally 1 can be healed")
        XCTAssertEqual(medivac[13], Double(Float(5.0 / 9)), "enemy 1 at distance 5")
    }

    /// MMM2 allies in a column at x = 4 (marauders 1-2, marines 3-9; marine 3 at 20 HP), the
    /// Medivac as given, enemies in a column at x = 28.
    static func mmmLeftColumn(medivac: String) -> [String] {
        var units: [String] = []
        for k in 1...9 { units.append("{\"x\": 4, \"y\": \(10.2 + Double(k - 1) * 1.2)\(k == 3 ? ", \"hp\": 20" : "")}") }
        units.append(medivac)
        for k in 1...12 { units.append("{\"x\": 28, \"y\": \(9 + Double(k) * 1.2)}") }
        return units
    }

    /// The unit-type one-hot: allies stalker 0 / zealot 1; SMAC's enemies zealot 0 / stalker 1,
    /// unless align_enemy_types; MMM2's ids sort marauders, marines, the Medivac.
    func testUnitTypeBits() throws {
        let plain = try smac("2s3z")
        let state = Array(plain.state).map(Double.init)
        XCTAssertEqual(Array(state[5..<7]), [1, 0], "ally 1 is a stalker")
        XCTAssertEqual(Array(state[33..<35]), [0, 1], "ally 5 is a zealot")
        XCTAssertEqual(Array(state[39..<41]), [0, 1], "enemy 1, a stalker, has SC2's zealot-first bits")
        XCTAssertEqual(Array(state[51..<53]), [1, 0], "enemy 3, a zealot")
        let aligned = try smac("2s3z", [("align_enemy_types", .string("true"))])
        let alignedState = Array(aligned.state).map(Double.init)
        XCTAssertEqual(Array(alignedState[39..<41]), [1, 0])
        XCTAssertEqual(Array(alignedState[51..<53]), [0, 1])

        let mmm = try smac("MMM2")
        let mmmState = Array(mmm.state).map(Double.init)
        XCTAssertEqual(Array(mmmState[4..<7]), [1, 0, 0], "agent 1 is a marauder")
        XCTAssertEqual(Array(mmmState[18..<21]), [0, 1, 0], "agent 3 is a marine")
        XCTAssertEqual(Array(mmmState[67..<70]), [0, 0, 1], "agent 10 is the Medivac")
        XCTAssertEqual(mmmState[64], 0.25, "the Medivac's cooldown slot is its energy, 50 / 200")
    }

    // MARK: - Fights

    /// Three marines focus one marine from range 5: 6 per hit, 8 hits kill; volleys come every
    /// ceil(0.61 x 22.4) = 14 loops (ticks 1, 15, 29), so the target dies in tick 29, in step 4.
    /// Under time_scale=smaclite the period is ceil(0.61 x 16) = 10 loops (ticks 1, 11, 21): step 3.
    func testFocusFireTimeToKillAndTheWin() throws {
        let setup = [#"{"x": 10, "y": 15}"#, #"{"x": 10, "y": 16}"#, #"{"x": 10, "y": 17}"#,
                     #"{"x": 15, "y": 16}"#, #"{"hp": 0}"#, #"{"hp": 0}"#]
        let cases: [([(String, OptionValue)], Int, [Double])] = [([], 4, [27, 9, 9]), ([("time_scale", .string("smaclite"))], 3, [27, 9])]
        for (options, deathStep, healths) in cases {
            let world = try smac("3m", options)
            try place(world, setup)
            var total = 0.0
            for step in 1...deathStep {
                let result = try act(world, [6, 6, 6])
                total += result.reward
                if step < deathStep {
                    XCTAssertFalse(result.terminated, "step \(step)")
                    XCTAssertEqual(try unit(world, 4, "hp"), healths[step - 1], "enemy health after step \(step)")
                    XCTAssertEqual(observation(world, agent: 1)[8], healths[step - 1] / 45, accuracy: 1e-6)
                } else {
                    XCTAssertTrue(result.terminated, "the last enemy dies in step \(step)")
                    XCTAssertFalse(result.truncated)
                    XCTAssertEqual(result.reward, (9 + 10 + 200) * 20 / 365.0, accuracy: 1e-9, "remaining health, kill, win; scaled")
                }
            }
            XCTAssertEqual(total, (45 + 10 + 200) * 20 / 365.0, accuracy: 1e-9)
            XCTAssertEqual(world.episodeInfo["won"], 1)
            XCTAssertEqual(world.episodeInfo["dead_enemies"], 3)
            XCTAssertEqual(world.episodeInfo["dead_allies"], 0)
        }

        // the same fight with ADER's sparse reward: -0.1 per step, +10 for the kill, +200 for the win
        let sparse = try smac("3m", [("reward", .string("sparse"))])
        try place(sparse, setup)
        let rewards = try (1...4).map { _ in try act(sparse, [6, 6, 6]).reward }
        XCTAssertEqual(rewards, [-0.1, -0.1, -0.1, -0.1 + 10 + 200])
        XCTAssertEqual(rewards.reduce(0, +), -0.4 + 210, accuracy: 1e-12)
    }

    /// One step in which an ally kills an enemy (whose weapon is still cooling down) and an enemy
    /// kills an ally: sparse -0.1 + 10 - 1, dense |6 + 10| scaled, signed 16 - 0.5 (6 + 10).
    func testKillAndDeathInOneStep() throws {
        let units = [#"{"x": 10, "y": 12}"#, #"{"x": 10, "y": 20, "hp": 6}"#, #"{"x": 3, "y": 16}"#,
                     #"{"x": 14, "y": 12, "hp": 6, "cooldown": 5}"#, #"{"x": 14, "y": 20}"#, #"{"x": 28, "y": 16}"#]
        let scale = 20 / 365.0
        let cases: [(String, Double)] = [("sparse", -0.1 + 10 - 1), ("dense", 16 * scale), ("dense_signed", 8 * scale), ("dense_v2", 16 * scale)]
        for (reward, expected) in cases {
            let world = try smac("3m", [("reward", .string(reward))])
            try place(world, units)
            let result = try act(world, [6, 1, 1])
            XCTAssertEqual(result.reward, expected, accuracy: 1e-12, reward)
            XCTAssertFalse(result.terminated)
            XCTAssertEqual(world.episodeInfo["dead_allies"], 1)
            XCTAssertEqual(world.episodeInfo["dead_enemies"], 1)
            XCTAssertEqual(available(world, agent: 2), [1, 0, 0, 0, 0, 0, 0, 0, 0])
        }
    }

    /// Loss: the last ally dies (terminated, not won). Timeout: nothing happens on 2s_vs_1sc while
    /// the stalkers stay out of the spine crawler's reach; the host truncates at 300 steps.
    func testLossAndTimeout() throws {
        let world = try smac("3m", [("reward", .string("sparse"))])
        try place(world, [#"{"x": 10, "y": 16, "hp": 6}"#, #"{"hp": 0}"#, #"{"hp": 0}"#,
                          #"{"x": 14, "y": 16}"#, #"{"x": 14, "y": 17}"#, #"{"x": 14, "y": 15}"#])
        let loss = try act(world, [1, 0, 0])
        XCTAssertTrue(loss.terminated)
        XCTAssertEqual(loss.reward, -1.1, accuracy: 1e-12)
        XCTAssertEqual(world.episodeInfo["won"], 0)
        XCTAssertEqual(world.episodeInfo["dead_allies"], 3)

        for reward in ["sparse", "dense"] {
            let idle = try smac("2s_vs_1sc", [("reward", .string(reward))])
            try place(idle, [#"{"x": 8, "y": 8.5}"#, #"{"x": 19.5, "y": 8.5}"#])
            var total = 0.0
            var last = StepResult(reward: 0, terminated: false, truncated: false)
            for _ in 0..<300 {
                last = try act(idle, [1, 1])
                total += last.reward
                XCTAssertFalse(last.terminated)
            }
            XCTAssertTrue(last.truncated, "a timeout is the host's truncation")
            XCTAssertEqual(idle.episodeInfo["won"], 0)
            XCTAssertEqual(total, reward == "sparse" ? -30 : 0, accuracy: 1e-9)
        }
    }

    /// Moves are clamped at unpathable cells: marines pushing north and west never leave the band
    /// y in [8, 24) or the map.
    func testUnitsCannotLeaveThePathableArea() throws {
        let world = try smac("3m")
        try place(world, [#"{"x": 10, "y": 22.9}"#, #"{"x": 0.3, "y": 12}"#, #"{"x": 5, "y": 9.2}"#,
                          #"{"x": 28, "y": 16}"#, #"{"x": 29, "y": 17}"#, #"{"x": 29, "y": 15}"#])
        try act(world, [2, 5, 3])
        XCTAssertLessThan(try unit(world, 1, "y"), 24)
        XCTAssertGreaterThan(try unit(world, 1, "y"), 23.5)
        XCTAssertGreaterThanOrEqual(try unit(world, 2, "x"), 0)
        XCTAssertGreaterThanOrEqual(try unit(world, 3, "y"), 8)
        XCTAssertEqual(available(world, agent: 1)[2], 0, "north is now masked")
        XCTAssertEqual(available(world, agent: 3)[3], 0, "south is now masked")
        for _ in 0..<3 { try act(world, [1, 5, 1]) }     // Python's int() lets x in (0, 1) still try west
        XCTAssertGreaterThanOrEqual(try unit(world, 2, "x"), 0)
    }

    /// MMM2: the Medivac heals 9 HP per 16 loops (two steps), paying 1 energy per 3 HP while
    /// regaining 0.5625 energy per 16 loops.
    func testMedivacHealsNinePerSixteenLoops() throws {
        let world = try smac("MMM2")
        try place(world, Self.mmmLeftColumn(medivac: "{\"x\": 4.5, \"y\": 12.6}"))
        var stop = Array(repeating: 1, count: 10)
        stop[9] = 6 + 2                         // heal ally 2 (agent 3)
        try act(world, stop)
        XCTAssertEqual(try unit(world, 3, "hp"), 20 + 8 * 0.5625)
        try act(world, stop)
        XCTAssertEqual(try unit(world, 3, "hp"), 29)
        XCTAssertEqual(try unit(world, 10, "energy"), 50 - 3 + 0.5625)
        XCTAssertEqual(Double(world.state[64]), (50 - 3 + 0.5625) / 200, accuracy: 1e-7)
        XCTAssertEqual(observation(world, agent: 3)[observation(world, agent: 3).count - 4], 29.0 / 45, accuracy: 1e-6, "own health")
    }

    // MARK: - Mechanics on the combat library directly

    /// Bonus damage, armor per hit and shields first: stalker vs marauder 13 + 5 - 1 = 17; marauder
    /// vs stalker 10 + 10 into the shield; zealot 2 x 8 into a shield, 2 x (8 - 1) once it is gone.
    func testDamageBonusesArmorAndShields() throws {
        let world = try combatWorld(units: """
            {{type = "stalker", side = 1, x = 10, y = 16}, {type = "zealot", side = 1, x = 10, y = 12},
             {type = "marauder", side = 2, x = 15, y = 16}, {type = "zealot", side = 2, x = 11.05, y = 12}}
            """, setup: "w.SH[2], w.SREADY[2] = 0, 1000; w.order_attack(1, 3)")
        XCTAssertEqual(health(world, 3).hp, 125)
        try ticks(world, 1)
        XCTAssertEqual(health(world, 3).hp, 125 - 17, "stalker on marauder: 13 + 5 (armored) - 1 armor")
        XCTAssertEqual(health(world, 1).hp, 80, "the marauder's 20 goes into the stalker's shield")
        XCTAssertEqual(health(world, 1).shield, 80 - 20)
        XCTAssertEqual(health(world, 2).hp, 100 - 14, "the enemy zealot's two hits, 8 - 1 each, on a zealot whose shield is down")
        XCTAssertEqual(health(world, 4).shield, 50, "the allied zealot has no order and does not fight back")
        try ticks(world, 30)     // stalker period ceil(1.34 x 22.4) = 31 loops: one more shot at tick 32
        XCTAssertEqual(health(world, 3).hp, 125 - 17)
        try ticks(world, 1)
        XCTAssertEqual(health(world, 3).hp, 125 - 34)
    }

    /// A shield regenerates nothing until 10 game seconds (160 loops) after the last damage, then 2
    /// per 16 loops.
    func testShieldRegeneration() throws {
        // the zealot is dead: only the shield timer runs; the shield was damaged at tick 0
        let damaged = try combatWorld(units: """
            {{type = "stalker", side = 1, x = 10, y = 16}, {type = "zealot", side = 2, x = 11.2, y = 16}}
            """, attackPoint: "{11.2, 16}", setup: "w.HP[2] = 0; w.SH[1] = 40; w.SREADY[1] = 160")
        try ticks(damaged, 159)
        XCTAssertEqual(health(damaged, 1).shield, 40, "no regeneration before 10 game seconds")
        try ticks(damaged, 1)
        XCTAssertEqual(health(damaged, 1).shield, 40.125)
        try ticks(damaged, 16)
        XCTAssertEqual(health(damaged, 1).shield, 42.125, "+2 per 16 loops")

        // a real hit restarts the delay: the zealot (alive now) strikes the stalker at tick 1
        let fight = try combatWorld(units: """
            {{type = "stalker", side = 1, x = 10, y = 16}, {type = "zealot", side = 2, x = 11.2, y = 16}}
            """, attackPoint: "{11.2, 16}", setup: "w.SH[1] = 40; w.SREADY[1] = 1")
        try ticks(fight, 1)
        XCTAssertEqual(health(fight, 1).shield, 40 + 0.125 - 16, "regenerated in tick 1's timers, then hit twice for 8")
        try ticks(fight, 18)     // the zealot strikes again at tick 1 + ceil(0.86 x 22.4) = 21
        XCTAssertEqual(health(fight, 1).shield, 24.125, "no regeneration after the hit")
    }

    /// Colossus line splash: a segment 2.8 long and 0.3 wide across the shot, centred on the
    /// target; spine crawlers (rooted, 0.5 radius, armor 2) touching it take 2 x (10 - 2).
    func testColossusSplashHitsTheSegmentOnly() throws {
        let world = try combatWorld(units: """
            {{type = "colossus", side = 1, x = 10, y = 16},
             {type = "spine_crawler", side = 2, x = 16, y = 16}, {type = "spine_crawler", side = 2, x = 16, y = 17.85},
             {type = "spine_crawler", side = 2, x = 16, y = 14.05}, {type = "spine_crawler", side = 2, x = 16.62, y = 14.9},
             {type = "spine_crawler", side = 2, x = 17.1, y = 16}}
            """, setup: "w.order_attack(1, 2); for u = 2, 6 do w.HP[u] = 299 end")
        try ticks(world, 1)
        XCTAssertEqual(health(world, 2).hp, 299 - 16 + 0.38 / 22.4, accuracy: 1e-4, "the target")
        XCTAssertEqual(health(world, 3).hp, 299 - 16 + 0.38 / 22.4, accuracy: 1e-4, "0.45 past the segment's end: touches")
        XCTAssertEqual(health(world, 4).hp, 299 + 0.38 / 22.4, accuracy: 1e-4, "0.55 past the end: missed")
        XCTAssertEqual(health(world, 5).hp, 299 - 16 + 0.38 / 22.4, accuracy: 1e-4, "0.47 beside the segment: touches")
        XCTAssertEqual(health(world, 6).hp, 299 + 0.38 / 22.4, accuracy: 1e-4, "behind the target, 0.95 off: missed")
    }

    /// Healing on the library: 0.5625 per loop, capped at full health; a new target needs 5 energy.
    func testHealCapsAndStartEnergy() throws {
        let units = """
            {{type = "medivac", side = 1, x = 10, y = 16}, {type = "marine", side = 1, x = 12, y = 16},
             {type = "marine", side = 2, x = 30, y = 16}}
            """
        let world = try combatWorld(units: units, attackPoint: "{30, 16}", setup: "w.HP[2] = 40; w.order_attack(1, 2)")
        try ticks(world, 1)
        XCTAssertEqual(health(world, 2).hp, 40.5625)
        XCTAssertEqual(health(world, 1).energy, 49 + 0.5625 / 16)
        try ticks(world, 8)
        XCTAssertEqual(health(world, 2).hp, 45, "capped at 45")
        let poor = try combatWorld(units: units, attackPoint: "{30, 16}", setup: "w.HP[2] = 40; w.EN[1] = 4; w.order_attack(1, 2)")
        try ticks(poor, 3)
        XCTAssertEqual(health(poor, 2).hp, 40, "below 5 energy a Medivac cannot start healing")
    }

    /// §7.7: an enemy prefers a healer in its scan range to a closer fighter.
    func testEnemiesPreferHealers() throws {
        let world = try combatWorld(units: """
            {{type = "marine", side = 1, x = 12, y = 16}, {type = "medivac", side = 1, x = 13.5, y = 16},
             {type = "marine", side = 2, x = 10, y = 16}}
            """, attackPoint: "{10, 16}")
        try ticks(world, 1)
        XCTAssertEqual(health(world, 2).hp, 150 - 5, "6 - 1 armor on the Medivac")
        XCTAssertEqual(health(world, 1).hp, 45)
    }
}
