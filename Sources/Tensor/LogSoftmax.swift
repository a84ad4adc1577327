import CKernels
import Foundation

extension Tensor {
    /// Log-softmax over the last axis: z − logsumexp(z), with the row maximum taken out of the sum of
    /// exponentials so that neither huge nor tiny logits overflow or lose the result to rounding.
    ///
    /// x: (…, C) -> y: (…, C).
    public func logSoftmax() -> Tensor {
        FusedLoops.mapRows(self, cost: 8) { x, y, n in
            let (m, logSum) = Self.maxAndLogSumExp(x, n, scratch: y)
            for j in 0..<n { y[j] = (x[j] - m) - logSum }
        }
    }

    /// The row maximum m and log Σ exp(x[j] − m), so that log Σ exp(x) = m + logSum. Callers subtract the two
    /// parts separately: x − m is exact, while x − (m + logSum) would lose digits to rounding when |x| is large.
    /// `scratch` (n floats) holds the exponentials, so that computing and summing them are two vectorisable loops;
    /// the AVX-512 kernel, where enabled, sums them in registers instead.
    @inline(__always)
    static func maxAndLogSumExp(_ x: UnsafePointer<Float>, _ n: Int,
                                scratch: UnsafeMutablePointer<Float>) -> (max: Float, logSum: Float) {
        if VectorKernels.avx512Enabled {
            var m: Float = 0, sum: Float = 0
            ck_max_sum_exp_avx512(x, n, &m, &sum)
            return (m, Foundation.log(sum))
        }
        let m = FusedMath.max(x, n)
        for j in 0..<n { scratch[j] = FusedMath.exp(x[j] - m) }
        return (m, Foundation.log(FusedMath.sum(scratch, n)))
    }

    /// Backward of `logSoftmax` from its output: dx = dy − softmax ⊙ Σ_row dy, with softmax = exp(y).
    ///
    /// y: (…, C) the forward output, dy: (…, C) -> dx: (…, C).
    public static func logSoftmaxBackward(output y: Tensor, gradOutput dy: Tensor) -> Tensor {
        FusedLoops.mapRowPairs(y, dy, op: "logSoftmaxBackward", cost: 8) { y, g, dx, n in
            let total = FusedMath.sum(g, n)
            for j in 0..<n { dx[j] = g[j] - FusedMath.exp(y[j]) * total }
        }
    }
}
