import CKernels

extension Tensor {
    /// Softmax over the last axis. The row maximum is subtracted before `exp`, so logits like 1000 cannot overflow.
    ///
    /// x: (…, C) -> y: (…, C), each row sums to 1.
    public func softmax() -> Tensor {
        if VectorKernels.avx512Enabled {
            return FusedLoops.mapRows(self, cost: 8) { x, y, n in ck_softmax_row_avx512(x, y, n) }
        }
        return FusedLoops.mapRows(self, cost: 8) { x, y, n in
            let m = FusedMath.max(x, n)
            for j in 0..<n { y[j] = FusedMath.exp(x[j] - m) }
            let inv = 1 / FusedMath.sum(y, n)
            for j in 0..<n { y[j] *= inv }
        }
    }

    /// Backward of `softmax` from its output: dx = y ⊙ (dy − Σ_row dy ⊙ y).
    ///
    /// y: (…, C) the forward output, dy: (…, C) -> dx: (…, C).
    public static func softmaxBackward(output y: Tensor, gradOutput dy: Tensor) -> Tensor {
        if VectorKernels.avx512Enabled {
            return FusedLoops.mapRowPairs(y, dy, op: "softmaxBackward", cost: 2) { y, g, dx, n in
                ck_softmax_backward_row_avx512(y, g, dx, n)
            }
        }
        return FusedLoops.mapRowPairs(y, dy, op: "softmaxBackward", cost: 2) { y, g, dx, n in
            let dot = FusedMath.dot(g, y, n)
            for j in 0..<n { dx[j] = y[j] * (g[j] - dot) }
        }
    }
}
