/// An ordered, named collection of parameters: what an optimizer updates and what a checkpoint stores.
public struct ParameterSet {
    /// The parameters in registration order.
    public private(set) var parameters: [Parameter]

    /// A set of the given parameters; names must be unique.
    public init(_ parameters: [Parameter] = []) {
        self.parameters = []
        append(contentsOf: parameters)
    }

    /// Adds parameters, checking name uniqueness.
    public mutating func append(contentsOf more: [Parameter]) {
        for p in more {
            precondition(!parameters.contains { $0.name == p.name }, "duplicate parameter name \(p.name)")
            parameters.append(p)
        }
    }

    /// Combined set.
    public static func + (a: ParameterSet, b: ParameterSet) -> ParameterSet {
        var s = a
        s.append(contentsOf: b.parameters)
        return s
    }

    /// The parameter with this name.
    public subscript(name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// Parameter names in order.
    public var names: [String] { parameters.map(\.name) }

    /// Total number of scalar parameters.
    public var scalarCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Zeroes every gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Turns gradient recording on or off (off for target networks).
    public func setRequiresGrad(_ flag: Bool) { for p in parameters { p.requiresGrad = flag } }
}
