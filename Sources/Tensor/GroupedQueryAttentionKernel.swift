import Foundation

/// Fused causal attention with grouped-query heads (Llama, Qwen, Mistral, Gemma) as a forward/backward pair.
///
/// H query heads share KV key/value heads, query head h reading key/value head h / (H / KV); KV = H is plain
/// multi-head attention and KV = 1 multi-query attention. Queries, keys and values arrive as separate
/// projections with an explicit head size D (which need not be C / H). As in `CausalAttentionKernel`, products
/// run as small single-threaded GEMMs on strided slices, blocked by `rowBlock` so the masked triangle is skipped.
public enum GroupedQueryAttentionKernel {
    /// What the backward pass needs from the forward pass.
    public struct Saved {
        /// Attention probabilities, (B, H, T, T); zero above the diagonal.
        public var probabilities: Tensor
    }

    /// The head layout of one call.
    public struct Heads: Equatable, Sendable {
        /// Query heads H.
        public var query: Int
        /// Key/value heads KV, dividing H.
        public var keyValue: Int
        /// Size D of every head.
        public var size: Int

        /// A layout of `query` heads sharing `keyValue` key/value heads of `size` floats.
        public init(query: Int, keyValue: Int, size: Int) {
            self.query = query
            self.keyValue = keyValue
            self.size = size
        }
    }

    static let rowBlock = CausalAttentionKernel.rowBlock

    /// q: (B, T, H·D), k and v: (B, T, KV·D) -> out (B, T, H·D) = softmax(scale · q kᵀ, causal) v per head, plus
    /// the probabilities. `scale` defaults to 1/√D. With `segments` (B·T ids, see `SegmentMask`) keys of other
    /// response segments are masked out too; the backward is the same.
    public static func forward(q: Tensor, k: Tensor, v: Tensor, heads: Heads, scale: Float? = nil,
                               segments: [Int32]? = nil) throws -> (out: Tensor, saved: Saved) {
        let (b, t) = try dims(q, k, v, heads)
        let segments = try segments.map { try SegmentMask.validated($0, batch: b, length: t) }
        let (nh, d) = (heads.query, heads.size)
        let group = nh / heads.keyValue
        let qw = nh * d, kw = heads.keyValue * d
        let alpha = scale ?? 1 / Float(d).squareRoot()
        var out = Tensor(uninitializedShape: [b, t, qw])
        var probs = Tensor(uninitializedShape: [b, nh, t, t])
        (segments ?? []).withUnsafeBufferPointer { sb in
        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
        out.withUnsafeMutableBufferPointer { ob in probs.withUnsafeMutableBufferPointer { pb in
            let qp = qb.baseAddress!, kp = kb.baseAddress!, vp = vb.baseAddress!, op = ob.baseAddress!, p = pb.baseAddress!
            let seg = segments == nil ? nil : sb.baseAddress
            BLAS.withThreads(1) {
                DispatchQueue.concurrentPerform(iterations: b * nh) { job in
                    let bi = job / nh, h = job % nh, kvh = h / group
                    let qh = qp + bi * t * qw + h * d, kh = kp + bi * t * kw + kvh * d, vh = vp + bi * t * kw + kvh * d
                    let pp = p + job * t * t, oh = op + bi * t * qw + h * d
                    for r0 in stride(from: 0, to: t, by: rowBlock) {
                        let rows = min(rowBlock, t - r0), keys = r0 + rows
                        BLAS.gemm(qh + r0 * qw, lda: qw, kh, ldb: kw, pp + r0 * t, ldc: t,
                                  m: rows, n: keys, k: d, transB: true, alpha: alpha)
                        CausalAttentionKernel.softmaxRows(pp, rows: r0..<keys, width: t, segments: seg.map { $0 + bi * t })
                        BLAS.gemm(pp + r0 * t, lda: t, vh, ldb: kw, oh + r0 * qw, ldc: qw, m: rows, n: d, k: keys)
                    }
                }
            }
        } } } } } }
        return (out, Saved(probabilities: probs))
    }

    /// dOut: (B, T, H·D) -> dq (B, T, H·D), dk and dv (B, T, KV·D), given the forward's inputs and probabilities.
    /// Jobs are (batch, key/value head) pairs, each summing its group's query heads into its own dk/dv columns,
    /// so no two threads write the same memory.
    public static func backward(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, saved: Saved, heads: Heads,
                                scale: Float? = nil) throws -> (q: Tensor, k: Tensor, v: Tensor) {
        let (b, t) = try dims(q, k, v, heads)
        let (nh, nkv, d) = (heads.query, heads.keyValue, heads.size)
        let group = nh / nkv
        let qw = nh * d, kw = nkv * d
        guard dOut.shape == [b, t, qw], saved.probabilities.shape == [b, nh, t, t] else {
            throw TensorError.shapeMismatch(op: "attention backward", "dOut \(dOut.shape) vs expected \([b, t, qw])")
        }
        let alpha = scale ?? 1 / Float(d).squareRoot()
        var dq = Tensor(uninitializedShape: q.shape), dk = Tensor(uninitializedShape: k.shape), dv = Tensor(uninitializedShape: v.shape)
        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
        dOut.withUnsafeBufferPointer { gb in saved.probabilities.withUnsafeBufferPointer { pb in
        dq.withUnsafeMutableBufferPointer { dqb in dk.withUnsafeMutableBufferPointer { dkb in dv.withUnsafeMutableBufferPointer { dvb in
            let qp = qb.baseAddress!, kp = kb.baseAddress!, vp = vb.baseAddress!, gp = gb.baseAddress!, p = pb.baseAddress!
            let dqp = dqb.baseAddress!, dkp = dkb.baseAddress!, dvp = dvb.baseAddress!
            BLAS.withThreads(1) {
                DispatchQueue.concurrentPerform(iterations: b * nkv) { job in
                    let bi = job / nkv, kvh = job % nkv
                    let kh = kp + bi * t * kw + kvh * d, vh = vp + bi * t * kw + kvh * d
                    let dkh = dkp + bi * t * kw + kvh * d, dvh = dvp + bi * t * kw + kvh * d
                    let dS = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
                    defer { dS.deallocate() }
                    for member in 0..<group {
                        let h = kvh * group + member
                        let qh = qp + bi * t * qw + h * d, dqh = dqp + bi * t * qw + h * d, g = gp + bi * t * qw + h * d
                        let pp = p + (bi * nh + h) * t * t
                        let beta: Float = member == 0 ? 0 : 1
                        for r0 in stride(from: 0, to: t, by: rowBlock) {
                            let rows = min(rowBlock, t - r0), keys = r0 + rows
                            // dP = dOut_h vᵀ, then the softmax backward with the scale folded in
                            BLAS.gemm(g + r0 * qw, lda: qw, vh, ldb: kw, dS + r0 * t, ldc: t, m: rows, n: keys, k: d, transB: true)
                            for i in r0..<keys {
                                CausalAttentionKernel.softmaxBackwardRow(pp + i * t, dS + i * t, keys: i + 1, width: keys, scale: alpha)
                            }
                            // dQ = dS k
                            BLAS.gemm(dS + r0 * t, lda: t, kh, ldb: kw, dqh + r0 * qw, ldc: qw, m: rows, n: d, k: keys)
                        }
                        for c0 in stride(from: 0, to: t, by: rowBlock) {
                            // Keys c0… were seen only by queries c0…: dV += Pᵀ dOut_h, dK += dSᵀ q over those rows.
                            let cols = min(rowBlock, t - c0), later = t - c0
                            BLAS.gemm(pp + c0 * t + c0, lda: t, g + c0 * qw, ldb: qw, dvh + c0 * kw, ldc: kw,
                                      m: cols, n: d, k: later, transA: true, beta: beta)
                            BLAS.gemm(dS + c0 * t + c0, lda: t, qh + c0 * qw, ldb: qw, dkh + c0 * kw, ldc: kw,
                                      m: cols, n: d, k: later, transA: true, beta: beta)
                        }
                    }
                }
            }
        } } } } } } } }
        return (dq, dk, dv)
    }

    /// Checks q: (B, T, H·D), k, v: (B, T, KV·D) with KV dividing H; returns (B, T).
    static func dims(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ heads: Heads) throws -> (Int, Int) {
        guard heads.query > 0, heads.keyValue > 0, heads.size > 0, heads.query % heads.keyValue == 0 else {
            throw TensorError.invalidArgument(op: "attention", "\(heads.query) query heads do not split into groups of \(heads.keyValue) key/value heads of size \(heads.size)")
        }
        guard q.rank == 3, q.shape[2] == heads.query * heads.size,
              k.shape == [q.shape[0], q.shape[1], heads.keyValue * heads.size], v.shape == k.shape else {
            throw TensorError.shapeMismatch(op: "attention", "q \(q.shape), k \(k.shape), v \(v.shape) do not fit \(heads.query) query and \(heads.keyValue) key/value heads of size \(heads.size)")
        }
        return (q.shape[0], q.shape[1])
    }
}
