import Foundation
import TensorCore
import TestSupport
import XCTest

final class GELUKernelTests: XCTestCase {
    /// GPT-2's tanh approximation in Float64.
    func reference(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }

    /// Spread values plus the far tails, where tanh saturates.
    var inputs: [Float] { FusedReference.values(40_000, std: 3) + [-30, -10, -5, 0, 5, 10, 30] }

    func testHandValues() {
        assertClose(Tensor(shape: [3], [1, -1, 3]).gelu().scalars, [0.8411920, -0.1588080, 2.9963626], rtol: 1e-6)
    }

    func testForwardMatchesFloat64Reference() {
        let x = inputs
        assertClose(Tensor(shape: [x.count], x).gelu().scalars, x.map { Float(reference(Double($0))) }, rtol: 1e-5, atol: 1e-6)
    }

    func testBackwardMatchesNumericDerivative() {
        let x = inputs, dy = FusedReference.values(x.count, seed: 4)
        let dx = Tensor.geluBackward(input: Tensor(shape: [x.count], x), gradOutput: Tensor(shape: [x.count], dy))
        let expected = zip(x, dy).map { Float(Double($1) * FusedReference.derivative(reference, at: Double($0))) }
        assertClose(dx.scalars, expected, rtol: 1e-4, atol: 1e-5)
    }
}
