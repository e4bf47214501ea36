import Common

/// An optimizer over a parameter set (Adam, RMSprop), so learners can take either.
public protocol Optimizer: Checkpointable {
    var parameters: ParameterSet { get }
    var learningRate: Float { get set }
    /// Clears the parameters' gradients.
    func zeroGrad()
    /// Applies one update from the accumulated gradients.
    func step()
}

extension Adam: Optimizer {}
extension RMSprop: Optimizer {}
