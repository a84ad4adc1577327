import Autograd
import TensorCore
import XCTest

final class RotaryEmbeddingGradTests: XCTestCase {
    /// (B, T, H·D) with two heads of 6; arbitrary angles per position and pair.
    func testGradcheck() throws {
        let angles = gradcheckInput([5, 3], std: 2, seed: 9).scalars
        let cos = Tensor(shape: [5, 3], angles.map { Foundation.cos($0) })
        let sin = Tensor(shape: [5, 3], angles.map { Foundation.sin($0) })
        try assertGradientsMatch([gradcheckInput([2, 5, 12], seed: 8)]) { v in
            try v[0].rotaryEmbedding(cos: cos, sin: sin, headDim: 6)
        }
    }
}

import Foundation
