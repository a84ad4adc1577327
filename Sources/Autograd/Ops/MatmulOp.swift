import TensorCore

/// Matrix product with autograd.
extension Variable {
    /// op(a) · op(b) over the last two axes, op = transpose when the flag is set (see `Tensor.matmul`).
    /// a: (…, M, K) [(…, K, M) with transposeA], b: (…, K, N) or (K, N) shared [(…, N, K) / (N, K) with
    /// transposeB] -> (…, M, N).
    ///
    /// With A' = op(a), B' = op(b) and g = dC: dA' = g·B'ᵀ and dB' = A'ᵀ·g, transposed back where the operand
    /// was stored transposed. Every case is one `Tensor.matmul` with the right flags, so no transpose is
    /// materialised except for a transposed, batched `a` against a shared `b`. A shared 2-D `b` gets
    /// Σ over the batch of A'ᵢᵀ·gᵢ as one GEMM on the batch folded into the rows: (B·M, K)ᵀ · (B·M, N).
    public static func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) throws -> Variable {
        let y = try Tensor.matmul(a.value, b.value, transposeA: transposeA, transposeB: transposeB)
        let sharedB = b.value.rank == 2 && a.value.rank > 2
        return Variable.result(y, parents: [a, b]) { g in
            if a.requiresGrad {
                // dA' = g · B'ᵀ, where B'ᵀ is b read with the opposite transpose flag.
                if !transposeA {
                    a.accumulate(try! Tensor.matmul(g, b.value, transposeB: !transposeB))
                } else if sharedB {
                    a.accumulate(try! Tensor.matmul(g, b.value, transposeB: !transposeB).transposed(-1, -2))
                } else {
                    // dA = dA'ᵀ = B' · gᵀ.
                    a.accumulate(try! Tensor.matmul(b.value, g, transposeA: transposeB, transposeB: true))
                }
            }
            if b.requiresGrad {
                if sharedB {
                    let k = transposeA ? a.value.shape[a.value.rank - 2] : a.value.shape[a.value.rank - 1]
                    let aRows = try! (transposeA ? a.value.transposed(-1, -2) : a.value).reshaped([-1, k])
                    let gRows = try! g.reshaped([-1, g.shape[g.rank - 1]])
                    // dB' = A'ᵀ·g (K, N); stored transposed: dB = gᵀ·A' (N, K).
                    b.accumulate(transposeB ? try! Tensor.matmul(gRows, aRows, transposeA: true)
                                            : try! Tensor.matmul(aRows, gRows, transposeA: true))
                } else if !transposeB {
                    // dB' = A'ᵀ · g, where A'ᵀ is a read with the opposite transpose flag.
                    b.accumulate(try! Tensor.matmul(a.value, g, transposeA: !transposeA))
                } else {
                    // dB = dB'ᵀ = gᵀ · A'.
                    b.accumulate(try! Tensor.matmul(g, a.value, transposeA: true, transposeB: transposeA))
                }
            }
        }
    }
}
