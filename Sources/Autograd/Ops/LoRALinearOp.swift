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
    /// weight-sized product is formed for it; the forward keeps only h = (m ⊙ x)·Aᵀ (…, r) besides the
    /// inputs. Backward with g = dL/dy: dB = s·gᵀ·h, dh = s·g·B, dA = dhᵀ·(m ⊙ x), dx = g·W'ᵀ + m ⊙ (dh·A),
    /// dbias = Σ_rows g.
    ///
    /// Without a dropout mask and with at least as many rows as input features (training batches, not decoding),
    /// the update is folded into the weight first, W_eff = W + s·B·A (out·in·r multiply-adds, independent of the
    /// batch): y = x·W_effᵀ + b and dx = g·W_eff are then one product each, instead of a full-size product with
    /// inner dimension r (and an extra pass over y or dx) next to each — those rank-r products run far below the
    /// speed of the base product and made a LoRA step slower than a full one. The result differs only by rounding.
    ///
    /// Every rank-r product (h, t = s·g·B, dB, dA and the fold itself) runs in `LowRankKernel`, with r as the
    /// vector lanes: as SGEMMs (M or N = r) they ran at a tenth of the base product's speed and took about as long
    /// as the weight gradients that LoRA saves.
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
        if merged { w = try foldedWeight(w, update!, layout: layout) }
        var y = layout == .outIn ? try DenseKernel.forward(x.value, weight: w, bias: bias?.value)
                                 : try LinearKernel.forward(x.value, weight: w, bias: bias?.value)
        // h = (m ⊙ x)·Aᵀ (rows, r), the one intermediate the backward needs besides the inputs.
        var saved: (xd: Tensor, h: Tensor)?
        if let update {
            let r = update.a.shape[0]
            let xd = update.inputMask.map { product(x.value, $0) } ?? x.value
            let aT = try update.a.value.transposed(0, 1)
            var h = Tensor(uninitializedShape: [rows, r])
            xd.withUnsafeBufferPointer { px in aT.withUnsafeBufferPointer { pa in h.withUnsafeMutableBufferPointer { ph in
                LowRankKernel.project(px.baseAddress!, ldIn: nIn, rows: rows, k: nIn, pa.baseAddress!, r: r, into: ph.baseAddress!)
            } } }
            if !merged {
                // y += s·h·Bᵀ
                let bT = try update.b.value.transposed(0, 1)
                h.withUnsafeBufferPointer { ph in bT.withUnsafeBufferPointer { pb in y.withUnsafeMutableBufferPointer { py in
                    LowRankKernel.expand(base: py.baseAddress!, ph.baseAddress!, pb.baseAddress!, r: r, alpha: update.scaling,
                                         into: py.baseAddress!, rows: rows, n: nOut)
                } } }
            }
            saved = (xd, h)
        }
        return Variable.result(y, parents: parents) { g in
            var dh: Tensor?
            if let update, let saved {
                let r = update.a.shape[0], s = update.scaling
                if update.b.requiresGrad {
                    // dB = s·gᵀ·h (out, r)
                    var db = Tensor(uninitializedShape: [nOut, r])
                    g.withUnsafeBufferPointer { pg in saved.h.withUnsafeBufferPointer { ph in db.withUnsafeMutableBufferPointer { pd in
                        LowRankKernel.reduce(pg.baseAddress!, ldIn: nOut, rows: rows, k: nOut, ph.baseAddress!, r: r, alpha: s,
                                             into: pd.baseAddress!)
                    } } }
                    update.b.accumulate(db)
                }
                if update.a.requiresGrad || (x.requiresGrad && !merged) {
                    // dh = s·g·B (rows, r)
                    var t = Tensor(uninitializedShape: [rows, r])
                    g.withUnsafeBufferPointer { pg in update.b.value.withUnsafeBufferPointer { pb in t.withUnsafeMutableBufferPointer { pt in
                        LowRankKernel.project(pg.baseAddress!, ldIn: nOut, rows: rows, k: nOut, pb.baseAddress!, r: r, alpha: s,
                                              into: pt.baseAddress!)
                    } } }
                    if update.a.requiresGrad {
                        // dAᵀ = (m ⊙ x)ᵀ·dh (in, r)
                        var daT = Tensor(uninitializedShape: [nIn, r])
                        saved.xd.withUnsafeBufferPointer { px in t.withUnsafeBufferPointer { pt in daT.withUnsafeMutableBufferPointer { pd in
                            LowRankKernel.reduce(px.baseAddress!, ldIn: nIn, rows: rows, k: nIn, pt.baseAddress!, r: r,
                                                 into: pd.baseAddress!)
                        } } }
                        update.a.accumulate(try! daT.transposed(0, 1))
                    }
                    dh = t
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
            if merged { w = try! foldedWeight(w, update!, layout: layout) }
            var dx = Tensor(uninitializedShape: x.shape)
            g.withUnsafeBufferPointer { pg in w.withUnsafeBufferPointer { pw in dx.withUnsafeMutableBufferPointer { pd in
                BLAS.gemm(pg.baseAddress!, pw.baseAddress!, pd.baseAddress!, m: rows, n: nIn, k: nOut, transB: layout == .inOut)
            } } }
            if !merged, let update, let dh {
                // dx += m ⊙ (dh·A)
                let r = update.a.shape[0]
                if let mask = update.inputMask {
                    var back = Tensor(uninitializedShape: x.shape)
                    dh.withUnsafeBufferPointer { ph in update.a.value.withUnsafeBufferPointer { pa in back.withUnsafeMutableBufferPointer { pb in
                        LowRankKernel.expand(base: nil, ph.baseAddress!, pa.baseAddress!, r: r, into: pb.baseAddress!, rows: rows, n: nIn)
                    } } }
                    dx.add(product(back, mask))
                } else {
                    dh.withUnsafeBufferPointer { ph in update.a.value.withUnsafeBufferPointer { pa in dx.withUnsafeMutableBufferPointer { pd in
                        LowRankKernel.expand(base: pd.baseAddress!, ph.baseAddress!, pa.baseAddress!, r: r, into: pd.baseAddress!,
                                             rows: rows, n: nIn)
                    } } }
                }
            }
            x.accumulate(dx)
        }
    }

    /// W + s·B·A in the layout of w, written to a new tensor (w, possibly a parameter's value, is only read):
    /// (out, in) adds s·B·A, (in, out) adds s·Aᵀ·Bᵀ.
    static func foldedWeight(_ w: Tensor, _ update: LowRankUpdate, layout: WeightLayout) throws -> Tensor {
        let r = update.a.shape[0], nIn = update.a.shape[1], nOut = update.b.shape[0]
        let (p, q) = layout == .outIn ? (update.b.value, update.a.value)
                                      : (try update.a.value.transposed(0, 1), try update.b.value.transposed(0, 1))
        var out = Tensor(uninitializedShape: w.shape)
        w.withUnsafeBufferPointer { pw in p.withUnsafeBufferPointer { pp in q.withUnsafeBufferPointer { pq in out.withUnsafeMutableBufferPointer { po in
            LowRankKernel.expand(base: pw.baseAddress!, pp.baseAddress!, pq.baseAddress!, r: r, alpha: update.scaling,
                                 into: po.baseAddress!, rows: layout == .outIn ? nOut : nIn, n: layout == .outIn ? nIn : nOut)
        } } } }
        return out
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
