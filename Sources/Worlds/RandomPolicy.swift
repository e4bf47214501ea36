import Common

/// Uniform random actions: a uniformly chosen available action per discrete agent, a uniform
/// point of [low, high] per continuous one.
public struct RandomPolicy {
    public var generator: SeededGenerator

    public init(seed: UInt64, stream: UInt64) {
        generator = SeededGenerator(seed: seed, stream: stream)
    }

    public mutating func act(_ world: LuaWorld, into action: inout JointAction) {
        let spec = world.spec
        let availableOffsets = spec.availableOffsets
        let continuousOffsets = spec.continuousOffsets
        for i in 0..<spec.agents {
            switch spec.actionSpaces[i] {
            case let .discrete(n):
                let mask = world.available.baseAddress! + availableOffsets[i]
                var count = 0
                for k in 0..<n where mask[k] != 0 { count += 1 }
                var pick = generator.nextInt(below: count)
                for k in 0..<n where mask[k] != 0 {
                    if pick == 0 { action.discrete[i] = Int32(k); break }
                    pick -= 1
                }
            case let .continuous(low, high):
                for d in 0..<low.count {
                    action.continuous[continuousOffsets[i] + d] = low[d] + (high[d] - low[d]) * generator.nextUnit()
                }
            }
        }
    }
}
