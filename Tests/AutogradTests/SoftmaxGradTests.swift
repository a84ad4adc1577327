import Autograd
import TensorCore
import TestSupport
import XCTest

final class SoftmaxGradTests: XCTestCase {
    func testGradcheck() throws {
        try assertGradientsMatch([gradcheckInput([2, 3, 5], std: 2)]) { $0[0].softmax() }
    }

    func testValueIsTheKernelOutput() {
        let x = gradcheckInput([4, 7])
        XCTAssertEqual(Variable(x).softmax().value.scalars, x.softmax().scalars)
    }
}
