import Autograd
import TensorCore
import XCTest

final class LogSigmoidGradTests: XCTestCase {
    func testGradcheck() throws {
        try assertGradientsMatch([gradcheckInput([4, 6], std: 4)]) { $0[0].logSigmoid() }
    }
}
