import Foundation

/// Fused causal multi-head self-attention over a packed QKV activation, as a forward/backward pair.
///
/// Each (batch, head) pair is independent: the pairs are spread over the cores and each runs three small
/// single-threaded GEMMs directly on strided slices of `qkv` (no head split/merge copies).
public enum CausalAttentionKernel {
    /// What the backward pass needs from the forward pass.
    public struct Saved {
        /// Attention probabilities, (B, H, T, T); zero above the diagonal.
        public var probabilities: Tensor
    }

    /// qkv: (B, T, 3C) packed as [q | k | v] along the last axis -> out: (B, T, C), plus saved probabilities.
    /// softmax((q kᵀ) / √hs) with key positions after the query masked out; hs = C / heads.
    public static func forward(qkv: Tensor, heads: Int) throws -> (out: Tensor, saved: Saved) {
        let (b, t, c) = try dims(qkv, heads: heads)
        let hs = c / heads
        let scale = 1 / Float(hs).squareRoot()
        var out = Tensor(uninitializedShape: [b, t, c])
        var probs = Tensor(uninitializedShape: [b, heads, t, t])
        qkv.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { o in probs.withUnsafeMutableBufferPointer { p in
            let x = x.baseAddress!, o = o.baseAddress!, p = p.baseAddress!
            BLAS.withThreads(1) {
                DispatchQueue.concurrentPerform(iterations: b * heads) { job in
                    let bi = job / heads, h = job % heads
                    let q = x + bi * t * 3 * c + h * hs
                    let pp = p + job * t * t
                    // scores = scale · q kᵀ, (T, T)
                    BLAS.gemm(q, lda: 3 * c, q + c, ldb: 3 * c, pp, ldc: t, m: t, n: t, k: hs, transB: true, alpha: scale)
                    for i in 0..<t {
                        let row = pp + i * t
                        var mx = -Float.infinity
                        for j in 0...i { mx = max(mx, row[j]) }
                        var sum: Float = 0
                        for j in 0...i { let e = expf(row[j] - mx); row[j] = e; sum += e }
                        let inv = 1 / sum
                        for j in 0...i { row[j] *= inv }
                        for j in (i + 1)..<max(t, i + 1) { row[j] = 0 }
                    }
                    // out_h = P v, written into the head's columns of out (row stride C)
                    BLAS.gemm(pp, lda: t, q + 2 * c, ldb: 3 * c, o + bi * t * c + h * hs, ldc: c, m: t, n: hs, k: t)
                }
            }
        } } }
        return (out, Saved(probabilities: probs))
    }

    /// dOut: (B, T, C) -> dQKV: (B, T, 3C), given the forward's input and saved probabilities.
    public static func backward(dOut: Tensor, qkv: Tensor, saved: Saved, heads: Int) throws -> Tensor {
        let (b, t, c) = try dims(qkv, heads: heads)
        guard dOut.shape == [b, t, c] else {
            throw TensorError.shapeMismatch(op: "attention backward", "dOut \(dOut.shape) vs expected \([b, t, c])")
        }
        let hs = c / heads
        let scale = 1 / Float(hs).squareRoot()
        var dqkv = Tensor(uninitializedShape: [b, t, 3 * c])
        qkv.withUnsafeBufferPointer { x in dOut.withUnsafeBufferPointer { dy in
        saved.probabilities.withUnsafeBufferPointer { p in dqkv.withUnsafeMutableBufferPointer { dx in
            let x = x.baseAddress!, dy = dy.baseAddress!, p = p.baseAddress!, dx = dx.baseAddress!
            BLAS.withThreads(1) {
                DispatchQueue.concurrentPerform(iterations: b * heads) { job in
                    let bi = job / heads, h = job % heads
                    let q = x + bi * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
                    let dq = dx + bi * t * 3 * c + h * hs, dk = dq + c, dv = dq + 2 * c
                    let g = dy + bi * t * c + h * hs
                    let pp = p + job * t * t
                    let dS = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
                    defer { dS.deallocate() }
                    // dV = Pᵀ dOut_h ; dP = dOut_h vᵀ
                    BLAS.gemm(pp, lda: t, g, ldb: c, dv, ldc: 3 * c, m: t, n: hs, k: t, transA: true)
                    BLAS.gemm(g, lda: c, v, ldb: 3 * c, dS, ldc: t, m: t, n: t, k: hs, transB: true)
                    // softmax backward, with the 1/√hs of the scores folded in
                    for i in 0..<t {
                        let pr = pp + i * t, dr = dS + i * t
                        var dot: Float = 0
                        for j in 0...i { dot += pr[j] * dr[j] }
                        for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) * scale }
                        for j in (i + 1)..<max(t, i + 1) { dr[j] = 0 }
                    }
                    // dQ = dS k ; dK = dSᵀ q
                    BLAS.gemm(dS, lda: t, k, ldb: 3 * c, dq, ldc: 3 * c, m: t, n: hs, k: t)
                    BLAS.gemm(dS, lda: t, q, ldb: 3 * c, dk, ldc: 3 * c, m: t, n: hs, k: t, transA: true)
                }
            }
        } } } }
        return dqkv
    }

    private static func dims(_ qkv: Tensor, heads: Int) throws -> (Int, Int, Int) {
        guard qkv.rank == 3, qkv.shape[2] % 3 == 0 else {
            throw TensorError.shapeMismatch(op: "attention", "qkv must be (B, T, 3C), got \(qkv.shape)")
        }
        let c = qkv.shape[2] / 3
        guard heads > 0, c % heads == 0 else {
            throw TensorError.invalidArgument(op: "attention", "n_embd \(c) is not divisible by n_head \(heads)")
        }
        return (qkv.shape[0], qkv.shape[1], c)
    }
}
