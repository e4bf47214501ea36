import Common
@testable import Training
import Worlds
import XCTest

/// TeamPolicy (what libmarlsim's policies act with) acting on the worlds `marl-sim eval` uses, in its
/// order, gives eval's returns exactly: a recurrent value learner and a mixed team's actor-critic.
final class TeamPolicyTests: XCTestCase {
    func trainedFolder(_ world: String, _ algo: String, _ overrides: [(String, String)]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-policy-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        _ = try TrainingRun(file: ReplayOutputTests.world(world), options: [], learner: algo, overrides: overrides, seed: 4, folder: folder).run()
        return folder
    }

    /// Plays `episodes` as eval does: min(episodes, envs) instances seeded from `seed`, the policy acting
    /// on all of them every step (finished ones keep their last values).
    func returns(_ policy: TeamPolicy, episodes: Int, seed: UInt64) throws -> [Double] {
        let run = policy.reopened.run, spec = policy.spec
        let count = max(1, min(episodes, run.settings.int("envs")))
        let worlds = try (0..<count).map { try LuaWorld(file: run.file, options: run.options, seed: seed, instance: $0) }
        let O = spec.totalObservationSize, S = spec.stateSize, A = spec.totalAvailableSize, C = spec.totalContinuousSize
        var returns: [Double] = []
        while returns.count < episodes {
            policy.begin(instances: count)
            for world in worlds { try world.reset() }
            var totals = [Double](repeating: 0, count: count), running = [Bool](repeating: true, count: count)
            while running.contains(true) {
                let observations = worlds.flatMap { Array($0.observations) }, states = worlds.flatMap { Array($0.state) }
                let available = worlds.flatMap { Array($0.available) }
                var ids = [Int32](repeating: 0, count: count * spec.agents), values = [Double](repeating: 0, count: count * C)
                observations.withUnsafeBufferPointer { o in states.withUnsafeBufferPointer { s in available.withUnsafeBufferPointer { a in
                    ids.withUnsafeMutableBufferPointer { d in values.withUnsafeMutableBufferPointer { c in
                        policy.act(instances: count, observations: o, states: s, available: a, stochastic: false, discrete: d, continuous: c)
                    } }
                } } }
                XCTAssertEqual(observations.count, count * O)
                XCTAssertEqual(states.count, count * S)
                XCTAssertEqual(available.count, count * A)
                for (k, world) in worlds.enumerated() where running[k] {
                    var action = JointAction(spec: spec)
                    action.discrete = Array(ids[(k * spec.agents)..<((k + 1) * spec.agents)])
                    action.continuous = Array(values[(k * C)..<((k + 1) * C)])
                    let result = try world.step(action)
                    totals[k] += result.reward
                    running[k] = !result.done
                }
            }
            returns += totals.prefix(episodes - returns.count)
        }
        return returns
    }

    func testActingAsEvalDoesGivesEvalsReturns() throws {
        let cases = [("envs/spread.lua", "qmix", [("steps", "2000"), ("log_interval", "1000")]),
                     ("envs/spotter.lua", "hasac", [("steps", "800"), ("warmup_steps", "200"), ("log_interval", "400"),
                                                    ("batch_size", "16"), ("hidden", "8")])]
        for (world, algo, overrides) in cases {
            let folder = try trainedFolder(world, algo, overrides)
            let policy = try TeamPolicy(folder: folder)
            let evaluated = try ReopenedRun(folder: folder).run.evaluate(episodes: 6, worldSeed: 9).returns
            XCTAssertEqual(try returns(policy, episodes: 6, seed: 9), evaluated, algo)
            XCTAssertNotEqual(try returns(policy, episodes: 6, seed: 10), evaluated, "\(algo): another seed plays other episodes")
        }
    }
}
