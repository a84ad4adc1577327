import Alignment
import Autograd
import Foundation
import TensorCore
import XCTest

/// The SFT (RPO) term `align` and EM-DPO's M-steps share: its value and gradient against the closed form
/// −α Σ w_i log π_i / Σ |y_i|, with and without per-example weights.
final class ChosenSFTTermTests: XCTestCase {
    let logps: [Float] = [-3.5, -10, -0.25]
    let tokens = [2, 5, 1]

    func testUnweightedIsTheNegativeLogLikelihoodPerChosenToken() throws {
        let lp = Variable(Tensor(shape: [3], logps), requiresGrad: true)
        let term = try ChosenSFTTerm.objective(chosenLogProbs: lp, tokens: tokens, weight: 0.2)
        term.backward()
        XCTAssertEqual(Double(term.value[flat: 0]), 0.2 * (3.5 + 10 + 0.25) / 8, accuracy: 1e-6)
        for i in 0..<3 { XCTAssertEqual(Double(lp.grad![flat: i]), -0.2 / 8, accuracy: 1e-7) }
    }

    func testPosteriorWeightsScaleEachExampleButNotTheTokenCount() throws {
        let lp = Variable(Tensor(shape: [3], logps), requiresGrad: true)
        let w: [Float] = [0.9, 0.1, 0.5]
        let term = try ChosenSFTTerm.objective(chosenLogProbs: lp, tokens: tokens, weight: 2, exampleWeights: w)
        term.backward()
        XCTAssertEqual(Double(term.value[flat: 0]), -2 * (0.9 * -3.5 + 0.1 * -10 + 0.5 * -0.25) / 8, accuracy: 1e-6)
        for i in 0..<3 { XCTAssertEqual(Double(lp.grad![flat: i]), -2 * Double(w[i]) / 8, accuracy: 1e-7) }
    }
}
