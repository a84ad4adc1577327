import CKernels

/// The elementwise AdamW update over a flat slice of parameters, gradients and both moments: the Swift loop
/// (vectorised to SSE by LLVM) or, where `VectorKernels.avx512Enabled`, the same operations 16 lanes wide in C
/// (`ck_adamw_step_avx512`, identical bits). The optimizer (Autograd's AdamW) owns the schedule and state.
public enum AdamWKernel {
    /// The per-step scalars, rounded once to Float from their Float64 values.
    public struct Coefficients {
        /// 1 − lr·weightDecay, or 1 for parameters without decay.
        public var decay: Float
        /// 1 − β₁.
        public var oneMinusBeta1: Float
        /// β₂.
        public var beta2: Float
        /// 1 − β₂.
        public var oneMinusBeta2: Float
        /// lr / (1 − β₁ᵗ).
        public var stepSize: Float
        /// sqrt(1 − β₂ᵗ).
        public var correction2Sqrt: Float
        /// Added to the denominator for numerical safety.
        public var eps: Float

        /// Memberwise; see the properties.
        public init(decay: Float, oneMinusBeta1: Float, beta2: Float, oneMinusBeta2: Float, stepSize: Float,
                    correction2Sqrt: Float, eps: Float) {
            (self.decay, self.oneMinusBeta1, self.beta2, self.oneMinusBeta2) = (decay, oneMinusBeta1, beta2, oneMinusBeta2)
            (self.stepSize, self.correction2Sqrt, self.eps) = (stepSize, correction2Sqrt, eps)
        }
    }

    /// m ← m + (1 − β₁)(g − m); v ← β₂v + (1 − β₂)g²; w ← w·decay − stepSize·m / (√v / correction2Sqrt + eps),
    /// for the elements in `range` of the four buffers.
    public static func step(w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                            v: UnsafeMutablePointer<Float>, range: Range<Int>, _ c: Coefficients) {
        if VectorKernels.avx512Enabled {
            let lo = range.lowerBound
            ck_adamw_step_avx512(w + lo, g + lo, m + lo, v + lo, range.count, c.decay, c.oneMinusBeta1, c.beta2,
                                 c.oneMinusBeta2, c.stepSize, c.correction2Sqrt, c.eps)
            return
        }
        for i in range {
            let gi = g[i]
            let mi = m[i] + c.oneMinusBeta1 * (gi - m[i])
            let vi = c.beta2 * v[i] + c.oneMinusBeta2 * gi * gi
            m[i] = mi
            v[i] = vi
            w[i] = w[i] * c.decay - c.stepSize * mi / (vi.squareRoot() / c.correction2Sqrt + c.eps)
        }
    }
}
