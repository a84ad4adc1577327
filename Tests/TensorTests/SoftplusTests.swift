import Foundation
import TensorCore
import TestSupport
import XCTest

final class SoftplusKernelTests: XCTestCase {
    /// log(1 + eˣ) in Float64, written the stable way so the reference itself cannot overflow.
    static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }

    var inputs: [Float] { FusedReference.values(40_000, std: 8) + [-100, -30, 0, 30, 100] }

    func testExtremesStayFinite() {
        let y = Tensor(shape: [5], [100, -100, 0, 1e30, -1e30]).softplus().scalars
        assertClose(y, [100, 3.7200760e-44, 0.69314718, 1e30, 0], rtol: 1e-6, atol: 1e-45)
        let l = Tensor(shape: [3], [-100, 100, 0]).logSigmoid().scalars
        assertClose(l, [-100, -3.7200760e-44, -0.69314718], rtol: 1e-6, atol: 1e-45)
    }

    func testForwardMatchesFloat64Reference() {
        let x = inputs
        assertClose(Tensor(shape: [x.count], x).softplus().scalars, x.map { Float(Self.softplus(Double($0))) }, rtol: 1e-6, atol: 1e-7)
        assertClose(Tensor(shape: [x.count], x).logSigmoid().scalars, x.map { Float(-Self.softplus(-Double($0))) },
                    rtol: 1e-6, atol: 1e-7)
    }

    func testBackwardsMatchNumericDerivatives() {
        let x = inputs, dy = FusedReference.values(x.count, seed: 4)
        let (xt, dyt) = (Tensor(shape: [x.count], x), Tensor(shape: [x.count], dy))
        let dsp = Tensor.softplusBackward(input: xt, gradOutput: dyt)
        let dls = Tensor.logSigmoidBackward(input: xt, gradOutput: dyt)
        let sp = zip(x, dy).map { Float(Double($1) * FusedReference.derivative(Self.softplus, at: Double($0))) }
        let ls = zip(x, dy).map { Float(Double($1) * FusedReference.derivative({ -Self.softplus(-$0) }, at: Double($0))) }
        assertClose(dsp.scalars, sp, rtol: 1e-5, atol: 1e-7)
        assertClose(dls.scalars, ls, rtol: 1e-5, atol: 1e-7)
        XCTAssertEqual(Tensor.softplusBackward(input: Tensor(shape: [2], [-1000, 1000]), gradOutput: .ones([2])).scalars, [0, 1])
    }
}
