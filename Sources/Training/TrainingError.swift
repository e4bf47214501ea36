/// A run that cannot go on: a bad setting for this world, an unwritable folder, a learner that
/// does not fit the world. The message says which and why.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}
