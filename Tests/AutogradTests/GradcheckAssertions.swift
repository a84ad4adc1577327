import Autograd
import TensorCore
import XCTest

/// Runs `gradcheck` with the tolerance every fused-op test uses, stated once: central differences with
/// ε = 1e-2 in Float32 pass when |analytic − numeric| ≤ 1e-3 + 1e-2·|numeric| for every element of every input.
func assertGradientsMatch(_ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line,
                          _ f: ([Variable]) throws -> Variable) throws {
    let result = try gradcheck(inputs: inputs, eps: 1e-2, atol: 1e-3, rtol: 1e-2, f)
    XCTAssertTrue(result.passed, "\(result)", file: file, line: line)
}

/// Deterministic normal test values of a shape.
func gradcheckInput(_ shape: [Int], std: Float = 1, seed: UInt64 = 1) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return Tensor.normal(shape, std: std, using: &rng)
}
