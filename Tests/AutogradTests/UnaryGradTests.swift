import Autograd
import TensorCore
import XCTest

final class UnaryGradTests: XCTestCase {
    private let x = randomTensor([3, 4], seed: 400, low: -2, high: 2)
    private let positive = randomTensor([3, 4], seed: 401, low: 0.5, high: 3)   // log, sqrt, pow domain

    func testExpLogSqrt() throws {
        try assertGradcheck([x]) { v in v[0].exp() }
        try assertGradcheck([positive]) { v in v[0].log() }
        try assertGradcheck([positive]) { v in v[0].sqrt() }
    }

    func testPowForSeveralExponents() throws {
        for p: Float in [2, 3, 0.5, -1.5] {
            try assertGradcheck([positive], "p = \(p)") { v in v[0].pow(p) }
        }
    }

    func testTanhSigmoid() throws {
        try assertGradcheck([x]) { v in v[0].tanh() }
        try assertGradcheck([x]) { v in v[0].sigmoid() }
    }

    /// Inputs at least 0.1 from the kink at 0, so ±ε never crosses it.
    func testReluAwayFromKink() throws {
        let awayFromZero = Tensor(shape: x.shape, x.scalars.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 })
        try assertGradcheck([awayFromZero]) { v in v[0].relu() }
    }

    func testComposition() throws {
        try assertGradcheck([x]) { v in try v[0].sigmoid() * v[0].tanh().exp() }
    }
}
