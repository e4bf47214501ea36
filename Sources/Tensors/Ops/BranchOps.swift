/// A group of independent networks run on shared inputs, each on a tape of its own (`Graph.branches`).
struct BranchGroup {
    let tapes: [Graph]
    let pool: WorkerPool?
    /// The shared inputs, nodes of the step's graph.
    let inputs: [Int32]
    /// The backward pass that last ran the branches' backward (a step may call `backward` more than once).
    var handledPass = 0
}

extension Graph {
    /// body(k, x) for every k in tapes.indices — independent networks on the shared input x, such as
    /// twin critics — each recorded on tapes[k] (reset here) and run side by side on `pool`. Returns
    /// their outputs as tensors of this graph. See `branches(_:tapes:pool:_:)` with several inputs.
    public func branches(_ x: Tensor, tapes: [Graph], pool: WorkerPool?, _ body: (Int, Tensor) -> Tensor) -> [Tensor] {
        branches([x], tapes: tapes, pool: pool) { k, inputs in body(k, inputs[0]) }
    }

    /// body(k, inputs) for every k in tapes.indices, each recorded on tapes[k] (reset here) and run side
    /// by side on `pool`; the inputs are this graph's tensors, read in place. Returns the outputs as
    /// tensors of this graph. Backward runs the tapes side by side again and adds their gradients with
    /// respect to each input in reverse branch order, as one tape holding the branches one after
    /// another would: a step is bit-identical whether its branches run on one thread or several.
    /// A branch may also finish its own work on its tape (a loss, `backward`, an optimizer step) and
    /// return a value that needs no gradient. `body` must record only on the tensors it is given and
    /// write nothing that another branch reads or writes.
    public func branches(_ inputs: [Tensor], tapes: [Graph], pool: WorkerPool?, _ body: (Int, [Tensor]) -> Tensor) -> [Tensor] {
        precondition(!tapes.contains { $0 === self }, "a branch needs a tape of its own")
        let recording = isRecording
        func run(_ k: Int) {
            let tape = tapes[k]
            tape.reset()
            tape.branchInputs.removeAll(keepingCapacity: true)
            let borrowed = inputs.map { x -> Tensor in
                let input = tape.add(x.shape, .variable, needsGrad: x.requiresGrad, value: x.storage)
                tape.branchInputs.append(input.id)
                return input
            }
            let output = recording ? body(k, borrowed) : tape.withoutGradients { body(k, borrowed) }
            tape.branchOutput = output.id
        }
        if let pool { pool.run(tapes.count, run) } else { for k in tapes.indices { run(k) } }
        let group = Int32(branchGroups.count)
        branchGroups.append(BranchGroup(tapes: tapes, pool: pool, inputs: inputs.map(\.id)))
        return tapes.indices.map { k in
            let tape = tapes[k], output = tape.branchOutput
            return add(tape.shape(output), .branch(group: group, index: Int32(k)), needsGrad: tape.needs(output), value: tape.value(output))
        }
    }

    /// Reached at the outputs of a group that received a gradient, in reverse order; the first one
    /// reached runs the backward of every branch with a gradient, since all the outputs' gradients are
    /// complete by then (they were recorded together, so everything that used them comes later on the tape).
    func branchBackward(_ groupIndex: Int, _ index: Int, _ id: Int32) {
        guard branchGroups[groupIndex].handledPass != backwardPass else { return }
        branchGroups[groupIndex].handledPass = backwardPass
        let group = branchGroups[groupIndex], tapes = group.tapes
        let first = Int(id) - index
        func run(_ k: Int) {
            let node = nodes[first + k]
            guard node.needsGrad, let seed = node.grad else { return }
            tapes[k].backward(from: tapes[k].branchOutput, seed: seed)
        }
        if let pool = group.pool { pool.run(tapes.count, run) } else { for k in tapes.indices { run(k) } }
        for (j, input) in group.inputs.enumerated() where needs(input) {
            let count = shape(input).count
            for k in tapes.indices.reversed() {
                let tape = tapes[k]
                guard nodes[first + k].grad != nil, let g = tape.nodes[Int(tape.branchInputs[j])].grad else { continue }
                let (dx, fresh) = gradientForWriting(of: input)
                if fresh { dx.update(from: g, count: count) } else { accumulate(dx, g, count) }
            }
        }
    }
}
