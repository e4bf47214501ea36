import Foundation

/// The QMIX mixing step for a batch, fused into one op (the two `bmm`s, abs, ELU and biases of §0.9):
/// Q_tot = ELU(q·|W1| + b1) · |W2| + b2, with q [B, N], w1 [B, N·E], b1 [B, E], w2 [B, E], b2 [B, 1] → [B, 1].
public func qmixMix(q: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor {
    let agents = q.shape.last
    let batch = q.count / Swift.max(agents, 1)
    let embed = b1.count / Swift.max(batch, 1)
    precondition(w1.count == batch * agents * embed && b1.count == batch * embed && w2.count == batch * embed && b2.count == batch,
                 "qmixMix: inconsistent shapes q \(q.shape) w1 \(w1.shape) b1 \(b1.shape) w2 \(w2.shape) b2 \(b2.shape)")
    let g = q.graph
    let needsGrad = q.requiresGrad || w1.requiresGrad || b1.requiresGrad || w2.requiresGrad || b2.requiresGrad
    let out = g.add(Shape(batch, 1), .qmixMix(q: q.id, w1: w1.id, b1: b1.id, w2: w2.id, b2: b2.id), needsGrad: needsGrad)
    let z = g.values.allocate(batch * embed) // pre-activations, kept for the backward pass
    g.nodes[Int(out.id)].aux = z
    let qp = q.storage, w1p = w1.storage, b1p = b1.storage, w2p = w2.storage, b2p = b2.storage, y = out.storage
    if embed % 8 == 0 {
        qmixForward8(batch: batch, agents: agents, embed: embed, q: qp, w1: w1p, b1: b1p, w2: w2p, b2: b2p, z: z, out: y)
        return out
    }
    for b in 0..<batch {
        let zb = z + b * embed, qb = qp + b * agents, w1b = w1p + b * agents * embed, w2b = w2p + b * embed
        (zb).update(from: b1p + b * embed, count: embed)
        for i in 0..<agents {
            let qi = qb[i], row = w1b + i * embed
            for k in 0..<embed { zb[k] += qi * Swift.abs(row[k]) }
        }
        var total = b2p[b]
        for k in 0..<embed {
            let v = zb[k]
            total += (v > 0 ? v : fastExp(v) - 1) * Swift.abs(w2b[k])
        }
        y[b] = total
    }
    return out
}

extension Graph {
    func qmixBackward(_ qId: Int32, _ w1Id: Int32, _ b1Id: Int32, _ w2Id: Int32, _ b2Id: Int32, _ node: Node, _ g: UnsafeMutablePointer<Float>) {
        let batch = node.shape.count
        let agents = shape(qId).count / Swift.max(batch, 1)
        let embed = shape(b1Id).count / Swift.max(batch, 1)
        let z = node.aux!
        let qp = value(qId), w1p = value(w1Id), w2p = value(w2Id)
        let dq: UnsafeMutablePointer<Float>? = needs(qId) ? gradient(of: qId) : nil
        let dw1: UnsafeMutablePointer<Float>? = needs(w1Id) ? gradient(of: w1Id) : nil
        let db1: UnsafeMutablePointer<Float>? = needs(b1Id) ? gradient(of: b1Id) : nil
        let dw2: UnsafeMutablePointer<Float>? = needs(w2Id) ? gradient(of: w2Id) : nil
        let db2: UnsafeMutablePointer<Float>? = needs(b2Id) ? gradient(of: b2Id) : nil
        if embed % 8 == 0 {
            qmixBackward8(batch: batch, agents: agents, embed: embed, g: g, z: z, q: qp, w1: w1p, w2: w2p,
                          dq: dq, dw1: dw1, db1: db1, dw2: dw2, db2: db2)
            return
        }
        let dz = grads.allocate(embed)
        for b in 0..<batch {
            let go = g[b]
            db2?[b] += go
            let zb = z + b * embed, w2b = w2p + b * embed
            for k in 0..<embed {
                let v = zb[k], w = w2b[k]
                let e = v > 0 ? 1 : fastExp(v)
                if let dw2 {
                    let hidden = v > 0 ? v : e - 1
                    dw2[b * embed + k] += go * hidden * (w > 0 ? 1 : (w < 0 ? -1 : 0))
                }
                dz[k] = go * Swift.abs(w) * e
            }
            if let db1 { for k in 0..<embed { db1[b * embed + k] += dz[k] } }
            let qb = qp + b * agents, w1b = w1p + b * agents * embed
            for i in 0..<agents {
                let row = w1b + i * embed
                var s: Float = 0
                for k in 0..<embed { s += dz[k] * Swift.abs(row[k]) }
                dq?[b * agents + i] += s
                if let dw1 {
                    let qi = qb[i], drow = dw1 + (b * agents + i) * embed
                    for k in 0..<embed {
                        let w = row[k]
                        drow[k] += dz[k] * qi * (w > 0 ? 1 : (w < 0 ? -1 : 0))
                    }
                }
            }
        }
    }
}

/// The mixing forward pass 8 embedding lanes at a time (E a multiple of 8).
private func qmixForward8(batch: Int, agents: Int, embed: Int, q: UnsafeMutablePointer<Float>, w1: UnsafeMutablePointer<Float>,
                          b1: UnsafeMutablePointer<Float>, w2: UnsafeMutablePointer<Float>, b2: UnsafeMutablePointer<Float>,
                          z: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
    let zero = SIMD8<Float>(repeating: 0)
    for b in 0..<batch {
        var total = zero
        var k = 0
        while k < embed {
            var acc = load8(b1 + b * embed + k)
            for i in 0..<agents { acc = acc + q[b * agents + i] * abs8(load8(w1 + (b * agents + i) * embed + k)) }
            store8(acc, z + b * embed + k)
            let hidden = acc.replacing(with: exp8(acc) - 1, where: acc .<= zero)
            total = total + hidden * abs8(load8(w2 + b * embed + k))
            k += 8
        }
        out[b] = b2[b] + horizontalSum(total)
    }
}

/// The mixing backward pass 8 embedding lanes at a time (E a multiple of 8).
private func qmixBackward8(batch: Int, agents: Int, embed: Int, g: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>,
                           q: UnsafeMutablePointer<Float>, w1: UnsafeMutablePointer<Float>, w2: UnsafeMutablePointer<Float>,
                           dq: UnsafeMutablePointer<Float>?, dw1: UnsafeMutablePointer<Float>?, db1: UnsafeMutablePointer<Float>?,
                           dw2: UnsafeMutablePointer<Float>?, db2: UnsafeMutablePointer<Float>?) {
    let zero = SIMD8<Float>(repeating: 0), one = SIMD8<Float>(repeating: 1)
    for b in 0..<batch {
        let go = g[b]
        if let db2 { db2[b] += go }
        var k = 0
        var dqAcc = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        while k < embed {
            let zk = load8(z + b * embed + k)
            let e = exp8(zk)
            let slope = one.replacing(with: e, where: zk .<= zero)
            let w2k = load8(w2 + b * embed + k)
            if let dw2 {
                let hidden = zk.replacing(with: e - 1, where: zk .<= zero)
                let p = dw2 + b * embed + k
                store8(load8(p) + timesSign8(go * hidden, w2k), p)
            }
            let dz = go * abs8(w2k) * slope
            if let db1 { let p = db1 + b * embed + k; store8(load8(p) + dz, p) }
            for i in 0..<agents {
                let row = w1 + (b * agents + i) * embed + k
                let w = load8(row)
                if dq != nil {
                    let c = dz * abs8(w)
                    switch i {
                    case 0: dqAcc.0 += c
                    case 1: dqAcc.1 += c
                    case 2: dqAcc.2 += c
                    case 3: dqAcc.3 += c
                    default: dq![b * agents + i] += horizontalSum(c)
                    }
                }
                if let dw1 {
                    let p = dw1 + (b * agents + i) * embed + k
                    store8(load8(p) + timesSign8(dz * q[b * agents + i], w), p)
                }
            }
            k += 8
        }
        if let dq {
            if agents > 0 { dq[b * agents] += horizontalSum(dqAcc.0) }
            if agents > 1 { dq[b * agents + 1] += horizontalSum(dqAcc.1) }
            if agents > 2 { dq[b * agents + 2] += horizontalSum(dqAcc.2) }
            if agents > 3 { dq[b * agents + 3] += horizontalSum(dqAcc.3) }
        }
    }
}
