import Autograd
import TensorCore
import XCTest

/// The tolerance every gradcheck in these tests uses unless a test states its own: central differences with
/// ε = 1e-2 in Float32, passing when |analytic − numeric| ≤ 1e-3 + 1e-2·|numeric| for every element.
enum GradTolerance {
    static let eps: Float = 1e-2
    static let atol = 1e-3
    static let rtol = 1e-2
}

/// Runs `gradcheck` on `f` at `inputs` and fails the test with the worst element when it does not pass.
func assertGradcheck(_ inputs: [Tensor], eps: Float = GradTolerance.eps, atol: Double = GradTolerance.atol,
                     rtol: Double = GradTolerance.rtol, _ message: String = "",
                     file: StaticString = #filePath, line: UInt = #line,
                     _ f: ([Variable]) throws -> Variable) throws {
    let result = try gradcheck(inputs: inputs, eps: eps, atol: atol, rtol: rtol, f)
    XCTAssertTrue(result.passed, "\(result) \(message)", file: file, line: line)
}

/// A tensor of uniform values from a fixed seed.
func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, using: &rng)
}
