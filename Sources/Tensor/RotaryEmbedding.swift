import CKernels

/// Rotary position embedding in `transformers`' rotate-half convention: each head vector of size D is split into
/// halves (x₁, x₂) and rotated pairwise, y₁ = x₁·cos − x₂·sin, y₂ = x₂·cos + x₁·sin, with the angle of pair i at
/// position p being p · inv_freq[i]. The rotation is orthogonal, so the backward is the rotation by −angle.
public enum RotaryEmbeddingKernel {
    /// x: (…, T, H·D) with D = headDim, cos and sin: (T, D/2) for the T positions -> (…, T, H·D), every head
    /// and every leading (batch) row rotated by the same per-position angles.
    public static func forward(_ x: Tensor, cos: Tensor, sin: Tensor, headDim: Int) throws -> Tensor {
        try apply(x, cos: cos, sin: sin, headDim: headDim, sign: 1, op: "rope")
    }

    /// dy: (…, T, H·D) -> dx: (…, T, H·D): the gradient rotated back (sin negated).
    public static func backward(_ dy: Tensor, cos: Tensor, sin: Tensor, headDim: Int) throws -> Tensor {
        try apply(dy, cos: cos, sin: sin, headDim: headDim, sign: -1, op: "rope backward")
    }

    private static func apply(_ x: Tensor, cos: Tensor, sin: Tensor, headDim d: Int, sign: Float, op: String) throws -> Tensor {
        guard x.rank >= 2, d > 0, d % 2 == 0, x.shape[x.rank - 1] % d == 0 else {
            throw TensorError.shapeMismatch(op: op, "input \(x.shape) is not (…, T, heads·\(d)) with an even head size")
        }
        let t = x.shape[x.rank - 2], w = x.shape[x.rank - 1], half = d / 2
        guard cos.shape == [t, half], sin.shape == [t, half] else {
            throw TensorError.shapeMismatch(op: op, "cos \(cos.shape) and sin \(sin.shape) must be [\(t), \(half)] for input \(x.shape)")
        }
        let rows = x.count / w
        let heads = w / d
        var y = Tensor(uninitializedShape: x.shape)
        x.withUnsafeBufferPointer { xb in cos.withUnsafeBufferPointer { cb in sin.withUnsafeBufferPointer { sb in
            y.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, cp = cb.baseAddress!, sp = sb.baseAddress!, yp = yb.baseAddress!
                let kernels = VectorKernels.rowKernels
                Parallel.forRows(rows, costPerRow: w * 3) { range in
                    if let kernels {
                        for r in range {
                            let (x, y, c, s) = (xp + r * w, yp + r * w, cp + (r % t) * half, sp + (r % t) * half)
                            if kernels == .avx512 { ck_rope_row_avx512(x, y, c, s, heads, d, sign) } else { ck_rope_row_avx2(x, y, c, s, heads, d, sign) }
                        }
                        return
                    }
                    for r in range {
                        let c = cp + (r % t) * half, s = sp + (r % t) * half
                        for h in 0..<heads {
                            let a = xp + r * w + h * d, b = yp + r * w + h * d
                            for i in 0..<half {
                                let x1 = a[i], x2 = a[i + half], si = sign * s[i]
                                b[i] = x1 * c[i] - x2 * si
                                b[i + half] = x2 * c[i] + x1 * si
                            }
                        }
                    }
                }
            }
        } } }
        return y
    }
}
