import Autograd
import TensorCore
import TestSupport
import XCTest

final class LinearGradTests: XCTestCase {
    func testForwardMatchesNaive() throws {
        var rng = SeededGenerator(seed: 5)
        let x = Tensor.normal([2, 3, 4], using: &rng), w = Tensor.normal([4, 5], using: &rng), b = Tensor.normal([5], using: &rng)
        let y = try LinearKernel.forward(x, weight: w, bias: b)
        XCTAssertEqual(y.shape, [2, 3, 5])
        var expected = [Float]()
        for r in 0..<6 { for j in 0..<5 {
            var s = Double(b[flat: j])
            for i in 0..<4 { s += Double(x[flat: r * 4 + i]) * Double(w[flat: i * 5 + j]) }
            expected.append(Float(s))
        } }
        assertClose(y.scalars, expected, rtol: 1e-5, atol: 1e-5)
    }

    /// Central differences, eps 1e-2, tolerance atol 1e-3 + rtol 1e-2, for x, W and b.
    func testGradcheck() throws {
        var rng = SeededGenerator(seed: 6)
        let inputs = [Tensor.normal([2, 3, 4], using: &rng), Tensor.normal([4, 5], using: &rng), Tensor.normal([5], using: &rng)]
        let r = try gradcheck(inputs: inputs) { v in try Variable.linear(v[0], weight: v[1], bias: v[2]) }
        XCTAssertTrue(r.passed, r.description)
        let noBias = try gradcheck(inputs: Array(inputs[0..<2])) { v in try Variable.linear(v[0], weight: v[1], bias: nil) }
        XCTAssertTrue(noBias.passed, noBias.description)
    }

    func testRejectsMismatchedWeight() {
        XCTAssertThrowsError(try LinearKernel.forward(.zeros([2, 3]), weight: .zeros([4, 5]), bias: nil)) { e in
            XCTAssertTrue("\(e)".contains("[2, 3]") && "\(e)".contains("[4, 5]"), "\(e)")
        }
    }
}
