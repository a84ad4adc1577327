import TensorCore

/// How a frozen base weight is stored: `[out, in]` as `torch.nn.Linear` (the Llama family) or `[in, out]` as
/// GPT-2's `Conv1D`.
public enum WeightLayout: String, Sendable {
    /// (out, in): y = x·Wᵀ.
    case outIn
    /// (in, out): y = x·W.
    case inOut
}

/// The trainable low-rank half of a LoRA layer as PEFT lays it out: A (r, in), B (out, r), the scale s
/// (α/r, or α/√r for rsLoRA) and an optional dropout mask (…, in) already divided by the keep probability.
public struct LowRankUpdate {
    /// (r, in)
    public let a: Variable
    /// (out, r)
    public let b: Variable
    /// Multiplies the low-rank term.
    public let scaling: Float
    /// Multiplies the input of the low-rank term only (PEFT's `lora_dropout`), or nil for none.
    public let inputMask: Tensor?

    /// An update; shapes are checked when it is applied.
    public init(a: Variable, b: Variable, scaling: Float, inputMask: Tensor? = nil) {
        self.a = a
        self.b = b
        self.scaling = scaling
        self.inputMask = inputMask
    }
}

extension Variable {
    /// A linear layer whose base weight is frozen, with an optional LoRA update fused in:
    ///
    ///     y = x·W' + b + s·((m ⊙ x)·Aᵀ)·Bᵀ        W' = Wᵀ (outIn) or W (inOut)
    ///
    /// x: (…, in), weight: (out, in) or (in, out), bias: (out) or nil, A: (r, in), B: (out, r), mask: (…, in)
    /// -> (…, out). `weight` is asked for the F32 base weight in the forward and again in the backward, so a
    /// weight held in BF16/F16 is widened only while a product needs it. The base weight gets no gradient and no
    /// weight-sized product is formed for it; the forward keeps only h = (m ⊙ x)·Aᵀ (…, r) (as hᵀ) besides the
    /// inputs. Backward with g = dL/dy: dB = s·gᵀ·h, dh = s·g·B, dA = dhᵀ·(m ⊙ x), dx = g·W'ᵀ + m ⊙ (dh·A),
    /// dbias = Σ_rows g.
    ///
    /// Without a dropout mask and with at least as many rows as input features (training batches, not decoding),
    /// the update is folded into the weight first, W_eff = W + s·B·A (out·in·r multiply-adds, independent of the
    /// batch): y = x·W_effᵀ + b and dx = g·W_eff are then one product each, instead of a full-size product with
    /// inner dimension r (and an extra pass over y or dx) next to each — those rank-r products run far below the
    /// speed of the base product and made a LoRA step slower than a full one. The result differs only by rounding.
    public static func frozenLinear(_ x: Variable, weight: @escaping () -> Tensor, layout: WeightLayout, bias: Variable?,
                                    update: LowRankUpdate?) throws -> Variable {
        var w = weight()
        guard w.rank == 2, let nIn = x.shape.last else {
            throw TensorError.shapeMismatch(op: "frozenLinear", "input \(x.shape) or weight \(w.shape) is not a matrix layer")
        }
        let nOut = layout == .outIn ? w.shape[0] : w.shape[1]
        let rows = x.value.count / nIn
        var parents = [x] + (bias.map { [$0] } ?? [])
        if let update {
            let r = update.a.shape.first ?? 0
            guard update.a.shape == [r, nIn], update.b.shape == [nOut, r], r > 0 else {
                throw TensorError.shapeMismatch(op: "frozenLinear",
                                                "lora_A \(update.a.shape) / lora_B \(update.b.shape) do not fit a \(nIn) -> \(nOut) layer")
            }
            if let mask = update.inputMask, mask.shape != x.shape {
                throw TensorError.shapeMismatch(op: "frozenLinear", "dropout mask \(mask.shape) differs from the input \(x.shape)")
            }
            parents += [update.a, update.b]
        }
        let merged = update.map { $0.inputMask == nil && rows >= nIn } ?? false
        if merged { addUpdate(update!, into: &w, layout: layout) }
        var y = layout == .outIn ? try DenseKernel.forward(x.value, weight: w, bias: bias?.value)
                                 : try LinearKernel.forward(x.value, weight: w, bias: bias?.value)
        // The rank-r intermediates are kept transposed, hᵀ = A·(m ⊙ x)ᵀ (r, rows) and tᵀ = s·Bᵀ·gᵀ (r, rows), so
        // every rank-r product has M = r: our GEMM splits and packs along the long side, and with r as N (the
        // natural (rows, r) layout) those products ran at a tenth of the speed of the same work with r as M.
        var saved: (xd: Tensor, hT: Tensor)?
        if let update {
            let r = update.a.shape[0]
            let xd = update.inputMask.map { product(x.value, $0) } ?? x.value
            var hT = Tensor(uninitializedShape: [r, rows])
            update.a.value.withUnsafeBufferPointer { pa in xd.withUnsafeBufferPointer { px in hT.withUnsafeMutableBufferPointer { ph in
                BLAS.gemm(pa.baseAddress!, px.baseAddress!, ph.baseAddress!, m: r, n: rows, k: nIn, transB: true)
            } } }
            if !merged {
                hT.withUnsafeBufferPointer { ph in update.b.value.withUnsafeBufferPointer { pb in y.withUnsafeMutableBufferPointer { py in
                    BLAS.gemm(ph.baseAddress!, pb.baseAddress!, py.baseAddress!, m: rows, n: nOut, k: r, transA: true, transB: true,
                              alpha: update.scaling, beta: 1)
                } } }
            }
            saved = (xd, hT)
        }
        return Variable.result(y, parents: parents) { g in
            var dhT: Tensor?
            if let update, let saved {
                let r = update.a.shape[0], s = update.scaling
                if update.b.requiresGrad {
                    // dBᵀ = s·hᵀ·g (r, out), then transposed: r·out values.
                    var dbT = Tensor(uninitializedShape: [r, nOut])
                    saved.hT.withUnsafeBufferPointer { ph in g.withUnsafeBufferPointer { pg in dbT.withUnsafeMutableBufferPointer { pd in
                        BLAS.gemm(ph.baseAddress!, pg.baseAddress!, pd.baseAddress!, m: r, n: nOut, k: rows, alpha: s)
                    } } }
                    var db = Tensor(uninitializedShape: [nOut, r])
                    dbT.withUnsafeBufferPointer { pt in db.withUnsafeMutableBufferPointer { pd in
                        for o in 0..<nOut { for k in 0..<r { pd[o * r + k] = pt[k * nOut + o] } }
                    } }
                    update.b.accumulate(db)
                }
                if update.a.requiresGrad || (x.requiresGrad && !merged) {
                    // tᵀ = s·Bᵀ·gᵀ (r, rows): dh, the gradient of h, transposed.
                    var tT = Tensor(uninitializedShape: [r, rows])
                    update.b.value.withUnsafeBufferPointer { pb in g.withUnsafeBufferPointer { pg in tT.withUnsafeMutableBufferPointer { pt in
                        BLAS.gemm(pb.baseAddress!, pg.baseAddress!, pt.baseAddress!, m: r, n: rows, k: nOut, transA: true, transB: true,
                                  alpha: s)
                    } } }
                    if update.a.requiresGrad {
                        var da = Tensor(uninitializedShape: [r, nIn])
                        tT.withUnsafeBufferPointer { pt in saved.xd.withUnsafeBufferPointer { px in da.withUnsafeMutableBufferPointer { pd in
                            BLAS.gemm(pt.baseAddress!, px.baseAddress!, pd.baseAddress!, m: r, n: nIn, k: rows)
                        } } }
                        update.a.accumulate(da)
                    }
                    dhT = tT
                }
            }
            if let bias, bias.requiresGrad {
                var db = Tensor.zeros([nOut])
                g.withUnsafeBufferPointer { pg in db.withUnsafeMutableBufferPointer { pd in
                    for row in 0..<rows { for j in 0..<nOut { pd[j] += pg[row * nOut + j] } }
                } }
                bias.accumulate(db)
            }
            guard x.requiresGrad else { return }
            // The merged weight is rebuilt rather than kept from the forward: holding it would keep an F32 copy of
            // every adapted weight alive until the backward.
            var w = weight()
            if merged { addUpdate(update!, into: &w, layout: layout) }
            var dx = Tensor(uninitializedShape: x.shape)
            g.withUnsafeBufferPointer { pg in w.withUnsafeBufferPointer { pw in dx.withUnsafeMutableBufferPointer { pd in
                BLAS.gemm(pg.baseAddress!, pw.baseAddress!, pd.baseAddress!, m: rows, n: nIn, k: nOut, transB: layout == .inOut)
            } } }
            if !merged, let update, let dhT {
                let r = update.a.shape[0]
                var back = Tensor(uninitializedShape: x.shape)
                dhT.withUnsafeBufferPointer { ph in update.a.value.withUnsafeBufferPointer { pa in back.withUnsafeMutableBufferPointer { pb in
                    BLAS.gemm(ph.baseAddress!, pa.baseAddress!, pb.baseAddress!, m: rows, n: nIn, k: r, transA: true)
                } } }
                dx.add(update.inputMask.map { product(back, $0) } ?? back)
            }
            x.accumulate(dx)
        }
    }

    /// w += s·B·A in the layout of w: (out, in) adds s·B·A, (in, out) adds s·Aᵀ·Bᵀ. A weight that is still a
    /// parameter's value is copied first (copy on write); one just widened from BF16/F16 is updated in place.
    static func addUpdate(_ update: LowRankUpdate, into w: inout Tensor, layout: WeightLayout) {
        let r = update.a.shape[0], nIn = update.a.shape[1], nOut = update.b.shape[0]
        update.b.value.withUnsafeBufferPointer { pb in update.a.value.withUnsafeBufferPointer { pa in w.withUnsafeMutableBufferPointer { pw in
            if layout == .outIn {
                BLAS.gemm(pb.baseAddress!, pa.baseAddress!, pw.baseAddress!, m: nOut, n: nIn, k: r, alpha: update.scaling, beta: 1)
            } else {
                BLAS.gemm(pa.baseAddress!, pb.baseAddress!, pw.baseAddress!, m: nIn, n: nOut, k: r, transA: true, transB: true,
                          alpha: update.scaling, beta: 1)
            }
        } } }
    }

    /// a ⊙ b for tensors of one shape.
    private static func product(_ a: Tensor, _ b: Tensor) -> Tensor {
        var out = Tensor(uninitializedShape: a.shape)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
            for i in 0..<po.count { po[i] = pa[i] * pb[i] }
        } } }
        return out
    }
}
