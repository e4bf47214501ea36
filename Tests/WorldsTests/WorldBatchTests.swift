import Common
import Worlds
import XCTest

/// WorldBatch: many instances in one call equal the instances stepped one by one, whatever the
/// thread count, reset in the same step when an episode ends, and name the instance that failed.
final class WorldBatchTests: XCTestCase {
    /// A world the repository does not have: two agents of different spaces (a discrete agent with 7
    /// actions, the even ones unavailable; a continuous agent of 2 dimensions), episodes of 1 to 4 steps.
    static let source = """
    local t, length, x = 0, 1, 0
    return {
      agents = 2, episode_limit = 4, observation_size = {3, 1},
      actions = {{discrete = 7}, {continuous = 2, low = -1, high = 1}},
      reset = function(self) t = 0; x = math.random(); length = math.random(4) end,
      observe = function(self, i, out)
        if i == 1 then out[1], out[2], out[3] = t, x, length else out[1] = -x end
      end,
      available = function(self, i, out) for k = 1, 7 do out[k] = k % 2 == 1 end end,
      step = function(self, actions)
        t = t + 1; x = x + actions[1] + actions[2][1]
        return x, t >= length
      end,
    }
    """

    func writeWorld(_ source: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("odd.lua").path
        try source.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func testABatchIsItsInstancesSteppedOneByOneAndResetsInTheSameStep() throws {
        let file = try writeWorld(Self.source)
        let count = 5
        for threads in [1, 2] {
            let batch = try WorldBatch(file: file, options: [], seed: 3, count: count, threads: threads)
            let singles = try (0..<count).map { try LuaWorld(file: file, seed: 3, instance: $0) }
            try batch.reset()
            for world in singles { try world.reset() }
            var ended = 0
            for step in 0..<12 {
                let ids = (0..<(count * 2)).map { Int32($0 % 2 == 0 ? 2 * ((step + $0) % 4) : 0) }
                let values = (0..<(count * 2)).map { Double($0) / 10 - 0.3 }
                try ids.withUnsafeBufferPointer { d in try values.withUnsafeBufferPointer { try batch.step(discrete: d, continuous: $0) } }
                for (k, world) in singles.enumerated() {
                    var action = JointAction(spec: world.spec)
                    action.discrete = [ids[2 * k], 0]
                    action.continuous = [values[2 * k], values[2 * k + 1]]
                    let result = try world.step(action)
                    XCTAssertEqual(batch.rewards[k], result.reward)
                    XCTAssertEqual(batch.terminated[k], result.terminated ? 1 : 0)
                    XCTAssertEqual(batch.truncated[k], result.truncated ? 1 : 0)
                    if result.done {
                        ended += 1
                        XCTAssertEqual(Array(batch.finalObservations[(4 * k)..<(4 * k + 4)]), Array(world.observations))
                        try world.reset()
                    }
                    XCTAssertEqual(Array(batch.observations[(4 * k)..<(4 * k + 4)]), Array(world.observations), "threads \(threads), step \(step)")
                    XCTAssertEqual(Array(batch.state[(4 * k)..<(4 * k + 4)]), Array(world.state))
                    XCTAssertEqual(Array(batch.available[(7 * k)..<(7 * k + 7)]), Array(world.available))
                }
            }
            XCTAssertGreaterThan(ended, count, "episodes of 1 to 4 steps end within 12 steps, most more than once")
        }
    }

    func testAFailingInstanceIsNamedAndWrongSizesAreRefused() throws {
        let file = try writeWorld(Self.source)
        let batch = try WorldBatch(file: file, options: [], seed: 1, count: 3)
        try batch.reset()
        var ids: [Int32] = [0, 0, 0, 0, 1, 0]  // instance 3's discrete agent picks an unavailable action
        let values = [Double](repeating: 0, count: 6)
        let error = worldError {
            try ids.withUnsafeBufferPointer { d in try values.withUnsafeBufferPointer { try batch.step(discrete: d, continuous: $0) } }
        }
        XCTAssertTrue(error?.message.contains("instance 3 of 3") ?? false, "\(String(describing: error))")
        ids = [0, 0]
        let short = worldError {
            try ids.withUnsafeBufferPointer { d in try values.withUnsafeBufferPointer { try batch.step(discrete: d, continuous: $0) } }
        }
        XCTAssertTrue(short?.message.contains("needs 6 action ids") ?? false, "\(String(describing: short))")
    }
}
