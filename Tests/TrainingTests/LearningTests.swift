import Common
import Foundation
@testable import Learners
import Tensors
@testable import Training
import XCTest

/// Seeded short versions of the papers' matrix-game results (sweeps/matrix.toml runs the
/// full seed sweeps).
final class LearningTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func world(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func train(_ world: String, _ algo: String, seed: UInt64, _ overrides: [(String, String)] = []) throws -> (TrainingRun, TrainingSummary) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-learn-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let run = try TrainingRun(file: Self.world(world), options: [], learner: algo, overrides: overrides, seed: seed, folder: folder)
        return (run, try run.run())
    }

    /// A world nobody tuned for (three agents, action masks, a reward of 1 when they meet, random play
    /// meets in 15 % of episodes): the soft actor-critic and ADER defaults, which once taught such a team
    /// never to finish an episode, beat random play within 10k steps (scripts/bench/defaults measures
    /// every learner over the full default length).
    func testDefaultsLearnAWorldNobodyTunedFor() throws {
        for algo in ["hasac", "ader"] {
            for seed: UInt64 in [1, 2] {
                let (_, summary) = try train("Tests/TrainingTests/Fixtures/defaults/meet.lua", algo, seed: seed,
                                             [("steps", "10000"), ("log_interval", "5000"), ("replay_episodes", "0")])
                XCTAssertGreaterThan(summary.finalTestReturnMean, 0.5, "\(algo) seed \(seed): random play meets in 15 % of episodes")
                XCTAssertEqual(summary.warnings, [], "\(algo) seed \(seed)")
            }
        }
    }

    func testQMIXAndVDNFallIntoTheRelativeOvergeneralizationTrap() throws {
        for algo in ["qmix", "vdn"] {
            for seed: UInt64 in [1, 2, 3] {
                let (_, summary) = try train("envs/matrix/nonmono.lua", algo, seed: seed)
                XCTAssertEqual(summary.finalTestReturnMean, 0, "\(algo) seed \(seed): the greedy joint action should be a B/C pair")
            }
        }
    }

    func testSoftQMIXAndFSVReachTheOptimumWithTheWorldsSettings() throws {
        // The world recommends td_hysteresis for both (not in their papers; see envs/matrix/nonmono.lua).
        for algo in ["soft-qmix", "fsv"] {
            for seed: UInt64 in [1, 2, 3] {
                let (_, summary) = try train("envs/matrix/nonmono.lua", algo, seed: seed)
                XCTAssertEqual(summary.finalTestReturnMean, 8, "\(algo) seed \(seed): the greedy joint action should be (A, A)")
            }
        }
    }

    func testVDNUnderUniformExplorationLearnsTheLeastSquaresAdditiveFit() throws {
        let (run, _) = try train("envs/matrix/nonmono.lua", "vdn", seed: 4, [("batch_size", "128"), ("lr", "1e-4"), ("steps", "40000")])
        guard case let .episodes(episodic) = run.learner else { return XCTFail("vdn learns from episodes") }
        let learner = try XCTUnwrap(episodic as? FactorizedQLearning)
        // docs/learners.md §2.7: rowmean_i + colmean_j − grand mean.
        let expected: [[Float]] = [[-6.22, -4.89, -4.89], [-4.89, -3.56, -3.56], [-4.89, -3.56, -3.56]]
        for a in 0..<3 {
            for b in 0..<3 {
                let value = learner.firstStepJointValue(observations: [1, 0, 1, 0], state: [1, 0], actions: [a, b])
                XCTAssertEqual(value, expected[a][b], accuracy: 0.1, "Q_tot(\(a), \(b))")
            }
        }
    }

    func testFSVFindsTheNarrowOptimumOfMaxOfTwoQuadratics() throws {
        // The world recommends td_hysteresis for FSV (not in its paper); without it FSV settles on the
        // broad local optimum (-5, -5) worth 0. A return of at least 9 is only paid within 1 of (5, 5).
        // 6000 of the recommended 10000 steps keep the test short; the seeds are settled by then.
        let short = [("steps", "6000")]
        for seed: UInt64 in [2, 3] {
            let (_, summary) = try train("envs/surfaces/quadratics.lua", "fsv", seed: seed, short)
            XCTAssertGreaterThanOrEqual(summary.finalTestReturnMean, 9, "seed \(seed): the greedy joint action should be near (5, 5)")
        }
        let (_, paperOnly) = try train("envs/surfaces/quadratics.lua", "fsv", seed: 2, short + [("td_hysteresis", "1")])
        XCTAssertEqual(paperOnly.finalTestReturnMean, 0, accuracy: 1, "without hysteresis: near the local optimum (-5, -5)")
    }

    func testSoftActorCriticsSettleOnAPeakOfMaxOfTwoQuadratics() throws {
        // FSV Table 7: the baselines mostly end on the broad peak (-5, -5) worth 0; the start pays about -12.
        for algo in ["hasac", "masac"] {
            for seed: UInt64 in [1, 2] {
                let (_, summary) = try train("envs/surfaces/quadratics.lua", algo, seed: seed)
                XCTAssertEqual(summary.finalTestReturnMean, 0, accuracy: 1, "\(algo) seed \(seed): at the broad peak (-5, -5)")
            }
        }
        for seed: UInt64 in [1, 2] {
            let (_, summary) = try train("envs/surfaces/quadratics.lua", "vm3-ac", seed: seed)
            XCTAssertGreaterThanOrEqual(summary.finalTestReturnMean, -1, "vm3-ac seed \(seed): on one of the two peaks")
        }
    }

    func testADERWalksThePathToTheJunction() throws {
        // docs/learners.md §9.3: the path runs from (0, 0) to the junction (0.6, 0), then up to the circle
        // at (0.6, 0.6); the reward grows along it (0 at the start, 2.5 at the junction, 5 at the centre).
        let (_, summary) = try train("envs/surfaces/ader_path.lua", "ader", seed: 1, [("steps", "12000")])
        XCTAssertGreaterThanOrEqual(summary.finalTestReturnMean, 2, "ader seed 1: at or past the junction")
    }

    /// A short version of the spread result (docs/results.md): with the world's settings QMIX after 40k steps
    /// and FSV after 80k steps beat random play (−217.5) by more than 17 per episode; at the full
    /// 120k steps all three seeds clear −185.5.
    func testQMIXAndFSVCoverSpreadsLandmarksBetterThanRandom() throws {
        for (algo, seed, steps) in [("qmix", UInt64(1), "40000"), ("qmix", 2, "40000"), ("fsv", 3, "80000")] {
            let (_, summary) = try train("envs/spread.lua", algo, seed: seed, [("steps", steps)])
            XCTAssertGreaterThan(summary.finalTestReturnMean, -200, "\(algo) seed \(seed): greedy test return per episode")
        }
    }

    /// Short versions of sweeps/heterogeneous.toml: on the mixed spotter world MASAC's team
    /// (a discrete spotter and a continuous mover) uses the signal after 40k steps: it beats the best
    /// team that ignores it (−21.4, random play −27.3) by a wide margin; on speaker-listener (agents
    /// of observation 3 and 11, 3 and 5 actions) QMIX clears the bar (−20.0) after 40k steps.
    func testHeterogeneousAndMixedTeamsLearn() throws {
        for seed: UInt64 in [1, 2] {
            let (_, spotter) = try train("envs/spotter.lua", "masac", seed: seed, [("steps", "40000")])
            XCTAssertGreaterThan(spotter.finalTestReturnMean, -15, "masac on spotter, seed \(seed)")
            let (_, listener) = try train("envs/speaker_listener.lua", "qmix", seed: seed, [("steps", "40000")])
            XCTAssertGreaterThan(listener.finalTestReturnMean, -20, "qmix on speaker_listener, seed \(seed)")
        }
    }

    /// The short version of sweeps/combat.toml's QMIX row: with the world's settings QMIX's
    /// greedy team wins SMAC-like 3m (dense reward) after 80k steps (random play never wins).
    func testQMIXWinsSMACLike3m() throws {
        for seed: UInt64 in [1, 3] {
            let (_, summary) = try train("envs/smac.lua", "qmix", seed: seed, [("steps", "80000")])
            let won = summary.finalTestInfo.first { $0.0 == "won" }?.1
            XCTAssertGreaterThanOrEqual(won ?? -1, 0.9, "qmix seed \(seed): test win rate")
        }
    }

    /// Why HASAC avoided the fight on combat (docs/results.md "HASAC on combat"), on a world written
    /// for it: a strike pays but may kill the striker, and a dead scout's only action is to wait. With
    /// a target entropy the masked policies cannot reach (κ = 0.98 of log|A|, dead units counted) α
    /// grows without bound and the soft value pays the team to hide until the time limit; with the
    /// target taken from each sample's available actions and dead units left out (the world's
    /// recommendation in envs/smac.lua) α stays put and the team fights to the win.
    func testHASACFightsWhenItsTargetEntropyFollowsTheAvailableActions() throws {
        let world = "Tests/TrainingTests/Fixtures/combat/ambush.lua"
        let common = [("steps", "25000"), ("log_interval", "5000"), ("replay_episodes", "0"), ("alpha", "0.2"), ("threads", "1")]
        for seed: UInt64 in [1, 2] {
            let (run, summary) = try train(world, "hasac", seed: seed, common + [("policy_active_masks", "true"),
                                           ("discrete_target_entropy", "available"), ("target_entropy_scale", "0.5")])
            XCTAssertGreaterThanOrEqual(summary.finalTestReturnMean, 9, "seed \(seed): the scouts strike until the sentry falls")
            let alpha = try XCTUnwrap(run.learner.schedules(at: 0).first { $0.0 == "alpha_1" }?.1)
            XCTAssertLessThan(alpha, 0.4, "seed \(seed): α stays near its start (0.2)")
        }
        let (run, unreachable) = try train(world, "hasac", seed: 1, common + [("target_entropy_scale", "0.98")])
        XCTAssertLessThan(unreachable.finalTestReturnMean, 1, "with an unreachable target the scouts hide")
        let alpha = try XCTUnwrap(run.learner.schedules(at: 0).first { $0.0 == "alpha_1" }?.1)
        XCTAssertGreaterThan(alpha, 0.6, "with an unreachable target α more than triples in 25k steps (and keeps growing)")
    }

    func testTwoStepGameQMIXFindsEightAndVDNSettlesForSeven() throws {
        for seed: UInt64 in [1, 2] {
            XCTAssertEqual(try train("envs/matrix/two_step.lua", "qmix", seed: seed).1.finalTestReturnMean, 8, "qmix seed \(seed)")
            XCTAssertEqual(try train("envs/matrix/two_step.lua", "vdn", seed: seed).1.finalTestReturnMean, 7, "vdn seed \(seed)")
        }
    }
}

/// What every learner must do, whatever it learns.
final class LearnerConformanceTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    var corridor: String { fixtures.appendingPathComponent("masked_corridor.lua").path }
    var reach: String { fixtures.appendingPathComponent("continuous_reach.lua").path }
    let quick: [(String, String)] = [("steps", "600"), ("batch_size", "8"), ("envs", "4"), ("log_interval", "300"), ("test_episodes", "4"),
                                     ("warmup_steps", "100"), ("updates_per_step", "0.25"), ("hidden", "16"), ("n_step", "3")]

    func folder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-conf-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The quick settings the learner's form has.
    func quick(_ entry: LearnerEntry, continuous: Bool) -> [(String, String)] {
        let names = Set(entry.variant(continuous: continuous)!.settings.map(\.name) + TrainingSettings.specs.map(\.name))
        return quick.filter { names.contains($0.0) }
    }

    /// The test worlds: homogeneous (corridor, reach), heterogeneous (agents of their own sizes, one
    /// group not contiguous in world order) and mixed, each with the team the learners see.
    var worlds: [(file: String, layout: EpisodeLayout)] {
        [(corridor, EpisodeLayout(agents: 2, observationSize: 3, stateSize: 6, actions: 4, episodeLimit: 6)),
         (reach, EpisodeLayout(agents: 2, observationSize: 3, stateSize: 6, actions: 0, episodeLimit: 5, actionDimensions: 2)),
         (fixtures.appendingPathComponent("hetero_corridor.lua").path,
          EpisodeLayout(observationSizes: [3, 5, 3], stateSize: 11, actionSpaces: [.discrete(4), .discrete(2), .discrete(4)], episodeLimit: 6)),
         (fixtures.appendingPathComponent("hetero_reach.lua").path,
          EpisodeLayout(observationSizes: [2, 4, 2], stateSize: 8, actionSpaces: [.continuous(1), .continuous(3), .continuous(1)], episodeLimit: 5)),
         (fixtures.appendingPathComponent("mixed_reach.lua").path,
          EpisodeLayout(observationSizes: [2, 4], stateSize: 6, actionSpaces: [.discrete(3), .continuous(2)], episodeLimit: 5))]
    }

    /// Test-mode actions of a learner for a fixed batch of 4 instances (each agent's own actions
    /// half available, the padding never).
    func testActions(_ learner: AnyLearner, layout: EpisodeLayout) -> JointActions {
        var generator = SeededGenerator(seed: 3)
        let N = layout.agents, A = layout.actions
        let observations = (0..<(4 * N * layout.observationSize)).map { k -> Float in
            let value = Float(generator.nextUnit())
            return k % layout.observationSize < layout.observationSizes[(k / layout.observationSize) % N] ? value : 0
        }
        let states = (0..<(4 * layout.stateSize)).map { _ in Float(generator.nextUnit()) }
        let available = (0..<(4 * N * A)).map { k -> Float in
            let i = (k / A) % N, a = k % A
            guard case let .discrete(n) = layout.actionSpaces[i], a < n else { return 0 }
            return n == 1 || (k / 2) % 2 == 1 ? 1 : Float((a + 1) % 2)
        }
        return observations.withUnsafeBufferPointer { o in states.withUnsafeBufferPointer { s in available.withUnsafeBufferPointer { m in
            switch learner {
            case let .episodes(l):
                l.beginEpisodes(envs: 4)
                return JointActions(discrete: l.act(observations: o, states: s, available: m, mode: .greedy, step: 0))
            case let .transitions(l):
                return l.act(observations: o, states: s, available: m, mode: .greedy, step: 0)
            }
        } } }
    }

    func testEveryLearnerIsDeterministicRespectsMasksAndBoundsAndRoundTripsItsWeights() throws {
        var heterogeneous: Set<String> = [], mixed: Set<String> = [], threadedLearners: Set<String> = []
        for entry in LearnerRegistry.all {
            for (world, layout) in worlds {
                guard entry.trainer(for: layout) != nil else { continue }
                // Masks change every step: choosing an unavailable action would stop the run with an error.
                let continuous = layout.actionDimensions > 0
                let settings = quick(entry, continuous: !layout.isMixed && continuous)
                let name = "\(entry.name) on \((world as NSString).lastPathComponent)"
                // A learner with a `threads` setting gives the same run on one thread and on two (twice).
                let threaded = entry.variant(for: layout)!.settings.contains { $0.name == "threads" }
                let first = folder(), second = folder()
                let a = try TrainingRun(file: world, options: [], learner: entry.name, overrides: settings + (threaded ? [("threads", "1")] : []),
                                        seed: 5, folder: first)
                XCTAssertEqual(a.layout, layout, name)
                let summary = try a.run()
                var others = [second]
                _ = try TrainingRun(file: world, options: [], learner: entry.name, overrides: settings + (threaded ? [("threads", "2")] : []),
                                    seed: 5, folder: second).run()
                if threaded {
                    others.append(folder())
                    _ = try TrainingRun(file: world, options: [], learner: entry.name, overrides: settings + [("threads", "2")], seed: 5,
                                        folder: others[1]).run()
                    threadedLearners.insert(entry.name)
                }
                func metrics(_ path: String) throws -> String {
                    let text = try String(contentsOfFile: path + "/metrics.csv", encoding: .utf8)
                    let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
                    let wall = rows[0].firstIndex(of: "wall_seconds")!
                    return rows.map { row in row.enumerated().filter { $0.offset != wall }.map(\.element).joined(separator: ",") }.joined(separator: "\n")
                }
                XCTAssertGreaterThan(summary.updates, 0, "\(name): trained")
                for other in others {
                    XCTAssertEqual(try metrics(first), try metrics(other), "\(name): same seed, same metrics")
                    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first + "/model.safetensors")),
                                   try Data(contentsOf: URL(fileURLWithPath: other + "/model.safetensors")), "\(name): same weights")
                }
                if continuous {
                    XCTAssertEqual(summary.finalTestInfo.first { $0.0 == "excess" }?.1, 0, "\(name): actions inside [low, high]")
                }

                // A fresh learner loaded from the checkpoint acts exactly like the trained one, and test actions are deterministic.
                let fresh = try TrainingRun(file: world, options: [], learner: entry.name, overrides: settings, seed: 99, folder: folder())
                try Safetensors.load(fresh.learner.parameters, from: URL(fileURLWithPath: first + "/model.safetensors"))
                let trained = testActions(a.learner, layout: a.layout)
                XCTAssertEqual(trained.discrete, testActions(fresh.learner, layout: a.layout).discrete, "\(name): save/load round trip")
                XCTAssertEqual(trained.continuous, testActions(fresh.learner, layout: a.layout).continuous, "\(name): save/load round trip")
                XCTAssertEqual(trained.continuous, testActions(a.learner, layout: a.layout).continuous, "\(name): deterministic test actions")
                XCTAssert(trained.continuous.allSatisfy { abs($0) <= 1 }, "\(name): normalized actions in [-1, 1]")
                // Each agent's test actions are its own: an id below its count (and available), values only in its own dimensions.
                for e in 0..<4 {
                    for i in 0..<layout.agents {
                        switch layout.actionSpaces[i] {
                        case let .discrete(n):
                            XCTAssertLessThan(Int(trained.discrete[e * layout.agents + i]), n, "\(name): agent \(i + 1) picks its own actions")
                        case let .continuous(d):
                            let row = (e * layout.agents + i) * layout.actionDimensions
                            XCTAssert(trained.continuous[(row + d)..<(row + layout.actionDimensions)].allSatisfy { $0 == 0 },
                                      "\(name): agent \(i + 1) acts in its own \(d) dimensions")
                        }
                    }
                }
                if !layout.isHomogeneous { heterogeneous.insert(entry.name) }
                if layout.isMixed { mixed.insert(entry.name) }
            }
        }
        XCTAssertEqual(heterogeneous, Set(LearnerRegistry.all.filter { [$0.discrete, $0.continuous].contains { ($0?.teams ?? .homogeneous) >= .heterogeneous } }.map(\.name)))
        XCTAssertEqual(mixed, ["hasac", "masac"])
        XCTAssertEqual(threadedLearners, ["hasac", "masac", "ader", "ser-marl", "qmix", "vdn", "soft-qmix", "fsv"])
    }

    /// HARL's SMAC options (docs/learners.md §4.8) on every test team, in two sets (with the global and
    /// with the agent-specific critic state): the same run on one thread and two, finite weights, masks
    /// respected, and a fresh learner with the same settings loads the weights.
    func testHASACAndMASACWithHARLsOptionsAreDeterministicOnEveryTeam() throws {
        let optionSets = [[("critic_loss", "huber"), ("huber_delta", "0.5"), ("value_norm", "true"), ("policy_active_masks", "true"),
                           ("discrete_target_entropy", "available")],
                          [("critic_state", "agent"), ("feature_norm", "true"), ("actor_init", "orthogonal"), ("value_norm", "true"),
                           ("policy_active_masks", "true")]]
        for (algo, options) in [("hasac", optionSets[0]), ("hasac", optionSets[1]), ("masac", optionSets[0]), ("masac", optionSets[1])] {
            let entry = try XCTUnwrap(LearnerRegistry.all.first { $0.name == algo })
            for (world, layout) in worlds {
                let settings = quick(entry, continuous: !layout.isMixed && layout.actionDimensions > 0) + options
                let name = "\(algo) with \(options.map(\.0).joined(separator: ",")) on \((world as NSString).lastPathComponent)"
                let first = folder(), second = folder()
                let summary = try TrainingRun(file: world, options: [], learner: algo, overrides: settings + [("threads", "1")], seed: 7,
                                              folder: first).run()
                _ = try TrainingRun(file: world, options: [], learner: algo, overrides: settings + [("threads", "2")], seed: 7, folder: second).run()
                XCTAssertGreaterThan(summary.updates, 0, name)
                let weights = try Data(contentsOf: URL(fileURLWithPath: first + "/model.safetensors"))
                XCTAssertEqual(weights, try Data(contentsOf: URL(fileURLWithPath: second + "/model.safetensors")), "\(name): threads 1 and 2")
                let loaded = try Safetensors.read(URL(fileURLWithPath: first + "/model.safetensors"))
                XCTAssert(loaded.allSatisfy { $0.values.allSatisfy(\.isFinite) }, "\(name): finite weights")
                let fresh = try TrainingRun(file: world, options: [], learner: algo, overrides: settings, seed: 99, folder: folder())
                XCTAssertNoThrow(try Safetensors.load(fresh.learner.parameters, from: URL(fileURLWithPath: first + "/model.safetensors")), name)
            }
        }
    }

    func testEveryLearnerWithCriticLayerNormPutsLayerNormsIntoItsCritics() throws {
        var covered: [String] = []
        for entry in LearnerRegistry.all {
            guard let variant = entry.variant(continuous: true), variant.settings.contains(where: { $0.name == "critic_layer_norm" }) else { continue }
            let settings = quick(entry, continuous: true)
            func parameters(_ flag: Bool) throws -> ParameterSet {
                try TrainingRun(file: reach, options: [], learner: entry.name, overrides: settings + [("critic_layer_norm", String(flag))],
                                seed: 5, folder: folder()).learner.parameters
            }
            let plain = try parameters(false), normed = try parameters(true)
            // Each hidden layer of each critic gains a scale and a shift of width `hidden` (16); the actors are untouched.
            let added = normed.scalarCount - plain.scalarCount
            XCTAssertTrue(added > 0 && added % 32 == 0, "\(entry.name): \(added) scalars added")
            let actorNames = plain.names.filter { $0.hasPrefix("actor") || $0.hasPrefix("policy") }
            XCTAssertFalse(actorNames.isEmpty, "\(entry.name): actors found")
            for name in actorNames { XCTAssertEqual(plain[name]?.values, normed[name]?.values, "\(entry.name): \(name) unchanged") }
            if entry.name == "ader" || entry.name == "ser-marl" {
                // ADER's critic includes its mixers: their hypernetworks see the raw state and are normalised too.
                for mixer in ["reward.mixer1.hw1", "reward.target_mixer2.hw2", "entropy.mixer2.hb2"] {
                    XCTAssertTrue(normed.names.contains("\(mixer).1.weight"), "\(entry.name): \(mixer) normalised")
                    XCTAssertFalse(plain.names.contains("\(mixer).1.weight"), "\(entry.name): \(mixer) plain")
                }
            }
            covered.append(entry.name)
        }
        XCTAssertTrue(Set(["hasac", "masac", "ader", "ser-marl"]).isSubset(of: covered), "covered \(covered)")
    }

    func testTerminationAndTruncationReachTheBufferApart() throws {
        try terminationAndTruncation(in: corridor, learner: "vdn")
        try terminationAndTruncation(in: fixtures.appendingPathComponent("hetero_corridor.lua").path, learner: "qmix")
    }

    func terminationAndTruncation(in world: String, learner name: String) throws {
        let entry = LearnerRegistry.named(name)!
        let run = try TrainingRun(file: world, options: [], learner: name, overrides: quick(entry, continuous: false), seed: 1, folder: folder())
        let collector = Collector(pool: run.pool, layout: run.layout, recording: true)
        var terminated = 0, truncated = 0
        for _ in 0..<10 {
            let outcomes = try collector.collect(learner: run.learner, mode: .explore, step: 0)
            for (record, outcome) in zip(collector.records, outcomes) {
                // The corridors terminate only when the goal pays 1; otherwise the host truncates at 6 steps.
                let reachedGoal = record.rewards.last == 1
                XCTAssertEqual(record.terminated, reachedGoal, world)
                XCTAssertEqual(outcome.terminated, reachedGoal, world)
                if !reachedGoal { XCTAssertEqual(record.length, 6, world) }
                if reachedGoal { terminated += 1 } else { truncated += 1 }
            }
        }
        XCTAssertGreaterThan(terminated, 0, world)
        XCTAssertGreaterThan(truncated, 0, world)
    }
}
