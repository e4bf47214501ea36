import Foundation

/// Marl-sim's side of `scripts/crosscheck/torch-parity` (run as `marl-sim crosscheck torch-parity <dir>`; not listed
/// in the CLI help). The Python side writes `<dir>/weights.safetensors` (PyTorch module names) and
/// `<dir>/inputs.safetensors`; this computes forward values and gradients of L = Σ output ⊙ cotangent for
///   • an MLP 30-64-64-5 ("mlp.*"; inputs mlp.x [B, 30], mlp.cot [B, 5]),
///   • a GRU cell 16→32 unrolled over all steps of gru.xs [T, B, 16] from gru.h0 [B, 32] ("gru.*"; cotangent on the stacked states),
///   • the QMIX mixer (3 agents, state 50; "mixer.*"; inputs mixer.q, mixer.s, mixer.cot) and its analytic Jacobian,
/// then takes three Adam(lr 1e-2) steps on the MLP loss and three RMSprop(lr 5e-4, α 0.99, eps 1e-5) steps on the mixer loss,
/// and writes `<dir>/outputs.safetensors` ("<net>.out", "<net>.grad.<input>", "grad.<parameter name>", "mixer.jacobian",
/// "stepped.<parameter name>")
/// plus `<dir>/checkpoint.safetensors` (the MLP's parameters saved by marl-sim, for the Python `safetensors` loader).
public enum TorchParity {
    /// Runs the computation described above.
    public static func run(directory: URL) throws {
        var rng = RandomSource(seed: 0)
        let mlp = MLP("mlp", sizes: [30, 64, 64, 5], rng: &rng)
        let gru = GRUCell("gru", inputs: 16, hidden: 32, rng: &rng)
        let mixer = QMixer("mixer", agents: 3, stateSize: 50, rng: &rng)
        let all = ParameterSet(mlp.parameters + gru.parameters + mixer.parameters)
        try Safetensors.load(all, from: directory.appendingPathComponent("weights.safetensors"))
        let inputs = Dictionary(try Safetensors.read(directory.appendingPathComponent("inputs.safetensors")).map { ($0.name, $0) },
                                uniquingKeysWith: { a, _ in a })
        func input(_ name: String) throws -> NamedTensor {
            guard let t = inputs[name] else { throw SafetensorsError.missingTensor(name) }
            return t
        }
        var outputs: [NamedTensor] = []
        func record(_ name: String, _ t: Tensor) { outputs.append(NamedTensor(name: name, shape: t.shape.dims, values: t.array)) }
        func recordGradient(_ name: String, _ t: Tensor) {
            outputs.append(NamedTensor(name: name, shape: t.shape.dims, values: t.gradient ?? [Float](repeating: 0, count: t.count)))
        }
        all.zeroGrad()

        let g = Graph()
        func variable(_ name: String) throws -> Tensor {
            let t = try input(name)
            return g.variable(t.values, Shape(t.shape))
        }
        func constant(_ name: String) throws -> Tensor {
            let t = try input(name)
            return g.constant(t.values, Shape(t.shape))
        }

        let x = try variable("mlp.x")
        let mlpOut = mlp(x)
        g.backward((mlpOut * (try constant("mlp.cot"))).sum())
        record("mlp.out", mlpOut)
        recordGradient("mlp.grad.x", x)

        let xs = try variable("gru.xs"), h0 = try variable("gru.h0")
        let states = gru.unroll(xs, from: h0)
        g.backward((states * (try constant("gru.cot"))).sum())
        record("gru.out", states)
        recordGradient("gru.grad.xs", xs)
        recordGradient("gru.grad.h0", h0)

        let q = try variable("mixer.q"), s = try variable("mixer.s")
        let total = mixer(q, s)
        g.backward((total * (try constant("mixer.cot"))).sum())
        record("mixer.out", total)
        recordGradient("mixer.grad.q", q)
        recordGradient("mixer.grad.s", s)
        record("mixer.jacobian", mixer.jacobian(q, s))

        for p in all.parameters { outputs.append(NamedTensor(name: "grad." + p.name, shape: p.shape.dims, values: p.gradients)) }

        // Optimiser semantics: three Adam steps on the MLP loss and three RMSprop steps on the mixer loss.
        let mlpSet = ParameterSet(mlp.parameters), mixerSet = ParameterSet(mixer.parameters)
        let adam = Adam(mlpSet, learningRate: 1e-2)
        let rmsprop = RMSprop(mixerSet, learningRate: 5e-4, alpha: 0.99, eps: 1e-5) // PyMARL's setting
        for _ in 0..<3 {
            g.reset()
            adam.zeroGrad()
            g.backward((mlp(try constant("mlp.x")) * (try constant("mlp.cot"))).sum())
            adam.step()
            rmsprop.zeroGrad()
            g.backward((mixer(try constant("mixer.q"), try constant("mixer.s")) * (try constant("mixer.cot"))).sum())
            rmsprop.step()
        }
        for p in mlpSet.parameters + mixerSet.parameters {
            outputs.append(NamedTensor(name: "stepped." + p.name, shape: p.shape.dims, values: p.values))
        }
        try Safetensors.write(outputs, to: directory.appendingPathComponent("outputs.safetensors"))
        try Safetensors.save(mlpSet, to: directory.appendingPathComponent("checkpoint.safetensors"),
                             metadata: ["written_by": "marl-sim"])
    }
}
