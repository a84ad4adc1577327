import CKernels

/// What `rmsNorm` computes, plus the per-row statistic its backward needs.
public struct RMSNormResult {
    /// y = x · rstd · w, with w = weight (Llama) or 1 + weight (Gemma): (…, C).
    public var output: Tensor
    /// Row reciprocal root-mean-squares 1 / √(mean(x²) + eps): (…).
    public var rstd: Tensor
}

extension Tensor {
    /// Root-mean-square normalisation over the last axis with a learned scale, computed in Float32 as
    /// `transformers`' LlamaRMSNorm does. `unitOffset` scales by (1 + weight) instead of weight: Gemma stores the
    /// scale as an offset from one, so a zero-initialised weight is the identity.
    ///
    /// x: (…, C), weight: (C) -> output (…, C), rstd (…).
    public func rmsNorm(weight: Tensor, eps: Float, unitOffset: Bool = false) throws -> RMSNormResult {
        guard let c = shape.last, weight.shape == [c] else {
            throw TensorError.shapeMismatch(op: "rmsNorm", "input \(shape) needs a weight of shape [\(shape.last ?? 0)], got \(weight.shape)")
        }
        let rows = c == 0 ? 0 : count / c
        var out = RMSNormResult(output: Tensor(uninitializedShape: shape), rstd: Tensor(uninitializedShape: Array(shape.dropLast())))
        let offset: Float = unitOffset ? 1 : 0
        withUnsafeBufferPointer { xb in weight.withUnsafeBufferPointer { wb in
            out.output.withUnsafeMutableBufferPointer { yb in out.rstd.withUnsafeMutableBufferPointer { sb in
                let xp = xb.baseAddress!, wp = wb.baseAddress!, yp = yb.baseAddress!, sp = sb.baseAddress!
                let kernels = VectorKernels.rowKernels
                Parallel.forRows(rows, costPerRow: c * 2) { range in
                    switch kernels {
                    case .avx512?:
                        for r in range { sp[r] = ck_rmsnorm_forward_row_avx512(xp + r * c, wp, offset, eps, yp + r * c, c) }
                        return
                    case .avx2?:
                        for r in range { sp[r] = ck_rmsnorm_forward_row_avx2(xp + r * c, wp, offset, eps, yp + r * c, c) }
                        return
                    case nil: break
                    }
                    for r in range {
                        let x = xp + r * c, y = yp + r * c
                        let rstd = 1 / (FusedMath.dot(x, x, c) / Float(c) + eps).squareRoot()
                        for j in 0..<c { y[j] = x[j] * rstd * (wp[j] + offset) }
                        sp[r] = rstd
                    }
                }
            } }
        } }
        return out
    }

    /// Backward of `rmsNorm`. With n = x · rstd and g = w ⊙ dy per row (w = weight or 1 + weight):
    /// dx = rstd · (g − n · mean(g ⊙ n)), dweight = Σ_rows dy ⊙ n.
    ///
    /// dy: (…, C), x: (…, C), weight: (C), rstd: (…) -> dx (…, C), dweight (C).
    public static func rmsNormBackward(gradOutput dy: Tensor, input x: Tensor, weight: Tensor, rstd: Tensor,
                                       unitOffset: Bool = false) -> (input: Tensor, weight: Tensor) {
        let c = weight.count
        precondition(dy.shape == x.shape && x.shape.last == c && rstd.count * c == x.count,
                     "rmsNormBackward: dy \(dy.shape), x \(x.shape), weight \(weight.shape), rstd \(rstd.shape)")
        let rows = rstd.count
        let offset: Float = unitOffset ? 1 : 0
        var dx = Tensor(uninitializedShape: x.shape)
        var dw = Tensor.zeros([c])
        // Each chunk of rows sums its own dweight partial, added up afterwards, so threads never share memory.
        let chunks = Swift.max(1, Swift.min(Parallel.workers, rows * c * 4 / 32_768, rows))
        let perChunk = (rows + chunks - 1) / chunks
        var partials = Tensor.zeros([chunks, c])
        dy.withUnsafeBufferPointer { gb in x.withUnsafeBufferPointer { xb in weight.withUnsafeBufferPointer { wb in
            rstd.withUnsafeBufferPointer { sb in dx.withUnsafeMutableBufferPointer { db in partials.withUnsafeMutableBufferPointer { pb in
                let gp = gb.baseAddress!, xp = xb.baseAddress!, wp = wb.baseAddress!
                let sp = sb.baseAddress!, dp = db.baseAddress!, pp = pb.baseAddress!
                let kernels = VectorKernels.rowKernels
                Parallel.forRows(chunks, costPerRow: 32_768) { chunkRange in
                    for chunk in chunkRange {
                        let part = pp + chunk * c
                        for r in (chunk * perChunk)..<Swift.min(rows, (chunk + 1) * perChunk) {
                            switch kernels {
                            case .avx512?:
                                ck_rmsnorm_backward_row_avx512(gp + r * c, xp + r * c, wp, offset, sp[r], dp + r * c, part, c)
                                continue
                            case .avx2?:
                                ck_rmsnorm_backward_row_avx2(gp + r * c, xp + r * c, wp, offset, sp[r], dp + r * c, part, c)
                                continue
                            case nil: break
                            }
                            let g = gp + r * c, xr = xp + r * c, d = dp + r * c, s = sp[r]
                            // d holds w ⊙ dy ⊙ n until its mean is taken.
                            for j in 0..<c {
                                let n = xr[j] * s
                                d[j] = (wp[j] + offset) * g[j] * n
                                part[j] += g[j] * n
                            }
                            let meanGN = FusedMath.sum(d, c) / Float(c)
                            for j in 0..<c { d[j] = s * ((wp[j] + offset) * g[j] - xr[j] * s * meanGN) }
                        }
                    }
                }
                dw.withUnsafeMutableBufferPointer { wg in
                    for chunk in 0..<chunks { for j in 0..<c { wg[j] += pp[chunk * c + j] } }
                }
            } } }
        } } }
        return (dx, dw)
    }
}
