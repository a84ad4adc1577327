import Autograd
import TensorCore
import XCTest

final class SoftplusGradTests: XCTestCase {
    func testGradcheck() throws {
        try assertGradientsMatch([gradcheckInput([4, 6], std: 4)]) { $0[0].softplus() }
    }
}
