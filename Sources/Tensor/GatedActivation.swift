import CKernels

/// The activation of a gated feed-forward layer: SwiGLU (Llama, Qwen, Mistral) or GeGLU with the tanh GELU
/// (Gemma's `gelu_pytorch_tanh`).
public enum GateActivation: String, Sendable, CaseIterable {
    /// silu(gate) · up.
    case silu
    /// gelu_tanh(gate) · up.
    case geluTanh
}

/// out = act(gate) ⊙ up in one pass, and its backward in one pass, so the MLP stores no act(gate) temporary and
/// reads each input once per direction.
public enum GatedActivationKernel {
    /// gate: (…), up: same shape -> (…).
    public static func forward(gate: Tensor, up: Tensor, activation: GateActivation) throws -> Tensor {
        guard gate.shape == up.shape else {
            throw TensorError.shapeMismatch(op: "gated activation", "gate \(gate.shape) and up \(up.shape) differ")
        }
        switch activation {
        case .silu where VectorKernels.rowKernels != nil: return runSwiGLUC(gate, up, VectorKernels.rowKernels!)
        case .silu: return run(SiLUKernel.self, gate, up)
        case .geluTanh: return run(GELUKernel.self, gate, up)
        }
    }

    /// dy: (…) -> d gate = dy ⊙ up ⊙ act′(gate), d up = dy ⊙ act(gate); all the forward's shape.
    public static func backward(_ dy: Tensor, gate: Tensor, up: Tensor, activation: GateActivation) -> (gate: Tensor, up: Tensor) {
        precondition(dy.shape == gate.shape && gate.shape == up.shape, "gated activation backward: \(dy.shape), \(gate.shape), \(up.shape)")
        switch activation {
        case .silu where VectorKernels.rowKernels != nil: return runSwiGLUBackwardC(dy, gate, up, VectorKernels.rowKernels!)
        case .silu: return runBackward(SiLUKernel.self, dy, gate, up)
        case .geluTanh: return runBackward(GELUKernel.self, dy, gate, up)
        }
    }

    /// SwiGLU forward in the C kernels (the portable SiLU is bound by its 4-wide exp), chunks over the cores.
    private static func runSwiGLUC(_ gate: Tensor, _ up: Tensor, _ kernels: VectorKernels.RowKernels) -> Tensor {
        forwardChunks(gate, up, cost: 3) { g, u, o, range in
            let lo = range.lowerBound
            if kernels == .avx512 { ck_swiglu_forward_avx512(g + lo, u + lo, o + lo, range.count) } else { ck_swiglu_forward_avx2(g + lo, u + lo, o + lo, range.count) }
        }
    }

    /// SwiGLU backward in the C kernels.
    private static func runSwiGLUBackwardC(_ dy: Tensor, _ gate: Tensor, _ up: Tensor, _ kernels: VectorKernels.RowKernels) -> (gate: Tensor, up: Tensor) {
        backwardChunks(dy, gate, up, cost: 5) { d, g, u, pg, pu, r in
            let lo = r.lowerBound
            if kernels == .avx512 {
                ck_swiglu_backward_avx512(d + lo, g + lo, u + lo, pg + lo, pu + lo, r.count)
            } else {
                ck_swiglu_backward_avx2(d + lo, g + lo, u + lo, pg + lo, pu + lo, r.count)
            }
        }
    }

    private static func run<K: ElementwiseKernel>(_: K.Type, _ gate: Tensor, _ up: Tensor) -> Tensor {
        forwardChunks(gate, up, cost: 16) { g, u, o, range in
            for i in range { o[i] = K.forward(g[i]) * u[i] }
        }
    }

    private static func runBackward<K: ElementwiseKernel>(_: K.Type, _ dy: Tensor, _ gate: Tensor, _ up: Tensor) -> (gate: Tensor, up: Tensor) {
        backwardChunks(dy, gate, up, cost: 24) { d, g, u, pg, pu, range in
            for i in range {
                pg[i] = K.backward(g[i], d[i] * u[i])
                pu[i] = K.forward(g[i]) * d[i]
            }
        }
    }

    /// A fresh output of gate's shape, `body(gate, up, out, range)` run on chunks of the flat index range over the cores.
    private static func forwardChunks(_ gate: Tensor, _ up: Tensor, cost: Int,
                                      _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>) -> Void) -> Tensor {
        var y = Tensor(uninitializedShape: gate.shape)
        gate.withUnsafeBufferPointer { gb in up.withUnsafeBufferPointer { ub in y.withUnsafeMutableBufferPointer { yb in
            let g = gb.baseAddress!, u = ub.baseAddress!, o = yb.baseAddress!
            Parallel.forRows(gb.count, costPerRow: cost) { range in body(g, u, o, range) }
        } } }
        return y
    }

    /// Fresh d gate and d up, `body(dy, gate, up, dgate, dup, range)` run on chunks of the flat index range.
    private static func backwardChunks(_ dy: Tensor, _ gate: Tensor, _ up: Tensor, cost: Int,
                                       _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                                                UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>) -> Void) -> (gate: Tensor, up: Tensor) {
        var dg = Tensor(uninitializedShape: gate.shape), du = Tensor(uninitializedShape: gate.shape)
        dy.withUnsafeBufferPointer { yb in gate.withUnsafeBufferPointer { gb in up.withUnsafeBufferPointer { ub in
            dg.withUnsafeMutableBufferPointer { dgb in du.withUnsafeMutableBufferPointer { dub in
                let d = yb.baseAddress!, g = gb.baseAddress!, u = ub.baseAddress!
                let pg = dgb.baseAddress!, pu = dub.baseAddress!
                Parallel.forRows(yb.count, costPerRow: cost) { range in body(d, g, u, pg, pu, range) }
            } }
        } } }
        return (dg, du)
    }
}
