import Foundation
import TensorCore
import TestSupport
import XCTest

final class UnaryTests: XCTestCase {
    private let x = randomTensor([7, 13], seed: 21, low: -3, high: 3)
    private let positive = randomTensor([7, 13], seed: 22, low: 0.1, high: 4)
    private let g = randomTensor([7, 13], seed: 23)

    func testForwardMatchesFoundation() {
        assertClose(x.exp().scalars, x.scalars.map { Foundation.exp($0) }, rtol: 1e-6, atol: 0)
        assertClose(positive.log().scalars, positive.scalars.map { Foundation.log($0) }, rtol: 1e-6, atol: 0)
        assertClose(positive.sqrt().scalars, positive.scalars.map { $0.squareRoot() }, rtol: 1e-6, atol: 0)
        assertClose(x.tanh().scalars, x.scalars.map { Foundation.tanh($0) }, rtol: 1e-6, atol: 0)
        assertClose(x.relu().scalars, x.scalars.map { Swift.max($0, 0) }, rtol: 0, atol: 0)
        assertClose(x.sigmoid().scalars, x.scalars.map { Float(1 / (1 + Foundation.exp(-Double($0)))) }, rtol: 1e-6, atol: 1e-7)
        for p: Float in [2, 3, 0.5, -1.5] {
            assertClose(positive.pow(p).scalars, positive.scalars.map { Float(Foundation.pow(Double($0), Double(p))) },
                        rtol: 1e-5, atol: 0, "p = \(p)")
        }
    }

    func testSigmoidStaysFiniteAndAccurateForLargeMagnitudes() {
        let big = Tensor(shape: [6], [-1000, -100, -30, 30, 100, 1000])
        let expected = big.scalars.map { Float(1 / (1 + Foundation.exp(-Double($0)))) }
        let y = big.sigmoid().scalars
        XCTAssertTrue(y.allSatisfy { $0.isFinite })
        assertClose(y, expected, rtol: 1e-6, atol: 0)
        XCTAssertGreaterThan(y[1], 0, "σ(-100) ≈ 3.7e-44 must not flush to a NaN or be lost to 1/(1+inf) rounding")
    }

    func testBackwardHelpersMatchDerivatives() {
        let (xs, ps, gs) = (x.scalars, positive.scalars, g.scalars)
        let e = x.exp()
        assertClose(Tensor.expBackward(y: e, grad: g).scalars, zip(xs, gs).map { Foundation.exp($0) * $1 }, rtol: 1e-6, atol: 0)
        assertClose(Tensor.logBackward(x: positive, grad: g).scalars, zip(ps, gs).map { $1 / $0 }, rtol: 1e-6, atol: 0)
        assertClose(Tensor.sqrtBackward(y: positive.sqrt(), grad: g).scalars, zip(ps, gs).map { $1 / (2 * $0.squareRoot()) },
                    rtol: 1e-6, atol: 0)
        assertClose(Tensor.powBackward(x: positive, p: 3, grad: g).scalars, zip(ps, gs).map { $1 * 3 * $0 * $0 }, rtol: 1e-5, atol: 0)
        assertClose(Tensor.tanhBackward(y: x.tanh(), grad: g).scalars,
                    zip(xs, gs).map { $1 * (1 - Foundation.tanh($0) * Foundation.tanh($0)) }, rtol: 1e-5, atol: 1e-7)
        assertClose(Tensor.sigmoidBackward(y: x.sigmoid(), grad: g).scalars,
                    zip(xs, gs).map { let s = 1 / (1 + Foundation.exp(-$0)); return $1 * s * (1 - s) }, rtol: 1e-5, atol: 1e-7)
        assertClose(Tensor.reluBackward(x: x, grad: g).scalars, zip(xs, gs).map { $0 > 0 ? $1 : 0 }, rtol: 0, atol: 0)
    }

    /// 200,000 elements: the parallel split must cover every element exactly once.
    func testLargeInputUsesEveryElement() {
        let big = randomTensor([200_000], seed: 24, low: -2, high: 2)
        assertClose(big.tanh().scalars, big.scalars.map { Foundation.tanh($0) }, rtol: 1e-6, atol: 0)
    }
}
