import Common
import Foundation
import Tensors

/// ADER's per-agent temperatures αᵢ and the split of the entropy budget H₀ into targets Hᵢ = β^EMA_i·H₀
/// (§5.4), shared by the continuous and discrete forms. SER-MARL keeps the split fixed: H₀/N each,
/// or the given `target_entropies` (SER-DCE, whose sum is then H₀).
final class EntropyBudget {
    let temperatures: [Temperature]
    /// β^EMA; a parameter so that checkpoints keep it (never trained by gradients).
    let shares: Parameter
    let total: Double
    let xi: Double, newWeightIsXi: Bool, metricScale: Double

    init(agents N: Int, total defaultTotal: Double, settings: Settings, adaptive: Bool) {
        var split = [Double](repeating: 1 / Double(N), count: N)                  // β^EMA starts uniform (§5.4 item 5)
        var total = defaultTotal
        let fixed = adaptive ? [] : ADER.parseTargets(settings.string("target_entropies"), agents: N)
        if !fixed.isEmpty {
            total = fixed.reduce(0, +)
            split = fixed.map { $0 / total }
        }
        self.total = total
        shares = Parameter(name: "target_entropy_shares", shape: Shape(N), values: split.map(Float.init))
        shares.requiresGrad = false
        temperatures = (0..<N).map {
            Temperature("log_alpha.\($0)", initial: settings.double("alpha"), learned: settings.bool("auto_alpha"),
                        learningRate: settings.double("alpha_lr"), targetEntropy: split[$0] * total, bounds: 1e-4...settings.double("alpha_max"))
        }
        xi = adaptive ? settings.double("ema_xi") : 0
        newWeightIsXi = adaptive && settings.string("ader_ema_new_weight") == "xi"
        metricScale = adaptive ? settings.double("metric_scale") : 1
    }

    var parameters: ParameterSet { ParameterSet(temperatures.map(\.parameter) + [shares]) }
    var targetEntropies: [Double] { temperatures.map(\.targetEntropy) }
    /// Per-agent targets and temperatures for metrics.csv.
    var logged: [(String, Double)] {
        temperatures.enumerated().map { ("target_entropy_\($0.offset + 1)", $0.element.targetEntropy) }
            + temperatures.enumerated().map { ("alpha_\($0.offset + 1)", Double($0.element.value)) }
    }

    /// Eq. B.7, paper metric.
    func paperShares(meanContributions g: [Double]) -> [Double] {
        ADERTargetEntropy.paperShares(meanContributions: g, scale: metricScale, totalEntropy: total)
    }

    /// Eq. B.7, code metric.
    func codeShares(perSample x: [[Double]]) -> [Double] {
        ADERTargetEntropy.codeShares(perSample: x, scale: metricScale, totalEntropy: total)
    }

    /// Eq. B.8: β^EMA moves toward β and every Hᵢ follows.
    func update(toward beta: [Double]) {
        let smoothed = ADERTargetEntropy.smoothed(shares.values.map(Double.init), toward: beta, xi: xi, newWeightIsXi: newWeightIsXi)
        shares.values = smoothed.map(Float.init)
        for (i, temperature) in temperatures.enumerated() { temperature.targetEntropy = smoothed[i] * total }
    }
}

extension EntropyBudget: Checkpointable {
    func exchangeState(with archive: StateArchive) throws {
        try archive.parts("temperature", temperatures)
        try archive.floats("shares", shares.value, count: shares.count)
    }
}
