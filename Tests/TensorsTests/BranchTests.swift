import XCTest
@testable import Tensors

/// Networks on tapes of their own (`Graph.branches`) and the threads that run them (`WorkerPool`).
final class BranchTests: XCTestCase {
    /// Three networks of their own sizes on two shared inputs, one of which carries a gradient back
    /// to a parameter; the loss uses the outputs together (a minimum) and apart.
    struct Networks {
        let upstream = Check.param("upstream", Shape(37, 7), seed: 11)
        let side = Check.param("side", Shape(37, 4), seed: 12)
        let nets: [MLP]

        init() {
            var rng = RandomSource(seed: 13)
            nets = [MLP("a", sizes: [11, 13, 5, 1], layerNorm: true, rng: &rng),
                    MLP("b", sizes: [11, 9, 1], rng: &rng),
                    MLP("c", sizes: [11, 6, 3], activation: .tanh, rng: &rng)]
        }

        var parameters: [Parameter] { [upstream] + nets.flatMap(\.parameters) }

        /// The loss from the outputs, however they were computed.
        func loss(_ outputs: [Tensor]) -> Tensor {
            Tensors.minimum(outputs[0], outputs[1]).mean() + (outputs[2] * outputs[2]).mean() * 0.5 + outputs[1].mean() * 0.25
        }

        /// Every parameter's gradient after one backward pass, as bit patterns.
        func gradients(threads: Int?, pool: WorkerPool? = nil) -> [[UInt32]] {
            for p in parameters { p.grad.update(repeating: 0, count: p.count) }
            let graph = Graph(), tapes = nets.map { _ in Graph() }
            let x = graph.param(upstream).tanh(), s = graph.param(side)
            let outputs: [Tensor]
            if threads == nil {
                outputs = nets.map { $0(concat([x, s], axis: -1)) }
            } else {
                let nets = nets
                outputs = graph.branches([x, s], tapes: tapes, pool: pool) { k, inputs in nets[k](concat(inputs, axis: -1)) }
            }
            graph.backward(loss(outputs))
            return parameters.map { p in (0..<p.count).map { p.grad[$0].bitPattern } }
        }
    }

    func testBranchesGiveTheGradientsOfOneTapeBitForBitOnAnyNumberOfThreads() {
        let networks = Networks()
        let oneTape = networks.gradients(threads: nil)
        XCTAssert(oneTape[0].contains { $0 != 0 }, "the shared input's gradient reaches the parameter upstream")
        XCTAssertEqual(networks.gradients(threads: 1), oneTape, "branches on one thread")
        for threads in [2, 3] {
            let pool = WorkerPool(threads: threads)
            for _ in 0..<3 { XCTAssertEqual(networks.gradients(threads: threads, pool: pool), oneTape, "branches on \(threads) threads") }
        }
    }

    func testABranchWithoutGradientDoesNotStopTheOthersBackward() {
        // Like an online network beside its target: the later branch records no gradient.
        let networks = Networks(), nets = networks.nets
        func gradients(_ pool: WorkerPool?, branched: Bool) -> [[UInt32]] {
            for p in networks.parameters { p.grad.update(repeating: 0, count: p.count) }
            let graph = Graph(), tapes = [Graph(), Graph()]
            let x = concat([graph.param(networks.upstream).tanh(), graph.param(networks.side)], axis: -1)
            let outputs = branched
                ? graph.branches(x, tapes: tapes, pool: pool) { k, input in k == 0 ? nets[0](input) : input.graph.withoutGradients { nets[1](input) } }
                : [nets[0](x), graph.withoutGradients { nets[1](x) }]
            XCTAssertFalse(outputs[1].requiresGrad)
            graph.backward((outputs[0] * outputs[1]).mean())
            return networks.parameters.map { p in (0..<p.count).map { p.grad[$0].bitPattern } }
        }
        let oneTape = gradients(nil, branched: false)
        XCTAssert(oneTape[1].contains { $0 != 0 }, "the first network learns")
        XCTAssertEqual(gradients(nil, branched: true), oneTape)
        XCTAssertEqual(gradients(WorkerPool(threads: 2), branched: true), oneTape)
    }

    func testBranchesWithoutGradientsRecordNone() {
        let networks = Networks()
        let graph = Graph(), tapes = networks.nets.map { _ in Graph() }, nets = networks.nets
        let x = graph.param(networks.upstream)
        let outputs = graph.withoutGradients {
            graph.branches(x, tapes: tapes, pool: WorkerPool(threads: 2)) { k, input in nets[k](concat([input, input.sliced(axis: -1, 0..<4)], axis: -1)) }
        }
        XCTAssertFalse(outputs.contains { $0.requiresGrad })
        let direct = nets[2](concat([x, x.sliced(axis: -1, 0..<4)], axis: -1))
        XCTAssertEqual(outputs[2].array, direct.array)
    }

    func testAPoolRunsEveryPartOnceJobAfterJob() {
        for threads in 1...3 {
            let pool = WorkerPool(threads: threads)
            for count in [0, 1, 2, 5] {
                for _ in 0..<200 {
                    var hits = [Int](repeating: 0, count: count)
                    hits.withUnsafeMutableBufferPointer { hits in pool.run(count) { hits[$0] += 1 } }
                    XCTAssertEqual(hits, [Int](repeating: 1, count: count), "\(threads) threads, \(count) parts")
                }
            }
        }
    }

    func testAJobStartedFromAPartRunsInline() {
        let pool = WorkerPool(threads: 2)
        var hits = [Int](repeating: 0, count: 6)
        hits.withUnsafeMutableBufferPointer { hits in
            pool.run(2) { outer in pool.run(3) { inner in hits[outer * 3 + inner] += 1 } }
        }
        XCTAssertEqual(hits, [1, 1, 1, 1, 1, 1])
    }

    func testAPoolThatWaitedLongEnoughToSleepStillWakes() {
        let pool = WorkerPool(threads: 2)
        var hits = [0, 0]
        Thread.sleep(forTimeInterval: 0.05)
        hits.withUnsafeMutableBufferPointer { hits in pool.run(2) { hits[$0] += 1 } }
        XCTAssertEqual(hits, [1, 1])
    }
}
