import Common
import Learners
import Worlds

/// A trained team acting on worlds' own buffers, outside the training loop (the C library's
/// policies, `marlsim.load_policy` in Python). Acting on the same instances in the same order as
/// `marl-sim eval` gives the same actions, so the same returns.
public final class TeamPolicy {
    public let reopened: ReopenedRun
    public var spec: WorldSpec { reopened.run.pool.spec }
    private let policies: (greedy: ActingPolicy, explore: ActingPolicy)
    private let padding: AgentPadding
    private var observations: [Float] = [], states: [Float] = [], available: [Float] = []

    /// The run folder's learner with the weights of its model.safetensors (as `marl-sim eval` loads it).
    public init(folder: String, limits: WorldLimits = WorldLimits()) throws {
        reopened = try ReopenedRun(folder: folder, limits: limits)
        let run = reopened.run
        let step = run.settings.int("steps")
        policies = (ActingPolicy.learner(run.learner, mode: .greedy, step: step),
                    ActingPolicy.learner(run.learner, mode: .explore, step: step))
        padding = AgentPadding(spec: run.pool.spec, layout: run.layout)
    }

    /// Starts new episodes in `instances` worlds: recurrent agents forget what they carried.
    public func begin(instances: Int) {
        policies.greedy.begin(max(1, instances))
    }

    /// Fills `discrete` ([instances][agents], 0-based ids; 0 for continuous agents) and `continuous`
    /// ([instances][total continuous size], in each dimension's [low, high]) from the worlds'
    /// observations, states and availability flags, laid out as `WorldBatch` keeps them.
    /// `stochastic` samples the behaviour policy instead of the greedy one.
    public func act(instances: Int, observations worldObservations: UnsafeBufferPointer<Float>,
                    states worldStates: UnsafeBufferPointer<Float>, available worldAvailable: UnsafeBufferPointer<UInt8>,
                    stochastic: Bool, discrete: UnsafeMutableBufferPointer<Int32>, continuous: UnsafeMutableBufferPointer<Double>) {
        let spec = self.spec, layout = reopened.run.layout
        let E = instances, N = layout.agents, D = layout.actionDimensions
        let perObs = spec.totalObservationSize, perAvail = spec.totalAvailableSize, S = spec.stateSize
        Self.clear(&observations, count: E * N * layout.observationSize)
        Self.clear(&available, count: E * N * layout.actions)
        Self.clear(&states, count: E * layout.stateSize)
        for k in 0..<E {
            padding.copyObservations(from: UnsafeBufferPointer(rebasing: worldObservations[(k * perObs)..<((k + 1) * perObs)]),
                                     to: &observations, at: k * N * layout.observationSize)
            if perAvail > 0 {
                padding.copyAvailable(from: UnsafeBufferPointer(rebasing: worldAvailable[(k * perAvail)..<((k + 1) * perAvail)]),
                                      to: &available, at: k * N * layout.actions)
            }
            for j in 0..<min(S, layout.stateSize) { states[k * layout.stateSize + j] = worldStates[k * S + j] }
        }
        let policy = stochastic ? policies.explore : policies.greedy
        let actions = observations.withUnsafeBufferPointer { o in
            states.withUnsafeBufferPointer { s in available.withUnsafeBufferPointer { a in policy.act(o, s, a) } }
        }
        let continuousOffsets = spec.continuousOffsets, C = spec.totalContinuousSize
        for k in 0..<E {
            for i in 0..<N {
                switch spec.actionSpaces[i] {
                case .discrete:
                    discrete[k * N + i] = actions.discrete[k * N + i]
                case let .continuous(low, high):
                    discrete[k * N + i] = 0
                    for d in 0..<low.count {
                        let a = min(max(actions.continuous[(k * N + i) * D + d], -1), 1)
                        continuous[k * C + continuousOffsets[i] + d] = AgentPadding.worldValue(a, low: low[d], high: high[d])
                    }
                }
            }
        }
    }

    /// `count` zeros in `buffer`, reusing its storage when the batch size is unchanged (every step).
    static func clear(_ buffer: inout [Float], count: Int) {
        if buffer.count == count {
            buffer.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            buffer = Array(repeating: 0, count: count)
        }
    }
}
