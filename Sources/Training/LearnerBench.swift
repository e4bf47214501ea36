import Common
import Foundation
import Learners
import Tensors
import Worlds

/// `marl-sim bench learners`: each learner's update on its flagship world against that update's
/// compute floor. The replay memory is filled with random play; then updates run back to back
/// (sampling the batch included), the shapes of every matrix product of an update are recorded, and
/// each shape's own `cblas_sgemm` time is measured in the same process: the floor is the update's
/// GEMMs at those rates, everything else (elementwise work, copies, the tape) counting as overhead.
public enum LearnerBench {
    /// A learner on a bundled world, with that world's recommended settings.
    public struct Workload: Sendable {
        public var name: String
        public var file: String
        public var options: [(String, OptionValue)]
        public var learner: String
    }

    public static let workloads: [Workload] = [
        Workload(name: "hasac_hpp", file: "hpp.lua", options: [], learner: "hasac"),
        Workload(name: "masac_hpp", file: "hpp.lua", options: [], learner: "masac"),
        Workload(name: "ader_hpp", file: "hpp.lua", options: [], learner: "ader"),
        Workload(name: "qmix_spread", file: "spread.lua", options: [], learner: "qmix"),
        Workload(name: "soft_qmix_spread", file: "spread.lua", options: [], learner: "soft-qmix"),
        Workload(name: "fsv_spread", file: "spread.lua", options: [], learner: "fsv"),
        Workload(name: "hasac_smac_3m", file: "smac.lua", options: [("map", .string("3m"))], learner: "hasac"),
        Workload(name: "qmix_smac_3m", file: "smac.lua", options: [("map", .string("3m"))], learner: "qmix"),
        Workload(name: "ader_smac_3m", file: "smac.lua", options: [("map", .string("3m"))], learner: "ader"),
    ]

    /// One workload's measurement.
    public struct Result: Sendable {
        public var microsecondsPerUpdate: Double
        /// The update's cost per environment step at the learner's cadence.
        public var microsecondsPerStep: Double
        public var gemmMegaflops: Double
        /// The update's matrix products at their measured sgemm rates.
        public var floorMicroseconds: Double
        /// Threads per update (1 for a learner without the setting).
        public var threads: Int

        public var ratio: Double { microsecondsPerUpdate / floorMicroseconds }
    }

    /// A run's replay memory filled with random play until its learner updates, then updates on demand.
    final class Updates {
        let run: TrainingRun
        let memory: ReplayMemory
        let isEpisodic: Bool
        /// Steps that make one update: an episode learner updates once per store, a transition
        /// learner every 1 / updates_per_step steps.
        let stepsPerUpdate: Int
        private(set) var stepsPerEpisode = 0.0
        private var step = 0, episodes = 0

        init(run: TrainingRun) throws {
            self.run = run
            memory = ReplayMemory(learner: run.learner, layout: run.layout, settings: run.settings, seed: 1)
            if case .episodes = run.learner { isEpisodic = true } else { isEpisodic = false }
            stepsPerUpdate = isEpisodic ? 1 : Int((1 / run.settings.double("updates_per_step")).rounded(.up))
            let collector = Collector(pool: run.pool, layout: run.layout, recording: true)
            var random = SeededGenerator(seed: 1, stream: 0x3A43)
            while true {
                let outcomes = try withUnsafeMutablePointer(to: &random) { try collector.collect(.uniform(run.layout, rng: $0)) }
                let collected = outcomes.reduce(0) { $0 + $1.length }
                step += collected
                episodes += outcomes.count
                if !memory.store(collector.records, collected: collected, step: step, episodes: episodes).isEmpty { break }
            }
            stepsPerEpisode = Double(step) / Double(max(episodes, 1))
        }

        /// Runs at least `count` updates on batches sampled from the memory; returns how many ran.
        @discardableResult
        func run(_ count: Int) -> Int {
            var done = 0
            while done < count {
                step += stepsPerUpdate
                done += memory.store([], collected: stepsPerUpdate, step: step, episodes: episodes).count
            }
            return done
        }
    }

    /// Whether the learner's form for this team has a `threads` setting (parts of its update that can run side by side).
    static func hasThreads(_ learner: String, layout: EpisodeLayout) -> Bool {
        LearnerRegistry.named(learner)?.variant(for: layout)?.settings.contains { $0.name == "threads" } ?? false
    }

    /// Fills the memory with random play, then times updates for about `seconds`, with `threads`
    /// threads per update where the learner has the setting (nil: its default).
    public static func measure(_ workload: Workload, file: String, seconds: Double = 1, threads: Int? = nil) throws -> Result {
        let threaded = hasThreads(workload.learner, layout: try TrainingRun.layout(ofFile: file, options: workload.options))
        let overrides = threads.flatMap { threaded ? [("threads", String($0))] : nil } ?? []
        let run = try TrainingRun(file: file, options: workload.options, learner: workload.learner, overrides: overrides, seed: 1,
                                  folder: NSTemporaryDirectory() + "marl-sim-bench-unused")
        let updates = try Updates(run: run)
        updates.run(5)
        GEMMRecorder.shapes.removeAll(keepingCapacity: true)
        GEMMRecorder.isRecording = true
        let recorded = updates.run(4)
        GEMMRecorder.isRecording = false
        var counts: [GEMMShape: Int] = [:]
        for shape in GEMMRecorder.shapes { counts[shape, default: 0] += 1 }
        GEMMRecorder.shapes.removeAll()
        let flops = counts.reduce(0.0) { $0 + $1.key.flops * Double($1.value) } / Double(recorded)
        let floor = counts.reduce(0.0) { $0 + GEMMRecorder.microseconds(of: $1.key) * Double($1.value) } / Double(recorded)

        var timed = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            timed += updates.run(4)
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        let perUpdate = elapsed / Double(timed) * 1e6
        let settings = run.settings
        let perStep = updates.isEpisodic ? perUpdate / (Double(settings.int("envs")) * updates.stepsPerEpisode)
                                         : perUpdate * settings.double("updates_per_step")
        return Result(microsecondsPerUpdate: perUpdate, microsecondsPerStep: perStep, gemmMegaflops: flops / 1e6,
                      floorMicroseconds: floor,
                      threads: threaded ? UpdateThreads.count(settings, parts: 64) : 1)
    }
}
