import Autograd
import TensorCore
import XCTest

final class LogSoftmaxGradTests: XCTestCase {
    func testGradcheck() throws {
        try assertGradientsMatch([gradcheckInput([2, 3, 5], std: 2)]) { $0[0].logSoftmax() }
    }
}
