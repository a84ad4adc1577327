/// What `layerNorm` computes, plus the per-row statistics its backward needs.
public struct LayerNormResult {
    /// y = (x − mean) · rstd · weight + bias: (…, C).
    public var output: Tensor
    /// Row means: (…).
    public var mean: Tensor
    /// Row reciprocal standard deviations 1 / √(var + eps) (biased variance): (…).
    public var rstd: Tensor
}

/// Gradients of `layerNorm` with respect to its three inputs.
public struct LayerNormGradients {
    /// d(loss)/dx: (…, C).
    public var input: Tensor
    /// d(loss)/dweight, summed over all rows: (C).
    public var weight: Tensor
    /// d(loss)/dbias, summed over all rows: (C).
    public var bias: Tensor
}

extension Tensor {
    /// Layer normalisation over the last axis with a learned scale and shift (GPT-2 uses eps = 1e-5).
    ///
    /// x: (…, C), weight: (C), bias: (C) -> output (…, C), mean (…), rstd (…).
    public func layerNorm(weight: Tensor, bias: Tensor, eps: Float = 1e-5) throws -> LayerNormResult {
        let c = try Self.checkLayerNormShapes(x: shape, weight: weight.shape, bias: bias.shape)
        let rows = c == 0 ? 0 : count / c
        let statShape = Array(shape.dropLast())
        var out = LayerNormResult(output: Tensor(uninitializedShape: shape),
                                  mean: Tensor(uninitializedShape: statShape), rstd: Tensor(uninitializedShape: statShape))
        withUnsafeBufferPointer { xb in weight.withUnsafeBufferPointer { wb in bias.withUnsafeBufferPointer { bb in
            out.output.withUnsafeMutableBufferPointer { yb in
                out.mean.withUnsafeMutableBufferPointer { mb in out.rstd.withUnsafeMutableBufferPointer { sb in
                    let xp = xb.baseAddress!, wp = wb.baseAddress!, bp = bb.baseAddress!
                    let yp = yb.baseAddress!, mp = mb.baseAddress!, sp = sb.baseAddress!
                    Parallel.forRows(rows, costPerRow: c * 3) { range in
                        for r in range {
                            let x = xp + r * c, y = yp + r * c
                            let rough = FusedMath.sum(x, c) / Float(c)
                            // Deviations from a first mean avoid the cancellation of E[x²] − E[x]²; their sum
                            // corrects the rounding of that mean when the row sits far from zero.
                            let (dsum, sq) = FusedMath.centeredSums(x, c, center: rough)
                            let shift = dsum / Float(c)
                            let mean = rough + shift
                            let rstd = 1 / (Swift.max(sq / Float(c) - shift * shift, 0) + eps).squareRoot()
                            for j in 0..<c { y[j] = (x[j] - mean) * rstd * wp[j] + bp[j] }
                            mp[r] = mean
                            sp[r] = rstd
                        }
                    }
                } }
            }
        } } }
        return out
    }

    /// Backward of `layerNorm`. With n = (x − mean)·rstd and g = weight ⊙ dy per row:
    /// dx = rstd · (g − mean(g) − n · mean(g ⊙ n)), dweight = Σ_rows dy ⊙ n, dbias = Σ_rows dy.
    ///
    /// dy: (…, C), x: (…, C), weight: (C), mean: (…), rstd: (…) -> dx (…, C), dweight (C), dbias (C).
    public static func layerNormBackward(gradOutput dy: Tensor, input x: Tensor, weight: Tensor,
                                         mean: Tensor, rstd: Tensor) -> LayerNormGradients {
        let c = weight.count
        precondition(dy.shape == x.shape && x.shape.last == c && mean.count * c == x.count && rstd.count == mean.count,
                     "layerNormBackward: dy \(dy.shape), x \(x.shape), weight \(weight.shape), mean \(mean.shape), rstd \(rstd.shape)")
        let rows = mean.count
        var grads = LayerNormGradients(input: Tensor(uninitializedShape: x.shape),
                                       weight: Tensor.zeros([c]), bias: Tensor.zeros([c]))
        // Each chunk of rows sums its own dweight/dbias partials; they are added up afterwards, so threads never
        // write the same memory.
        let chunks = Swift.max(1, Swift.min(Parallel.workers, rows * c * 6 / 32_768, rows))
        let perChunk = chunks == 0 ? 0 : (rows + chunks - 1) / chunks
        var partials = Tensor.zeros([chunks, 2, c])
        dy.withUnsafeBufferPointer { gb in x.withUnsafeBufferPointer { xb in weight.withUnsafeBufferPointer { wb in
            mean.withUnsafeBufferPointer { mb in rstd.withUnsafeBufferPointer { sb in
                grads.input.withUnsafeMutableBufferPointer { db in partials.withUnsafeMutableBufferPointer { pb in
                    let gp = gb.baseAddress!, xp = xb.baseAddress!, wp = wb.baseAddress!
                    let mp = mb.baseAddress!, sp = sb.baseAddress!, dp = db.baseAddress!, pp = pb.baseAddress!
                    Parallel.forRows(chunks, costPerRow: 32_768) { chunkRange in
                        for chunk in chunkRange {
                            let dw = pp + chunk * 2 * c, dbias = dw + c
                            for r in (chunk * perChunk)..<min(rows, (chunk + 1) * perChunk) {
                                let g = gp + r * c, x = xp + r * c, dx = dp + r * c
                                let m = mp[r], s = sp[r]
                                // dx holds weight ⊙ dy ⊙ n until its sum is taken: every loop here is a plain
                                // map or sum, which vectorises.
                                for j in 0..<c {
                                    let n = (x[j] - m) * s
                                    dx[j] = wp[j] * g[j] * n
                                    dw[j] += g[j] * n
                                    dbias[j] += g[j]
                                }
                                let meanG = FusedMath.dot(wp, g, c) / Float(c)
                                let meanGN = FusedMath.sum(dx, c) / Float(c)
                                for j in 0..<c {
                                    let n = (x[j] - m) * s
                                    dx[j] = s * (wp[j] * g[j] - meanG - n * meanGN)
                                }
                            }
                        }
                    }
                    grads.weight.withUnsafeMutableBufferPointer { wgb in grads.bias.withUnsafeMutableBufferPointer { bgb in
                        for chunk in 0..<chunks {
                            for j in 0..<c { wgb[j] += pp[chunk * 2 * c + j]; bgb[j] += pp[chunk * 2 * c + c + j] }
                        }
                    } }
                } }
            } }
        } } }
        return grads
    }

    /// Checks x: (…, C), weight: (C), bias: (C) and returns C.
    static func checkLayerNormShapes(x: [Int], weight: [Int], bias: [Int]) throws -> Int {
        guard let c = x.last else {
            throw TensorError.invalidArgument(op: "layerNorm", "input must have at least one axis, got a scalar")
        }
        guard weight == [c], bias == [c] else {
            throw TensorError.shapeMismatch(op: "layerNorm", "input \(x) needs weight and bias of shape [\(c)], got \(weight) and \(bias)")
        }
        return c
    }
}
