import Common
import Foundation
import Tensors

/// An entropy temperature α (docs/learners.md §0.8): fixed, or learned SAC-v2 style through log α
/// toward a target entropy H̄ with L(log α) = −log α · (mean log π + H̄), so α grows while the
/// policy's entropy is below the target. Clamps, where a method has them, apply when α is used;
/// with `clampsLogAlpha` log α itself is also kept inside them, so α cannot wind up beyond the bound.
public final class Temperature {
    public let learned: Bool
    /// H̄: the entropy the policy is steered toward (per sample of the log-probabilities it is given).
    public var targetEntropy: Double
    let logAlpha: Parameter
    let optimizer: Adam?
    let bounds: ClosedRange<Double>
    let clampsLogAlpha: Bool

    public init(_ name: String, initial: Double, learned: Bool, learningRate: Double, targetEntropy: Double,
                bounds: ClosedRange<Double> = 0...Double.infinity, clampsLogAlpha: Bool = false) {
        precondition(initial > 0, "a temperature is positive")
        self.learned = learned
        self.targetEntropy = targetEntropy
        self.bounds = bounds
        self.clampsLogAlpha = clampsLogAlpha
        logAlpha = Parameter(name: name, shape: Shape(1))
        logAlpha.value[0] = Float(Foundation.log(initial))
        optimizer = learned ? Adam(ParameterSet([logAlpha]), learningRate: Float(learningRate)) : nil
    }

    /// α = exp(log α), clamped to the method's bounds.
    public var value: Float { Float(min(max(Foundation.exp(Double(logAlpha.value[0])), bounds.lowerBound), bounds.upperBound)) }

    /// The parameter, for checkpoints.
    public var parameter: Parameter { logAlpha }

    /// One Adam step on log α given the mean log-probability of fresh policy samples
    /// (or −(mean entropy) for exact discrete entropies), toward `target` when given (a target that
    /// depends on the samples), else toward `targetEntropy`. A fixed temperature ignores it.
    public func update(meanLogProbability: Double, target: Double? = nil) {
        guard let optimizer else { return }
        logAlpha.zeroGrad()
        logAlpha.grad[0] = Float(-(meanLogProbability + (target ?? targetEntropy)))
        optimizer.step()
        if clampsLogAlpha && bounds.upperBound.isFinite {
            logAlpha.value[0] = min(logAlpha.value[0], Float(Foundation.log(bounds.upperBound)))
        }
    }

    /// The discrete SAC target entropy κ·log|A| (the fix of HARL's zero, docs/learners.md §0.8), or
    /// D · `perDimension` for D continuous dimensions (−1: SAC's −D), of one agent's action space.
    public static func defaultTarget(_ space: AgentActions, kappa: Double, perDimension: Double = -1) -> Double {
        switch space {
        case let .continuous(d): return Double(d) * perDimension
        case let .discrete(n): return kappa * Foundation.log(Double(n))
        }
    }

    /// Σ_i H̄ᵢ, the target of a joint temperature; N·H̄ exactly when all agents share one target.
    public static func jointTarget(_ targets: [Double]) -> Double {
        Set(targets).count == 1 ? targets[0] * Double(targets.count) : targets.reduce(0, +)
    }

    /// The mean of the agents' targets, for one temperature updated with the agents' mean log π;
    /// the shared target itself when all agents have one.
    public static func meanTarget(_ targets: [Double]) -> Double {
        Set(targets).count == 1 ? targets[0] : targets.reduce(0, +) / Double(targets.count)
    }
}

/// The agents' actor steps of one update, summed for a joint temperature: Σ mean log πⁱ and Σ H̄ⁱ
/// over the agents whose samples had a choice, and whether every target was the agent's fixed one.
public struct EntropyTally {
    public private(set) var logProbabilitySum: Float = 0
    public private(set) var targetSum = 0.0
    public private(set) var agents = 0
    public private(set) var ownTargets = true

    public init() {}

    public mutating func add(_ meanLogProbability: Float, target: Double, ownTarget: Bool) {
        logProbabilitySum += meanLogProbability
        targetSum += target
        agents += 1
        ownTargets = ownTargets && ownTarget
    }

    /// One step of a temperature shared by `team` agents: toward its own target when every agent took
    /// part with its fixed target (the exact form it always had), else toward the tallied sum; no step
    /// when no agent's samples had a choice.
    public func update(_ temperature: Temperature, team: Int) {
        guard agents > 0 else { return }
        temperature.update(meanLogProbability: Double(logProbabilitySum), target: agents == team && ownTargets ? nil : targetSum)
    }

    /// −(mean log π) per agent that took part, for the logs.
    public var entropyEstimate: Double { Double(-logProbabilitySum / Float(Swift.max(agents, 1))) }
}

extension Temperature: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.value("target_entropy", &targetEntropy)
        try archive.floats("log_alpha", logAlpha.value, count: 1)
        if let optimizer { try archive.part("optimizer", optimizer) }
    }
}
