import XCTest
import Tensors

/// The learner-facing API exercised end to end the way a QMIX learner would use it (public API only).
final class ExampleTrainingStepTests: XCTestCase {
    func testQMIXStyleTrainingStepReducesLoss() throws {
        let (steps, episodes, agents, actionsCount) = (6, 4, 3, 5)
        var rng = RandomSource(seed: 1)
        let agent = RecurrentAgent("agent", inputs: 10, hidden: 16, actions: actionsCount, rng: &rng)
        let mixer = QMixer("mixer", agents: agents, stateSize: 8, embed: 8, hypernetHidden: 16, rng: &rng)
        let targetAgent = RecurrentAgent("target_agent", inputs: 10, hidden: 16, actions: actionsCount, rng: &rng)
        let targetMixer = QMixer("target_mixer", agents: agents, stateSize: 8, embed: 8, hypernetHidden: 16, rng: &rng)
        let online = ParameterSet(agent.parameters + mixer.parameters)
        let target = ParameterSet(targetAgent.parameters + targetMixer.parameters)
        target.copy(from: online)
        target.setRequiresGrad(false)
        let optimizer = RMSprop(online, learningRate: 5e-4, alpha: 0.99, eps: 1e-5)

        let observations = (0..<((steps + 1) * episodes * agents * 10)).map { _ in rng.normal() }
        let states = (0..<((steps + 1) * episodes * 8)).map { _ in rng.normal() }
        let actions = (0..<(steps * episodes * agents)).map { _ in rng.nextInt(below: actionsCount) }
        let rewards = (0..<(steps * episodes)).map { _ in rng.normal() }
        let rows = steps * episodes

        let g = Graph()
        var losses: [Float] = []
        for _ in 0..<30 {
            g.reset()
            optimizer.zeroGrad()
            let obs = g.constant(observations, Shape(steps + 1, episodes * agents, 10))
            let state = g.constant(states, Shape(steps + 1, episodes, 8))
            let qs = agent.unroll(obs)                                              // [T+1, E·N, A]
            let chosen = qs.sliced(axis: 0, 0..<steps)
                .gather(g.indices(actions, Shape(steps, episodes * agents, 1))).reshaped(Shape(rows, agents))
            let y = g.withoutGradients { () -> Tensor in                           // double-Q target, no gradient
                let best = qs.sliced(axis: 0, 1..<(steps + 1)).argmax()
                let next = targetAgent.unroll(obs).sliced(axis: 0, 1..<(steps + 1)).gather(best).reshaped(Shape(rows, agents))
                return g.constant(rewards, Shape(rows, 1)) + 0.99 * targetMixer(next, state.sliced(axis: 0, 1..<(steps + 1)).reshaped(Shape(rows, 8)))
            }
            let loss = (mixer(chosen, state.sliced(axis: 0, 0..<steps).reshaped(Shape(rows, 8))) - y).square().mean()
            g.backward(loss)
            online.clipGradientNorm(maxNorm: 10)
            optimizer.step()
            losses.append(loss.scalar)
        }
        target.polyak(from: online, tau: 0.005)
        XCTAssertLessThan(losses.last!, losses.first!)
        XCTAssertTrue(target.parameters.allSatisfy { $0.gradients.allSatisfy { $0 == 0 } })

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("example-\(ProcessInfo.processInfo.processIdentifier).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.save(online, to: url)
        XCTAssertThrowsError(try Safetensors.load(target, from: url)) // names differ ("target_agent…"): clean error
        try Safetensors.load(online, from: url)
    }
}
