import Common
@testable import Learners
import Tensors
import XCTest

/// docs/learners.md §9.6: with one agent, HASAC and MASAC are single-agent SAC. The reference below
/// is SAC written out from its textbook form (twin critics with a min target and −α log π,
/// reparameterised actor loss against the updated critic, log α toward −dim A, Polyak targets),
/// applied to an identical copy of the networks with the same random draws.
final class SingleAgentSACTests: XCTestCase {
    let layout = EpisodeLayout(agents: 1, observationSize: 3, stateSize: 4, actions: 0, episodeLimit: 3, actionDimensions: 2)

    func settings() throws -> Settings {
        var s = Settings(specs: HASAC.settings + MASAC.settings.filter { spec in !HASAC.settings.contains { $0.name == spec.name } })
        try s.apply([("hidden", "8"), ("batch_size", "16"), ("gamma", "0.9"), ("alpha", "0.3")], from: "test")
        return s
    }

    func batch() -> TransitionBatch {
        var generator = SeededGenerator(seed: 11)
        let buffer = TransitionBuffer(layout: layout, capacity: 64, steps: 1, gamma: 0.9)
        for episode in 0..<6 {
            let record = EpisodeRecord(layout: layout)
            for t in 0...3 {
                let o = (0..<3).map { _ in generator.uniform(-1, 1) }, s = (0..<4).map { _ in generator.uniform(-1, 1) }
                o.withUnsafeBufferPointer { o in s.withUnsafeBufferPointer { s in
                    [UInt8]().withUnsafeBufferPointer { record.observe(observations: o, state: s, available: $0) }
                } }
                if t < 3 { record.act(continuous: [generator.uniform(-1, 1), generator.uniform(-1, 1)], reward: Double(generator.uniform(-1, 1))) }
            }
            record.finish(terminated: episode % 2 == 0)
            buffer.insert(record)
        }
        let batch = TransitionBatch(layout: layout, size: 16)
        buffer.sample(into: batch, using: &generator)
        return batch
    }

    /// One SAC update on `core`'s networks (its actor, its twin critic), drawing noise from `rng` in
    /// the learner's order.
    func sacUpdate(_ core: CentralizedSoftActorCritic, _ batch: TransitionBatch, rng: inout RandomSource, alpha: Temperature) {
        let g = Graph(), B = batch.size, D = 2
        let actorOptimizer = core.actorOptimizers[0], critic = core.critic
        func policy(_ observations: [Float]) -> TanhGaussian {
            let h = core.actors.trunks[0](g.constant(observations, Shape(B, 3))).tanh()
            return TanhGaussian(mean: core.actors.heads[0](h), logStd: core.actors.logStds[0]!(h))
        }
        func q(_ net: MLP, _ states: [Float], _ action: Tensor) -> Tensor { net(concat([g.constant(states, Shape(B, 4)), action], axis: -1)) }

        // Critic: y = r + γ(1 − d)(min Q̄(s′, a′) − α log π(a′|s′)), a′ ~ π.
        let y: Tensor = g.withoutGradients {
            let (next, logPi) = policy(batch.nextObservations).sample(rng: &rng)
            let soft = minimum(q(critic.target1, batch.nextStates, next), q(critic.target2, batch.nextStates, next)) - logPi * alpha.value
            return g.constant(batch.rewards, Shape(B, 1)) + g.constant(batch.discounts, Shape(B, 1)) * soft
        }
        critic.online.zeroGrad()
        let taken = g.constant(batch.actions, Shape(B, D))
        let criticLoss = 0.5 * ((q(critic.q1, batch.states, taken) - y).square().mean() + (q(critic.q2, batch.states, taken) - y).square().mean())
        g.backward(criticLoss)
        critic.optimizer.step()

        // The multi-agent learners draw the other agents' actions here; with one agent they are unused.
        for _ in 0..<(B * D) { _ = rng.normal() }

        // Actor: mean(α log π(ã) − min Q(s, ã)), ã reparameterised; the critic is not stepped.
        g.reset()
        actorOptimizer.zeroGrad()
        critic.setTrainable(false)
        let (action, logPi) = policy(batch.observations).sample(rng: &rng)
        let actorLoss = (logPi * alpha.value - minimum(q(critic.q1, batch.states, action), q(critic.q2, batch.states, action))).mean()
        g.backward(actorLoss)
        actorOptimizer.step()
        critic.setTrainable(true)

        // Temperature toward −dim A, then Polyak targets.
        alpha.update(meanLogProbability: Double(logPi.mean().scalar))
        critic.target.polyak(from: critic.online, tau: 0.005)
    }

    func assertSame(_ a: ParameterSet, _ b: ParameterSet, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.names, b.names, file: file, line: line)
        for (p, r) in zip(a.parameters, b.parameters) {
            for k in 0..<p.count {
                XCTAssertEqual(p.value[k], r.value[k], accuracy: 1e-6 * max(1, abs(r.value[k])), "\(label) \(p.name)[\(k)]", file: file, line: line)
                if abs(p.value[k] - r.value[k]) > 1e-5 { return }
            }
        }
    }

    func testHASACWithOneAgentIsSAC() throws {
        for auto in [false, true] {
            var s = try settings()
            try s.apply([("auto_alpha", auto ? "true" : "false")], from: "test")
            let learner = HASAC(layout: layout, settings: s, seed: 7), reference = HASAC(layout: layout, settings: s, seed: 7)
            let data = batch()
            var rng = reference.core.rng
            for _ in 0..<3 {
                _ = learner.train(data, step: 0)
                sacUpdate(reference.core, data, rng: &rng, alpha: reference.temperatures[0])
                // HASAC re-samples the updated agent's action after its step: the same draws.
                for _ in 0..<(data.size * 2) { _ = rng.normal() }
            }
            assertSame(ParameterSet(learner.core.actors.parameters) + learner.core.critic.parameters,
                       ParameterSet(reference.core.actors.parameters) + reference.core.critic.parameters, "auto α \(auto)")
            XCTAssertEqual(learner.temperatures[0].value, reference.temperatures[0].value, accuracy: 1e-7)
            XCTAssertEqual(learner.jointTemperature.value, learner.temperatures[0].value, accuracy: 1e-7, "one agent: joint α = α₁")
        }
    }

    func testMASACWithOneAgentIsSAC() throws {
        for auto in [false, true] {
            var s = try settings()
            try s.apply([("auto_alpha", auto ? "true" : "false")], from: "test")
            let learner = MASAC(layout: layout, settings: s, seed: 7), reference = MASAC(layout: layout, settings: s, seed: 7)
            let data = batch()
            var rng = reference.core.rng
            for _ in 0..<3 {
                _ = learner.train(data, step: 0)
                sacUpdate(reference.core, data, rng: &rng, alpha: reference.temperature)
            }
            assertSame(ParameterSet(learner.core.actors.parameters) + learner.core.critic.parameters,
                       ParameterSet(reference.core.actors.parameters) + reference.core.critic.parameters, "auto α \(auto)")
            XCTAssertEqual(learner.temperature.value, reference.temperature.value, accuracy: 1e-7)
        }
    }
}
