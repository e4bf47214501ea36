import Foundation

/// Adam with PyTorch semantics (bias-corrected moments, eps added to √v̂, optional L2 weight decay added to the gradient).
public final class Adam {
    /// The parameters updated by `step()`.
    public let parameters: ParameterSet
    /// Learning rate.
    public var learningRate: Float
    /// Decay rates of the first and second moments.
    public let beta1: Float, beta2: Float
    /// Denominator epsilon (outside the square root).
    public let eps: Float
    /// L2 penalty coefficient (PyTorch `weight_decay`).
    public let weightDecay: Float
    /// Number of steps taken.
    public internal(set) var stepCount = 0
    var firstMoments: [UnsafeMutablePointer<Float>] = []
    var secondMoments: [UnsafeMutablePointer<Float>] = []

    /// An optimiser over `parameters` with PyTorch's defaults.
    public init(_ parameters: ParameterSet, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        for p in parameters.parameters {
            let m = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(p.count, 1))
            let v = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(p.count, 1))
            m.initialize(repeating: 0, count: p.count)
            v.initialize(repeating: 0, count: p.count)
            firstMoments.append(m)
            secondMoments.append(v)
        }
    }

    deinit {
        for p in firstMoments { p.deallocate() }
        for p in secondMoments { p.deallocate() }
    }

    /// Zeroes the gradients of all parameters.
    public func zeroGrad() { parameters.zeroGrad() }

    /// One update from the accumulated gradients.
    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = Float(1 - pow(Double(beta1), t))
        let correction2Root = Float((1 - pow(Double(beta2), t)).squareRoot())
        let stepSize = learningRate / correction1
        let b1 = beta1, b2 = beta2, oneMinusB1 = 1 - beta1, oneMinusB2 = 1 - beta2, eps = self.eps, wd = weightDecay
        for (index, p) in parameters.parameters.enumerated() {
            let m = firstMoments[index], v = secondMoments[index], w = p.value, gr = p.grad
            var i = 0
            if wd == 0 {
                // Same arithmetic as the scalar loop below, 8 lanes at a time.
                while i + 8 <= p.count {
                    let gradient = load8(gr + i)
                    let mi = b1 * load8(m + i) + oneMinusB1 * gradient
                    let vi = b2 * load8(v + i) + oneMinusB2 * gradient * gradient
                    store8(mi, m + i)
                    store8(vi, v + i)
                    let root = vi.squareRoot()
                    store8(load8(w + i) - stepSize * mi / (root / correction2Root + eps), w + i)
                    i += 8
                }
            }
            while i < p.count {
                let gradient = wd == 0 ? gr[i] : gr[i] + wd * w[i]
                m[i] = b1 * m[i] + oneMinusB1 * gradient
                v[i] = b2 * v[i] + oneMinusB2 * gradient * gradient
                let denominator = v[i].squareRoot() / correction2Root + eps
                w[i] -= stepSize * m[i] / denominator
                i += 1
            }
        }
    }
}

