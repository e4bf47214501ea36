import XCTest
@testable import Tensors

/// Helpers shared by the gradient-check tests.
enum Check {
    /// A parameter with seeded normal values (optionally pushed away from 0 to avoid kinks).
    static func param(_ name: String, _ shape: Shape, seed: UInt64, scale: Float = 1, awayFromZero: Float = 0, offset: Float = 0) -> Parameter {
        var rng = RandomSource(seed: seed)
        let p = Parameter(name: name, shape: shape)
        for i in 0..<p.count {
            var v = rng.normal() * scale
            if Swift.abs(v) < awayFromZero { v = v < 0 ? v - awayFromZero : v + awayFromZero }
            p.value[i] = v + offset
        }
        return p
    }

    /// Compares autodiff gradients of L = Σ f(g) ⊙ c (c a fixed random cotangent) with central differences,
    /// evaluating L in Double. Tolerance: |analytic − numeric| ≤ atol + rtol·|numeric|.
    static func gradients(_ params: [Parameter], h: Float = 1e-2, atol: Double = 2e-3, rtol: Double = 2e-2,
                          file: StaticString = #filePath, line: UInt = #line, _ f: (Graph) -> Tensor) {
        let g = Graph()
        for p in params { p.zeroGrad() }
        let out = f(g)
        var rng = RandomSource(seed: 99)
        let cot = (0..<out.count).map { _ in rng.normal() }
        let loss = (out * g.constant(cot, out.shape)).sum()
        g.backward(loss)
        func evaluate() -> Double {
            let g2 = Graph()
            let o = g2.withoutGradients { f(g2) }
            var s = 0.0
            for i in 0..<o.count { s += Double(o.storage[i]) * Double(cot[i]) }
            return s
        }
        var worst = 0.0
        for p in params {
            let analytic = p.gradients
            for i in 0..<p.count {
                let saved = p.value[i]
                p.value[i] = saved + h
                let up = evaluate()
                p.value[i] = saved - h
                let down = evaluate()
                p.value[i] = saved
                let hUsed = Double(saved + h) - Double(saved - h)
                let numeric = (up - down) / hUsed
                let err = Swift.abs(Double(analytic[i]) - numeric)
                worst = Swift.max(worst, err / (atol + rtol * Swift.abs(numeric)))
                if err > atol + rtol * Swift.abs(numeric) {
                    XCTFail("\(p.name)[\(i)]: autodiff \(analytic[i]) vs finite difference \(numeric)", file: file, line: line)
                    return
                }
            }
        }
    }
}
