import Tensors

/// Per-agent views of row-major [B][N][stride] data as graph constants: agent i's block is the
/// first `width` values of its row (a heterogeneous agent's own columns; the rest is padding).
public enum AgentColumns {
    /// Agent i's [B, width] block of `data` laid out [B][N][stride].
    public static func of(_ data: UnsafeBufferPointer<Float>, agent i: Int, agents N: Int, stride: Int, width W: Int, graph: Graph) -> Tensor {
        graph.constant(Shape(data.count / Swift.max(N * stride, 1), W)) { copy(data, agent: i, agents: N, stride: stride, width: W, into: $0) }
    }

    /// Agent i's [B, W] block of an array laid out [B][N][W].
    public static func of(_ data: [Float], agent i: Int, agents N: Int, width W: Int, graph: Graph) -> Tensor {
        data.withUnsafeBufferPointer { of($0, agent: i, agents: N, stride: W, width: W, graph: graph) }
    }

    /// Same, from an array laid out [B][N][stride].
    public static func of(_ data: [Float], agent i: Int, agents N: Int, stride: Int, width W: Int, graph: Graph) -> Tensor {
        data.withUnsafeBufferPointer { of($0, agent: i, agents: N, stride: stride, width: W, graph: graph) }
    }

    /// Agent i's own observations [B, Oᵢ] from rows [B][N][observationSize].
    public static func observations(_ data: UnsafeBufferPointer<Float>, agent i: Int, layout: EpisodeLayout, graph: Graph) -> Tensor {
        of(data, agent: i, agents: layout.agents, stride: layout.observationSize, width: layout.observationSizes[i], graph: graph)
    }

    /// Same, from an array.
    public static func observations(_ data: [Float], agent i: Int, layout: EpisodeLayout, graph: Graph) -> Tensor {
        data.withUnsafeBufferPointer { observations($0, agent: i, layout: layout, graph: graph) }
    }

    /// Agent i's own action columns [B, Wᵢ] (its one-hot or its values) from rows [B][N][actionWidth].
    public static func actions(_ data: [Float], agent i: Int, layout: EpisodeLayout, graph: Graph) -> Tensor {
        of(data, agent: i, agents: layout.agents, stride: layout.actionWidth, width: layout.actionWidth(of: i), graph: graph)
    }

    /// Columns [B, W] widened with zeros to [B, width] (a common input for agents of different widths).
    public static func padded(_ x: Tensor, to width: Int) -> Tensor {
        x.shape[1] == width ? x : concat([x, x.graph.zeros(Shape(x.shape[0], width - x.shape[1]))], axis: -1)
    }

    /// Agent i's block as plain values [B][width] of data laid out [B][N][stride].
    public static func values(_ data: [Float], agent i: Int, agents N: Int, stride: Int, width W: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: data.count / Swift.max(N * stride, 1) * W) { out, count in
            data.withUnsafeBufferPointer { copy($0, agent: i, agents: N, stride: stride, width: W, into: out) }
            count = out.count
        }
    }

    /// [B][N][actionWidth] actions as [B, Σ_i Wᵢ]: each agent's own one-hot or values side by side,
    /// the joint action a centralized critic reads (the data itself when no agent row is padded).
    public static func jointActions(_ data: [Float], layout: EpisodeLayout, graph: Graph) -> Tensor {
        let N = layout.agents, W = layout.actionWidth, B = data.count / Swift.max(N * W, 1)
        if layout.jointActionWidth == N * W { return graph.constant(data, Shape(B, N * W)) }
        let widths = layout.actionSpaces.map(\.count), total = layout.jointActionWidth
        return graph.constant(Shape(B, total)) { out in
            for b in 0..<B {
                var column = 0
                for i in 0..<N {
                    for k in 0..<widths[i] { out[b * total + column + k] = data[(b * N + i) * W + k] }
                    column += widths[i]
                }
            }
        }
    }

    private static func copy(_ data: UnsafeBufferPointer<Float>, agent i: Int, agents N: Int, stride: Int, width W: Int,
                             into out: UnsafeMutableBufferPointer<Float>) {
        let B = data.count / Swift.max(N * stride, 1)
        for b in 0..<B { for k in 0..<W { out[b * W + k] = data[(b * N + i) * stride + k] } }
    }
}
