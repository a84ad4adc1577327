import Foundation
import TensorCore
import TestSupport
import XCTest

final class GELUKernelTests: XCTestCase {
    /// GPT-2's tanh approximation in Float64.
    func reference(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }

    /// Spread values plus the far tails, where tanh saturates.
    var inputs: [Float] { FusedReference.values(40_000, std: 3) + [-30, -10, -5, 0, 5, 10, 30] }

    /// Runs `body` on the portable Swift kernel, on the AVX2 C kernel and on the AVX-512 one (each where the CPU
    /// has it).
    func onAllPaths(_ body: (String) -> Void) {
        let saved = (VectorKernels.enabled, VectorKernels.avx512Enabled)
        defer { (VectorKernels.enabled, VectorKernels.avx512Enabled) = saved }
        for (vector, wide) in [(false, false), (true, false), (true, true)] {
            VectorKernels.enabled = vector
            VectorKernels.avx512Enabled = wide
            body(VectorKernels.avx512Enabled ? "avx512" : VectorKernels.enabled ? "avx2" : "swift")
        }
    }

    func testHandValues() {
        onAllPaths { path in
            assertClose(Tensor(shape: [3], [1, -1, 3]).gelu().scalars, [0.8411920, -0.1588080, 2.9963626], rtol: 1e-6, path)
        }
    }

    func testForwardMatchesFloat64Reference() {
        let x = inputs
        onAllPaths { path in
            assertClose(Tensor(shape: [x.count], x).gelu().scalars, x.map { Float(reference(Double($0))) },
                        rtol: 1e-5, atol: 1e-6, path)
        }
    }

    func testBackwardMatchesNumericDerivative() {
        let x = inputs, dy = FusedReference.values(x.count, seed: 4)
        let expected = zip(x, dy).map { Float(Double($1) * FusedReference.derivative(reference, at: Double($0))) }
        onAllPaths { path in
            let dx = Tensor.geluBackward(input: Tensor(shape: [x.count], x), gradOutput: Tensor(shape: [x.count], dy))
            assertClose(dx.scalars, expected, rtol: 1e-4, atol: 1e-5, path)
        }
    }

    /// Lengths 1…19 exercise the C kernels' masked tails; every path must agree with Swift's to a few ulp.
    func testPathsAgreeOnShortTails() {
        for n in 1...19 {
            let x = FusedReference.values(n, std: 3, seed: UInt64(n)), t = Tensor(shape: [n], x)
            var outputs: [[Float]] = []
            onAllPaths { _ in outputs.append(t.gelu().scalars + Tensor.geluBackward(input: t, gradOutput: t).scalars) }
            assertClose(outputs[1], outputs[0], rtol: 1e-6, atol: 1e-7, "n = \(n)")
            assertClose(outputs[2], outputs[0], rtol: 1e-6, atol: 1e-7, "n = \(n)")
        }
    }

    /// The two C widths run the same operations in the same order, so they give the same bits, on whole
    /// vectors and on every tail length.
    func testBothWidthsGiveTheSameBits() throws {
        try XCTSkipUnless(VectorKernels.avx512Available, "this CPU has no AVX-512")
        let x = FusedReference.values(4099, std: 3, seed: 9) + [-30, -10, 0, 10, 30]
        for n in [1, 7, 8, 15, 16, 17, 33, x.count] {
            let t = Tensor(shape: [n], Array(x[0..<n]))
            var outputs: [String: [Float]] = [:]
            onAllPaths { path in outputs[path] = t.gelu().scalars + Tensor.geluBackward(input: t, gradOutput: t).scalars }
            XCTAssertEqual(outputs["avx512"], outputs["avx2"], "n = \(n)")
        }
    }
}
