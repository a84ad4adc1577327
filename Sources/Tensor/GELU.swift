import Foundation

/// √(2/π), the slope of GPT-2's tanh approximation of GELU.
private let geluSlope: Float = 0.7978845608028654
/// The cubic coefficient of the same approximation.
private let geluCubic: Float = 0.044715

extension Tensor {
    /// GELU in GPT-2's tanh form (HF `gelu_new`): 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
    ///
    /// x: (…) -> (…).
    public func gelu() -> Tensor {
        FusedLoops.unary(self, cost: 16) { x in
            let t = Foundation.tanh(geluSlope * (x + geluCubic * x * x * x))
            return 0.5 * x * (1 + t)
        }
    }

    /// Backward of `gelu` from its input: dx = dy · (0.5 · (1 + t) + 0.5 · x · (1 − t²) · √(2/π) · (1 + 3 · 0.044715 · x²)),
    /// t = tanh(√(2/π) · (x + 0.044715 · x³)).
    ///
    /// x: (…) the forward input, dy: (…) -> dx: (…).
    public static func geluBackward(input x: Tensor, gradOutput dy: Tensor) -> Tensor {
        FusedLoops.binary(x, dy, op: "geluBackward", cost: 16) { x, g in
            let x2 = x * x
            let t = Foundation.tanh(geluSlope * (x + geluCubic * x2 * x))
            let du = geluSlope * (1 + 3 * geluCubic * x2)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        }
    }
}
