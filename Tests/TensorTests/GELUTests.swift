import Foundation
import TensorCore
import TestSupport
import XCTest

final class GELUKernelTests: XCTestCase {
    /// GPT-2's tanh approximation in Float64.
    func reference(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }

    /// Spread values plus the far tails, where tanh saturates.
    var inputs: [Float] { FusedReference.values(40_000, std: 3) + [-30, -10, -5, 0, 5, 10, 30] }

    /// Runs `body` on the portable Swift kernel and on the AVX2 C kernel (where the CPU has it).
    func onBothPaths(_ body: (String) -> Void) {
        let saved = VectorKernels.enabled
        defer { VectorKernels.enabled = saved }
        for vector in [false, true] {
            VectorKernels.enabled = vector
            body(VectorKernels.enabled ? "avx2" : "swift")
        }
    }

    func testHandValues() {
        onBothPaths { path in
            assertClose(Tensor(shape: [3], [1, -1, 3]).gelu().scalars, [0.8411920, -0.1588080, 2.9963626], rtol: 1e-6, path)
        }
    }

    func testForwardMatchesFloat64Reference() {
        let x = inputs
        onBothPaths { path in
            assertClose(Tensor(shape: [x.count], x).gelu().scalars, x.map { Float(reference(Double($0))) },
                        rtol: 1e-5, atol: 1e-6, path)
        }
    }

    func testBackwardMatchesNumericDerivative() {
        let x = inputs, dy = FusedReference.values(x.count, seed: 4)
        let expected = zip(x, dy).map { Float(Double($1) * FusedReference.derivative(reference, at: Double($0))) }
        onBothPaths { path in
            let dx = Tensor.geluBackward(input: Tensor(shape: [x.count], x), gradOutput: Tensor(shape: [x.count], dy))
            assertClose(dx.scalars, expected, rtol: 1e-4, atol: 1e-5, path)
        }
    }

    /// Lengths 1…19 exercise the C kernel's zero-padded tail; both paths must agree to a few ulp.
    func testPathsAgreeOnShortTails() {
        for n in 1...19 {
            let x = FusedReference.values(n, std: 3, seed: UInt64(n)), t = Tensor(shape: [n], x)
            var outputs: [[Float]] = []
            onBothPaths { _ in outputs.append(t.gelu().scalars + Tensor.geluBackward(input: t, gradOutput: t).scalars) }
            assertClose(outputs[1], outputs[0], rtol: 1e-6, atol: 1e-7, "n = \(n)")
        }
    }
}
