import Autograd
import TensorCore
import XCTest

final class CausalSelfAttentionGradTests: XCTestCase {
    /// Central differences, eps 1e-2, tolerance atol 1e-3 + rtol 1e-2.
    func testGradcheck() throws {
        var rng = SeededGenerator(seed: 11)
        let qkv = Tensor.normal([2, 5, 3 * 6], std: 0.7, using: &rng)
        let result = try gradcheck(inputs: [qkv]) { v in try Variable.causalSelfAttention(qkv: v[0], heads: 2) }
        XCTAssertTrue(result.passed, result.description)
    }
}
