/// A value annealed linearly from `start` to `finish` over `steps` environment steps, then held
/// (PyMARL's ε schedule; FSV's temperature schedule).
public struct LinearSchedule: Sendable, Equatable {
    public var start: Double
    public var finish: Double
    public var steps: Int

    public init(start: Double, finish: Double, steps: Int) {
        self.start = start
        self.finish = finish
        self.steps = steps
    }

    public func value(at step: Int) -> Double {
        guard steps > 0 else { return finish }
        let progress = min(1, Double(max(0, step)) / Double(steps))
        return start + (finish - start) * progress
    }
}
