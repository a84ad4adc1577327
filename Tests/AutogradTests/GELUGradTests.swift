import Autograd
import TensorCore
import XCTest

final class GELUGradTests: XCTestCase {
    func testGradcheck() throws {
        try assertGradientsMatch([gradcheckInput([4, 6], std: 2)]) { $0[0].gelu() }
    }
}
