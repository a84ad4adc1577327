import Autograd
import TensorCore
import XCTest

final class GatedActivationGradTests: XCTestCase {
    func testSiLUGradcheck() throws {
        try assertGradientsMatch([gradcheckInput([3, 7], std: 2, seed: 1)]) { v in v[0].silu() }
    }

    /// SwiGLU: d gate and d up (inputs 0 and 1).
    func testSwiGLUGradcheck() throws {
        let inputs = [gradcheckInput([2, 3, 5], std: 2, seed: 2), gradcheckInput([2, 3, 5], seed: 3)]
        try assertGradientsMatch(inputs) { v in try Variable.gated(gate: v[0], up: v[1], activation: .silu) }
    }

    /// GeGLU with the tanh GELU (Gemma).
    func testGeGLUGradcheck() throws {
        let inputs = [gradcheckInput([4, 6], std: 2, seed: 4), gradcheckInput([4, 6], seed: 5)]
        try assertGradientsMatch(inputs) { v in try Variable.gated(gate: v[0], up: v[1], activation: .geluTanh) }
    }

    func testMismatchedShapesThrow() {
        XCTAssertThrowsError(try Variable.gated(gate: Variable(.zeros([2, 3])), up: Variable(.zeros([3, 2])), activation: .silu))
    }
}
