import Foundation
import TensorCore

/// Naive Float64 references for the fused kernels, row by row, written as plainly as possible.
enum FusedReference {
    /// Splits `values` into rows of `cols`, widened to Double.
    static func rows(_ values: [Float], cols: Int) -> [[Double]] {
        stride(from: 0, to: values.count, by: cols).map { values[$0..<$0 + cols].map(Double.init) }
    }

    /// log Σ exp(row), with the maximum taken out.
    static func logSumExp(_ row: [Double]) -> Double {
        let m = row.max()!
        return m + log(row.map { exp($0 - m) }.reduce(0, +))
    }

    /// Deterministic test values, normal with the given spread.
    static func values(_ count: Int, std: Float = 1, seed: UInt64 = 3) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return Tensor.normal([count], std: std, using: &rng).scalars
    }

    /// Central difference of a scalar Double function, to check elementwise derivatives independently of
    /// the closed forms the kernels use.
    static func derivative(_ f: (Double) -> Double, at x: Double, h: Double = 1e-6) -> Double {
        (f(x + h) - f(x - h)) / (2 * h)
    }
}
