import Common
import Foundation
@testable import Learners
import Tensors
@testable import Training
import XCTest

/// Teams whose agents differ: groups, parameter sharing, clear refusals, and no trap for any
/// combination of spaces.
final class HeterogeneousTeamTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    let tiny: [(String, String)] = [("steps", "90"), ("batch_size", "4"), ("envs", "2"), ("log_interval", "45"), ("test_episodes", "2"),
                                    ("warmup_steps", "30"), ("updates_per_step", "0.25"), ("hidden", "8"), ("n_step", "2"),
                                    ("rnn_hidden", "8"), ("replay_episodes", "1")]

    func folder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-het-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// A world file of agents with these observation sizes and action spaces, masks that change
    /// every step for discrete agents, and a reward that needs every agent.
    func world(_ agents: [(observation: Int, actions: AgentActions)]) throws -> String {
        let spaces = agents.map { agent -> String in
            switch agent.actions {
            case let .discrete(n): return "{discrete = \(n)}"
            case let .continuous(d): return "{continuous = \(d), low = -2, high = 3}"
            }
        }
        let source = """
        local t = 0
        local sizes = {\(agents.map { String($0.observation) }.joined(separator: ", "))}
        local counts = {\(agents.map { $0.actions.isContinuous ? "0" : String($0.actions.count) }.joined(separator: ", "))}
        return {
          agents = \(agents.count),
          actions = {\(spaces.joined(separator: ", "))},
          observation_size = sizes,
          episode_limit = 3,
          reset = function(self) t = 0 end,
          observe = function(self, i, out) for k = 1, sizes[i] do out[k] = (k + i + t) % 3 end end,
          \(agents.allSatisfy(\.actions.isContinuous) ? "" : """
          available = function(self, i, out)
            for k = 1, counts[i] do out[k] = counts[i] == 1 or (k + t) % 2 == 0 end
          end,
          """)
          step = function(self, actions)
            t = t + 1
            local r = 0
            for i = 1, #sizes do
              if counts[i] > 0 then r = r + actions[i] / counts[i] else r = r - math.abs(actions[i][1] - 1) end
            end
            return r, false
          end,
        }
        """
        let path = folder() + ".lua"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Every learner on teams of one to three agents with one-action, wide, one- and three-dimensional
    /// spaces and observations of 1 or 6 values: it trains (and films its replay), or it refuses with
    /// the one error that names the learners that can. Never a trap.
    func testEveryLearnerTrainsOrRefusesEveryCombinationOfSpaces() throws {
        let teams: [[(Int, AgentActions)]] = [
            [(1, .discrete(1))], [(6, .continuous(3))],
            [(1, .discrete(4)), (6, .discrete(1))], [(6, .continuous(1)), (1, .continuous(3))],
            [(6, .discrete(4)), (6, .discrete(4))], [(1, .discrete(4)), (1, .continuous(1))],
            [(6, .continuous(3)), (1, .discrete(1)), (6, .continuous(3))],
            [(1, .discrete(2)), (6, .discrete(4)), (1, .discrete(2))],
        ]
        for team in teams {
            let file = try world(team.map { (observation: $0.0, actions: $0.1) })
            let layout = EpisodeLayout(observationSizes: team.map(\.0), stateSize: team.reduce(0) { $0 + $1.0 }, actionSpaces: team.map(\.1),
                                       episodeLimit: 3)
            for entry in LearnerRegistry.all {
                let label = "\(entry.name) on \(layout.agentSummary)"
                let accepts = entry.trainer(for: layout) != nil
                let names = Set((entry.variant(for: layout) ?? entry.discrete ?? entry.continuous)!.settings.map(\.name)
                                + TrainingSettings.specs.map(\.name))
                do {
                    let run = try TrainingRun(file: file, options: [], learner: entry.name, overrides: tiny.filter { names.contains($0.0) },
                                              seed: 2, folder: folder())
                    XCTAssertTrue(accepts, "\(label): built a learner for a team it does not train")
                    let summary = try run.run()
                    XCTAssertGreaterThan(summary.updates, 0, label)
                    XCTAssertTrue(summary.finalTestReturnMean.isFinite, label)
                } catch let error as TrainingError {
                    XCTAssertFalse(accepts, "\(label): \(error.message)")
                    XCTAssertTrue(error.message.contains("learners that can: ") || error.message.contains("no learner"), "\(label): \(error.message)")
                    XCTAssertTrue(error.message.contains(file), label)
                }
            }
        }
    }

    func testRefusalsNameWhichAgentsDifferAndWhichLearnersCan() throws {
        let corridor = fixtures.appendingPathComponent("hetero_corridor.lua").path
        let mixed = fixtures.appendingPathComponent("mixed_reach.lua").path
        func message(_ file: String, _ learner: String) -> String {
            do {
                _ = try TrainingRun(file: file, options: [], learner: learner, overrides: [], seed: 1, folder: folder())
                return ""
            } catch { return "\(error)" }
        }
        let reach = fixtures.appendingPathComponent("hetero_reach.lua").path
        let wrongKind = message(reach, "qmix")
        XCTAssertTrue(wrongKind.contains("qmix handles discrete actions; this world's agents act continuously "
                                         + "(agents 1, 3: observation 2, continuous(1); agent 2: observation 4, continuous(3))"), wrongKind)
        XCTAssertTrue(wrongKind.contains("learners that can: fsv, hasac, masac, vm3-ac, qmix-ddpg, vdn-ddpg, ader, ser-marl"), wrongKind)
        XCTAssertEqual(message(corridor, "ader"), "", "every learner trains heterogeneous teams of its action kind")
        let mixedTeam = message(mixed, "qmix")
        XCTAssertTrue(mixedTeam.contains("qmix cannot train a mixed team (agent 1 acts discretely, agent 2 acts continuously); learners that can: hasac, masac"),
                      mixedTeam)
        XCTAssertTrue(message(mixed, "vm3-ac").contains("learners that can: hasac, masac"))
    }

    func testGroupsAreAgentsWithEqualSpacesAndShareParametersChoosesTheNetworks() throws {
        let layout = EpisodeLayout(observationSizes: [3, 5, 3], stateSize: 11, actionSpaces: [.discrete(4), .discrete(2), .discrete(4)], episodeLimit: 6)
        XCTAssertEqual(layout.groups, [[0, 2], [1]])
        XCTAssertEqual(layout.jointActionWidth, 10)
        XCTAssertEqual(layout.observationSize, 5)
        XCTAssertEqual(layout.actions, 4)
        let corridor = fixtures.appendingPathComponent("hetero_corridor.lua").path
        func networks(_ learner: String, _ sharing: String?, prefix: String) throws -> [String] {
            let run = try TrainingRun(file: corridor, options: [], learner: learner, overrides: sharing.map { [("share_parameters", $0)] } ?? [],
                                      seed: 1, folder: folder())
            return Set(run.learner.parameters.names.filter { $0.hasPrefix(prefix) }.map { String($0.split(separator: ".")[0]) }).sorted()
        }
        XCTAssertEqual(try networks("qmix", nil, prefix: "agent"), ["agent0", "agent1"], "value learners share within groups by default")
        XCTAssertEqual(try networks("qmix", "none", prefix: "agent"), ["agent0", "agent1", "agent2"])
        XCTAssertEqual(try networks("hasac", nil, prefix: "actor"), ["actor0", "actor1", "actor2"], "HARL: one actor per agent by default")
        XCTAssertEqual(try networks("hasac", "group", prefix: "actor"), ["actor0", "actor1"])
        // A group network sees its own sizes: observation 3 + last action 4 + id among 2 agents.
        let run = try TrainingRun(file: corridor, options: [], learner: "qmix", overrides: [], seed: 1, folder: folder())
        XCTAssertEqual(run.learner.parameters["agent0.fc1.weight"]?.shape, Shape(64, 3 + 4 + 2))
        XCTAssertEqual(run.learner.parameters["agent1.fc1.weight"]?.shape, Shape(64, 5 + 2 + 1))
        XCTAssertEqual(run.learner.parameters["agent1.fc2.weight"]?.shape, Shape(2, 64))
        let config = run.config.serialized
        XCTAssertTrue(config.contains("{\"observation_size\":5,\"actions\":\"discrete(2)\",\"group\":2}"), "config.json records the groups: \(config)")
    }

    /// The grouped networks' outputs, laid out in world order, are each network's own outputs for its
    /// agents, zero in the padded actions.
    func testGroupedRecurrentOutputsAreEachNetworksOwnInWorldOrder() {
        let layout = EpisodeLayout(observationSizes: [3, 5, 3], stateSize: 11, actionSpaces: [.discrete(4), .discrete(2), .discrete(4)], episodeLimit: 6)
        var rng = RandomSource(seed: 4)
        let agents = RecurrentAgents("agent", layout: layout, sharing: .groups, lastAction: true, agentID: true, hidden: 5, rng: &rng)
        let g = Graph()
        let T = 2, B = 3
        let xs = agents.inputs.map { input in
            g.constant(Shape(T, B * input.members.count, input.width)) { out in for k in 0..<out.count { out[k] = Float(k % 7) / 7 - 0.4 } }
        }
        let combined = agents.unroll(xs)
        XCTAssertEqual(combined.shape, Shape(T, B * 3, 4))
        for (k, input) in agents.inputs.enumerated() {
            let own = agents.networks[k].unroll(xs[k])
            let M = input.members.count, A = input.actions
            for t in 0..<T { for b in 0..<B { for (p, i) in input.members.enumerated() { for a in 0..<4 {
                let value = combined.storage[(t * B * 3 + b * 3 + i) * 4 + a]
                XCTAssertEqual(value, a < A ? own.storage[(t * B * M + b * M + p) * A + a] : 0, "network \(k), agent \(i), action \(a)")
            } } } }
        }
    }
}
