import CKernels

/// The attention rule of packed rows that share a prompt (prefix sharing in DPO, IPO and rankings).
///
/// A packed row holds one prompt and then several responses to it, each response segment continuing at the
/// prompt's positions. Every token carries a segment id: 0 for the shared prompt, s > 0 for response s (padding
/// gets an id of its own). Token i attends to token j iff j ≤ i and (segment[j] = 0 or segment[j] = segment[i]),
/// so each response sees the prompt and itself, exactly what it sees alone in an unpacked row. With every id 0 the
/// rule is plain causal attention.
public enum SegmentMask {
    /// Checks one segment id per token of (B, T) rows; returns the ids unchanged.
    public static func validated(_ segments: [Int32], batch: Int, length: Int) throws -> [Int32] {
        guard segments.count == batch * length else {
            throw TensorError.shapeMismatch(op: "attention", "\(segments.count) segment ids for \(batch) rows of \(length) tokens")
        }
        return segments
    }

    /// Softmax in place over the keys 0..<keys of a score row that query `own` may see under the rule (`seen`
    /// holds the keys' segment ids); zeros at the hidden keys and in the rest of the row's `width`. The query's
    /// own key is always seen, so the row is never empty. Zero probabilities make the softmax backward of a hidden
    /// entry zero too, so the attention backward needs no mask of its own.
    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, keys n: Int, width: Int,
                           seen: UnsafePointer<Int32>, own: Int32) {
        switch VectorKernels.rowKernels {
        case .avx512?: ck_segment_softmax_row_avx512(row, n, width, seen, own); return
        case .avx2?: ck_segment_softmax_row_avx2(row, n, width, seen, own); return
        case nil: break
        }
        var mx = -Float.infinity
        for j in 0..<n where seen[j] == 0 || seen[j] == own { mx = Swift.max(mx, row[j]) }
        for j in 0..<n { row[j] = seen[j] == 0 || seen[j] == own ? FusedMath.exp(row[j] - mx) : 0 }
        let inv = 1 / FusedMath.sum(row, n)
        for j in 0..<n { row[j] *= inv }
        (row + n).update(repeating: 0, count: width - n)
    }
}
