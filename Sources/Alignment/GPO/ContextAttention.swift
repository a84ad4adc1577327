import Datasets
import Autograd
import Foundation

extension Variable {
    /// GPO's attention: every point (context or target) attends to the first `contextCount` points only, so
    /// context points see each other and targets see the context, but no point ever sees a target. That is the
    /// mask of ALGORITHMS.md §7 applied by slicing keys and values to the context rows, which costs N·M scores
    /// instead of N².
    ///
    /// qkv: (N, 3D) with D = heads · dh, queries | keys | values along the last axis -> (N, D).
    /// Per head: softmax(q kᵀ / √dh) v over the M = contextCount context keys. Composed from sliced, permuted,
    /// matmul and softmax, so its gradient is theirs.
    public static func contextAttention(qkv: Variable, contextCount: Int, heads: Int) throws -> Variable {
        guard qkv.shape.count == 2, heads > 0, qkv.shape[1] % (3 * heads) == 0 else {
            throw AlignmentError.invalidInput("context attention: qkv shape \(qkv.shape) is not (N, 3·D) with D divisible by \(heads) heads")
        }
        let n = qkv.shape[0], d = qkv.shape[1] / 3, dh = d / heads
        guard (1...n).contains(contextCount) else {
            throw AlignmentError.invalidInput("context attention: \(contextCount) context points among \(n); need 1...\(n)")
        }
        /// (rows, D) -> (heads, rows, dh)
        func split(_ x: Variable, rows: Int) throws -> Variable {
            try x.reshaped([rows, heads, dh]).permuted([1, 0, 2])
        }
        let q = try split(qkv.sliced(axis: 1, range: 0..<d), rows: n)
        let context = try qkv.sliced(axis: 0, range: 0..<contextCount)
        let k = try split(context.sliced(axis: 1, range: d..<2 * d), rows: contextCount)
        let v = try split(context.sliced(axis: 1, range: 2 * d..<3 * d), rows: contextCount)
        let scores = try Variable.matmul(q, k, transposeB: true) * (1 / Float(dh).squareRoot())   // (H, N, M)
        let y = try Variable.matmul(scores.softmax(), v)                                           // (H, N, dh)
        return try y.permuted([1, 0, 2]).reshaped([n, d])
    }
}
