import TensorCore

/// Outcome of comparing analytic gradients with central differences.
public struct GradcheckResult: CustomStringConvertible {
    /// Largest |analytic − numeric| over all checked elements.
    public var maxAbsError: Double
    /// The element with the worst error, as (input index, flat element index).
    public var worst: (input: Int, element: Int)
    /// True when every element satisfies |a − n| ≤ atol + rtol·|n|.
    public var passed: Bool
    /// A one-line summary for test failures.
    public var description: String {
        "gradcheck \(passed ? "passed" : "FAILED"): max abs error \(maxAbsError) at input \(worst.input) element \(worst.element)"
    }
}

/// Checks the gradients of `f` at `inputs` by central differences.
///
/// The output is projected on a fixed random tensor `R` (seeded), so the check covers the whole Jacobian:
/// `L(x) = Σ f(x) · R`. Analytic: `backward(seed: R)`. Numeric: `(L(x + ε e_j) − L(x − ε e_j)) / 2ε`, summed in
/// Float64. With Float32 arithmetic, ε = 1e-2 balances truncation error (O(ε²)) against rounding (O(1e-7/ε)),
/// so the default tolerance is atol 1e-3 + rtol 1e-2.
public func gradcheck(inputs: [Tensor], eps: Float = 1e-2, atol: Double = 1e-3, rtol: Double = 1e-2, seed: UInt64 = 7,
                      _ f: ([Variable]) throws -> Variable) throws -> GradcheckResult {
    let vars = inputs.map { Variable($0, requiresGrad: true) }
    let out = try f(vars)
    var rng = SeededGenerator(seed: seed)
    let projection = Tensor.uniform(out.shape, low: -1, high: 1, using: &rng)
    out.backward(seed: projection)

    func projectedLoss(_ xs: [Tensor]) throws -> Double {
        let y = try withNoGrad { try f(xs.map { Variable($0) }) }.value
        var s = 0.0
        for i in 0..<y.count { s += Double(y[flat: i]) * Double(projection[flat: i]) }
        return s
    }

    var result = GradcheckResult(maxAbsError: 0, worst: (0, 0), passed: true)
    for (i, x) in inputs.enumerated() {
        let analytic = vars[i].grad ?? Tensor.zeros(x.shape)
        for j in 0..<x.count {
            var plus = inputs, minus = inputs
            plus[i][flat: j] += eps
            minus[i][flat: j] -= eps
            let numeric = (try projectedLoss(plus) - projectedLoss(minus)) / (2 * Double(eps))
            let err = abs(Double(analytic[flat: j]) - numeric)
            if err > result.maxAbsError { result.maxAbsError = err; result.worst = (i, j) }
            if err > atol + rtol * abs(numeric) { result.passed = false }
        }
    }
    return result
}
