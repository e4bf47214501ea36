import Foundation
@testable import Training
import Tensors
import XCTest

/// In steady state an update reuses its tensor buffers: a second update of the same shapes grows no
/// arena, for every learner on every test team it trains.
final class AllocationTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testASecondIdenticalUpdateGrowsNoArena() throws {
        let worlds = ["masked_corridor.lua", "continuous_reach.lua", "hetero_corridor.lua", "hetero_reach.lua", "mixed_reach.lua"]
        let quick = [("batch_size", "8"), ("envs", "4"), ("warmup_steps", "100"), ("hidden", "16"), ("n_step", "3")]
        var checked = 0
        for world in worlds.map({ fixtures.appendingPathComponent($0).path }) {
            for entry in LearnerRegistry.all {
                guard let variant = entry.trainer(for: try TrainingRun.layout(ofFile: world)) else { continue }
                let names = Set(variant.settings.map(\.name))
                let run = try TrainingRun(file: world, options: [], learner: entry.name, overrides: quick.filter { names.contains($0.0) },
                                          seed: 1, folder: NSTemporaryDirectory() + "marl-sim-unused")
                let fresh = Graph.arenaGrowths
                let updates = try LearnerBench.Updates(run: run)
                updates.run(3)
                XCTAssertGreaterThan(Graph.arenaGrowths, fresh, "\(entry.name): the first updates fill the arenas (the counter is wired)")
                let before = Graph.arenaGrowths
                XCTAssertGreaterThanOrEqual(updates.run(1), 1)
                XCTAssertEqual(Graph.arenaGrowths - before, 0, "\(entry.name) on \((world as NSString).lastPathComponent): the update grew an arena")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 20)
    }
}
