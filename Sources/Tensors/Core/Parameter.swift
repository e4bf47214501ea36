/// A trainable tensor that lives across steps: value and gradient storage owned permanently.
public final class Parameter {
    /// Name used in checkpoints (e.g. "agent.fc1.weight").
    public let name: String
    /// Shape of the value.
    public let shape: Shape
    /// Number of elements.
    public let count: Int
    /// The values.
    public let value: UnsafeMutablePointer<Float>
    /// The accumulated gradient (zero it with `zeroGrad()` before each backward pass).
    public let grad: UnsafeMutablePointer<Float>
    /// Whether graphs record gradients for this parameter (false for target networks).
    public var requiresGrad = true

    /// Scalars of every parameter made so far in this process (a learner's size, counted by building it).
    nonisolated(unsafe) public private(set) static var scalarsMade = 0

    /// A zero-initialised parameter.
    public init(name: String, shape: Shape) {
        self.name = name
        self.shape = shape
        self.count = shape.count
        Self.scalarsMade &+= count
        value = .allocate(capacity: Swift.max(count, 1))
        grad = .allocate(capacity: Swift.max(count, 1))
        value.initialize(repeating: 0, count: count)
        grad.initialize(repeating: 0, count: count)
    }

    /// A parameter with the given values.
    public convenience init(name: String, shape: Shape, values: [Float]) {
        self.init(name: name, shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        self.values = values
    }

    deinit {
        value.deallocate()
        grad.deallocate()
    }

    /// The values as an array (copy in / copy out).
    public var values: [Float] {
        get { Array(UnsafeBufferPointer(start: value, count: count)) }
        set {
            precondition(newValue.count == count, "\(newValue.count) values for \(name) \(shape)")
            newValue.withUnsafeBufferPointer { value.update(from: $0.baseAddress!, count: count) }
        }
    }

    /// The gradient as an array.
    public var gradients: [Float] { Array(UnsafeBufferPointer(start: grad, count: count)) }

    /// Sets the gradient to zero.
    @inline(__always) public func zeroGrad() { grad.update(repeating: 0, count: count) }
}
