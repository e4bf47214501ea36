import Foundation

/// The seven standard learner workloads of the PyTorch anchor (a reference script kept outside this
/// repository, which scripts/bench/nn-vs-torch runs beside these), same names and shapes, timed like it (5 warm-up steps, doubling until a batch takes > 0.2 s, best of 3 repeats).
public enum NNBenchmark {
    /// Workload names in run order.
    public static let workloadNames = ["mlp64_b32", "mlp64_b1024", "mlp256_b1000", "gru64_t50_b32",
                                       "qmix_mixer_b1600", "qmix_full_e32_t50_n3", "act_mlp64_n3"]

    /// Runs the selected workloads (all when `only` is empty), reporting (name, µs per step) for each.
    public static func run(only: Set<String> = [], seconds: Double = 1, report: (String, Double) -> Void) {
        setOpenBLASThreads(1)
        for name in workloadNames where only.isEmpty || only.contains(name) {
            let step = makeWorkload(name)!
            report(name, time(step, seconds: seconds))
        }
    }

    /// A closure performing one step of the named workload (state is set up once, seeded).
    public static func makeWorkload(_ name: String) -> (() -> Void)? {
        var rng = RandomSource(seed: 0)
        switch name {
        case "mlp64_b32": return regression(sizes: [30, 64, 64, 5], batch: 32, rng: &rng)
        case "mlp64_b1024": return regression(sizes: [30, 64, 64, 5], batch: 1024, rng: &rng)
        case "mlp256_b1000": return regression(sizes: [60, 256, 256, 1], batch: 1000, rng: &rng)
        case "gru64_t50_b32": return recurrent(rng: &rng)
        case "qmix_mixer_b1600": return mixer(rng: &rng)
        case "qmix_full_e32_t50_n3": return qmixFull(rng: &rng)
        case "act_mlp64_n3": return acting(rng: &rng)
        default: return nil
        }
    }

    /// Seconds per step, measured as torch_reference.py does.
    static func time(_ step: () -> Void, seconds: Double) -> Double {
        for _ in 0..<5 { step() }
        var n = 1
        var elapsed = 0.0
        while true {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<n { step() }
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            if elapsed > 0.2 { break }
            n *= 2
        }
        n = Swift.max(1, Int(Double(n) * seconds / elapsed))
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<n { step() }
            best = Swift.min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(n))
        }
        return best * 1e6
    }

    /// A parameter that holds fixed input data for the whole benchmark (never trained).
    static func data(_ name: String, _ shape: Shape, rng: inout RandomSource) -> Parameter {
        let p = Parameter(name: name, shape: shape)
        for i in 0..<p.count { p.value[i] = rng.normal() }
        p.requiresGrad = false
        return p
    }

    static func mse(_ prediction: Tensor, _ target: Tensor) -> Tensor { (prediction - target).square().mean() }

    static func regression(sizes: [Int], batch: Int, rng: inout RandomSource) -> () -> Void {
        let model = MLP("mlp", sizes: sizes, rng: &rng)
        let x = data("x", Shape(batch, sizes[0]), rng: &rng)
        let y = data("y", Shape(batch, sizes.last!), rng: &rng)
        let adam = Adam(ParameterSet(model.parameters))
        let g = Graph()
        return {
            g.reset()
            adam.zeroGrad()
            g.backward(mse(model(g.param(x)), g.param(y)))
            adam.step()
        }
    }

    static func recurrent(rng: inout RandomSource) -> () -> Void {
        let agent = RecurrentAgent("agent", inputs: 30, hidden: 64, actions: 5, rng: &rng)
        let adam = Adam(ParameterSet(agent.parameters))
        let xs = data("xs", Shape(50, 32, 30), rng: &rng)
        let ys = data("ys", Shape(50, 32, 5), rng: &rng)
        let g = Graph()
        return {
            g.reset()
            adam.zeroGrad()
            g.backward(mse(agent.unroll(g.param(xs)), g.param(ys)))
            adam.step()
        }
    }

    static func mixer(rng: inout RandomSource) -> () -> Void {
        let mixer = QMixer("mixer", agents: 3, stateSize: 50, rng: &rng)
        let adam = Adam(ParameterSet(mixer.parameters))
        let q = data("q", Shape(1600, 3), rng: &rng)
        let s = data("s", Shape(1600, 50), rng: &rng)
        let y = data("y", Shape(1600, 1), rng: &rng)
        let g = Graph()
        return {
            g.reset()
            adam.zeroGrad()
            g.backward(mse(mixer(g.param(q), g.param(s)), g.param(y)))
            adam.step()
        }
    }

    static func qmixFull(rng: inout RandomSource) -> () -> Void {
        let episodes = 32, steps = 50, agents = 3
        let agent = RecurrentAgent("agent", inputs: 30, actions: 5, rng: &rng)
        let targetAgent = RecurrentAgent("target_agent", inputs: 30, actions: 5, rng: &rng)
        let mixer = QMixer("mixer", agents: agents, stateSize: 50, rng: &rng)
        let targetMixer = QMixer("target_mixer", agents: agents, stateSize: 50, rng: &rng)
        let online = ParameterSet(agent.parameters + mixer.parameters)
        let target = ParameterSet(targetAgent.parameters + targetMixer.parameters)
        target.setRequiresGrad(false)
        let adam = Adam(online)
        let obs = data("obs", Shape(steps + 1, episodes * agents, 30), rng: &rng)
        let states = data("state", Shape(steps + 1, episodes, 50), rng: &rng)
        let actions = data("actions", Shape(steps, episodes * agents, 1), rng: &rng)
        for i in 0..<actions.count { actions.value[i] = Float(rng.nextInt(below: 5)) }
        let rewards = data("rewards", Shape(steps, episodes, 1), rng: &rng)
        let g = Graph()
        let rows = steps * episodes
        return {
            g.reset()
            adam.zeroGrad()
            let o = g.param(obs), st = g.param(states)
            let qs = agent.unroll(o) // [T+1, E·N, A]
            let y = g.withoutGradients { () -> Tensor in
                let tq = targetAgent.unroll(o).sliced(axis: 0, 1..<(steps + 1))
                let best = qs.sliced(axis: 0, 1..<(steps + 1)).argmax()
                let next = targetMixer(tq.gather(best).reshaped(Shape(rows, agents)),
                                       st.sliced(axis: 0, 1..<(steps + 1)).reshaped(Shape(rows, 50)))
                return g.param(rewards).reshaped(Shape(rows, 1)) + next * 0.99
            }
            let chosen = qs.sliced(axis: 0, 0..<steps).gather(g.param(actions)).reshaped(Shape(rows, agents))
            let total = mixer(chosen, st.sliced(axis: 0, 0..<steps).reshaped(Shape(rows, 50)))
            g.backward(mse(total, y))
            online.clipGradientNorm(maxNorm: 10)
            adam.step()
        }
    }

    static func acting(rng: inout RandomSource) -> () -> Void {
        let actor = MLP("actor", sizes: [30, 64, 64, 5], rng: &rng)
        let observations = data("obs", Shape(3, 30), rng: &rng)
        let g = Graph()
        var sampler = RandomSource(seed: 1)
        return {
            g.reset()
            g.withoutGradients {
                _ = MaskedCategorical(logits: actor(g.param(observations))).sample(rng: &sampler)
            }
        }
    }
}
