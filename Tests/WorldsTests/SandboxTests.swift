import Worlds
import XCTest

/// The sandbox and limits of docs/design.md §2.
final class SandboxTests: XCTestCase {

    func testOnlyTheAllowedLibrariesExist() throws {
        let world = try makeWorld("""
            local present = {}
            for _, name in ipairs({"io", "debug", "package", "dofile", "loadfile", "coroutine"}) do
              if _G[name] ~= nil then present[#present + 1] = name end
            end
            for name in pairs(os) do if name ~= "clock" then present[#present + 1] = "os." .. name end end
            assert(#present == 0, "should be absent: " .. table.concat(present, ", "))
            assert(string and table and math and utf8 and os.clock and require and load and pcall, "missing a kept library")
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1,
              reset = function(self) end, observe = function(self, i, out) out[1] = os.clock() * 0 end,
              step = function(self, actions) return 0, true end,
            }
            """)
        try world.reset()
        XCTAssertEqual(world.observationArray, [0])
    }

    func testRunawayCallIsStoppedAfterTheBudget() throws {
        let world = try makeWorld("""
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1,
              reset = function(self) end,
              observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions)
                local x = 0
                for i = 1, 2e10 do x = x + 1 end   -- bounded, so a broken watchdog fails this test instead of hanging it
              end,
            }
            """, limits: WorldLimits(timeBudgetMs: 200))
        try world.reset()
        let start = Date()
        let error = worldError { _ = try world.step(JointAction(spec: world.spec)) }
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        XCTAssertEqual(error?.line, 7)
        XCTAssertEqual(error?.rule, ContractRule.timeBudget(200))
        // The instance stays usable after the stop: the hook does not linger.
        try world.reset()
    }

    func testMemoryCapStopsAMemoryBomb() throws {
        let world = try makeWorld("""
            local hoard = {}
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1,
              reset = function(self)
                for i = 1, 1e9 do hoard[i] = string.rep("y", 65536) .. i end
              end,
              observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions) return 0, true end,
            }
            """, limits: WorldLimits(memoryMiB: 16))
        let error = worldError { try world.reset() }
        XCTAssertEqual(error?.rule, ContractRule.memoryCap(16))
        XCTAssertLessThan(world.memoryInUse, 17 << 20)
    }

    func testSmallStepsPayNoWatchdogCost() throws {
        // Many short calls in a row never add up to a stop: the budget is per call.
        let world = try makeWorld("""
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1000000,
              reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions) return 0, false end,
            }
            """, limits: WorldLimits(timeBudgetMs: 250))
        try world.reset()
        let action = JointAction(spec: world.spec)
        let start = Date()
        while Date().timeIntervalSince(start) < 1 {
            if try world.step(action).done { try world.reset() }
        }
    }

    /// The budget counts the CPU time of the thread running the call: on a machine with more busy
    /// threads than cores, where a call waits for a core, healthy steps of about a millisecond are
    /// never stopped by a 10 ms budget.
    func testABusyMachineDoesNotStopHealthyCalls() throws {
        let world = try makeWorld("""
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 1000000,
              reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions) local x = 0; for i = 1, 50000 do x = x + i % 7 end; return 0, false end,
            }
            """, limits: WorldLimits(timeBudgetMs: 10))
        let stop = ManagedAtomicFlag()
        let busy = (0..<(2 * ProcessInfo.processInfo.activeProcessorCount + 2)).map { _ in
            Thread { var x = 0.0; while !stop.isSet { for _ in 0..<100_000 { x += 1 } }; _ = x }
        }
        busy.forEach { $0.start() }
        defer { stop.set() }
        try world.reset()
        let action = JointAction(spec: world.spec)
        for _ in 0..<300 { _ = try world.step(action) }
    }

    /// A recursion that never ends: one error whose traceback shows the repeating frame once, with
    /// how often it repeats, and the rule it breaks.
    func testAnEndlessRecursionIsOneLinePerFrame() throws {
        let world = try makeWorld("""
            local function deeper(n) return deeper(n + 1) + 1 end
            return {
              agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 10,
              reset = function(self) end, observe = function(self, i, out) out[1] = 0 end,
              step = function(self, actions) return deeper(1), false end,
            }
            """)
        try world.reset()
        let error = worldError { _ = try world.step(JointAction(spec: world.spec)) }
        XCTAssertEqual(error?.rule, ContractRule.recursion)
        XCTAssertTrue(error?.message.hasSuffix("stack overflow") == true, error?.message ?? "")
        let frames = error?.traceback ?? []
        XCTAssertEqual(frames.count, 2, "\(frames)")
        XCTAssertTrue(frames.first?.contains("in upvalue 'deeper'  (about ") == true, "\(frames)")
        XCTAssertTrue(frames.first?.hasSuffix("times: a recursion that does not end?)") == true, "\(frames)")
    }
}

/// A flag set by one thread and read by others.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
