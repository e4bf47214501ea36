import Common
import Learners
import Tensors
import XCTest

/// FSV's credit weights λ_i(s, u) over discrete one-hots and continuous action values.
final class CreditWeightsTests: XCTestCase {
    let agents = 3, stateSize = 4, heads = 2, rows = 5

    func weights(_ form: String, features: Int, seed: UInt64 = 7) -> CreditWeights {
        var rng = RandomSource(seed: seed)
        return CreditWeights(form: form, "lambda", agents: agents, actionFeatures: features, stateSize: stateSize, embed: 8, heads: heads,
                             rng: &rng)
    }

    func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomSource(seed: seed)
        return (0..<count).map { _ in rng.normal() }
    }

    func testDiscreteActionsAreTheirOneHotRowsPerAgent() {
        for form in ["attention", "fop"] {
            let credit = weights(form, features: 3), g = Graph()
            let states = g.constant(values(rows * stateSize, seed: 1), Shape(rows, stateSize))
            let chosen: [Int32] = (0..<(rows * agents)).map { Int32(($0 * 7 + $0 / 3) % 3) }
            var oneHots = [Float](repeating: 0, count: rows * agents * 3)
            for r in 0..<(rows * agents) { oneHots[r * 3 + Int(chosen[r])] = 1 }
            let fromIndices = credit(states, actions: chosen).array
            let fromFeatures = credit(states, actionFeatures: g.constant(oneHots, Shape(rows * agents, 3))).array
            XCTAssertEqual(fromIndices, fromFeatures, form)
        }
    }

    func testContinuousWeightsArePositiveJointActionDependentAndAttentionSumsToTheHeads() {
        for form in ["attention", "fop"] {
            let credit = weights(form, features: 2), g = Graph()
            let states = g.constant(values(rows * stateSize, seed: 2), Shape(rows, stateSize))
            var actions = values(rows * agents * 2, seed: 3).map { Swift.max(-1, Swift.min(1, $0)) }
            let before = credit(states, actionFeatures: g.constant(actions, Shape(rows * agents, 2))).array
            XCTAssert(before.allSatisfy { $0 > 0 }, "\(form): λ > 0")
            if form == "attention" {
                for r in 0..<rows {
                    XCTAssertEqual(before[(r * agents)..<((r + 1) * agents)].reduce(0, +), Float(heads), accuracy: 1e-5,
                                   "softmax over agents per head")
                }
            }
            // Moving only agent 2's action in row 0 changes agent 0's weight there, and no other row.
            actions[(0 * agents + 2) * 2] += 0.5
            let after = credit(states, actionFeatures: g.constant(actions, Shape(rows * agents, 2))).array
            XCTAssertGreaterThan(Swift.abs(after[0] - before[0]), 1e-6, "\(form): λ_0 depends on the others' actions")
            XCTAssertEqual(Array(after[agents...]), Array(before[agents...]), "\(form): rows are independent")
        }
    }

    func testGradientsThroughContinuousFeaturesMatchFiniteDifferences() {
        for form in ["attention", "fop"] {
            let credit = weights(form, features: 2)
            let stateValues = values(rows * stateSize, seed: 4), actionValues = values(rows * agents * 2, seed: 5)
            let cotangent = values(rows * agents, seed: 6)
            func objective(_ g: Graph) -> Tensor {
                let lambdas = credit(g.constant(stateValues, Shape(rows, stateSize)),
                                     actionFeatures: g.constant(actionValues, Shape(rows * agents, 2)))
                return (lambdas * g.constant(cotangent, Shape(rows, agents))).sum()
            }
            let g = Graph()
            for p in credit.parameters { p.zeroGrad() }
            g.backward(objective(g))
            var checked = 0
            for p in credit.parameters {
                let analytic = p.gradients
                for k in stride(from: 0, to: p.count, by: Swift.max(1, p.count / 6)) {
                    let saved = p.value[k], h: Float = 1e-2
                    p.value[k] = saved + h
                    let up = objectiveValue(credit, objective)
                    p.value[k] = saved - h
                    let down = objectiveValue(credit, objective)
                    p.value[k] = saved
                    let numeric = (up - down) / Double(2 * h)
                    XCTAssertEqual(Double(analytic[k]), numeric, accuracy: 2e-3 + 2e-2 * Swift.abs(numeric), "\(form) \(p.name)[\(k)]")
                    checked += 1
                }
            }
            XCTAssertGreaterThan(checked, 20)
        }
    }

    /// The objective evaluated on a fresh graph without recording.
    private func objectiveValue(_ credit: CreditWeights, _ objective: (Graph) -> Tensor) -> Double {
        let g = Graph()
        return Double(g.withoutGradients { objective(g) }.scalar)
    }

    func testInterleavedPerAgentBlocksRebuildTheBatchLayout() {
        let N = 3, B = 4, W = 2, g = Graph()
        let data = (0..<(B * N * W)).map(Float.init)
        let blocks = (0..<N).map { AgentColumns.of(data, agent: $0, agents: N, width: W, graph: g) }
        XCTAssertEqual(AgentColumns.interleaved(blocks).array, data)
        XCTAssertEqual(AgentColumns.interleaved(blocks).shape, Shape(B * N, W))
    }
}
