import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import Foundation
import TensorCore
import TestSupport
import XCTest

/// DPO's value and its gradients with respect to the log-probs against the closed forms of ALGORITHMS.md §2.
final class DPOLossTests: XCTestCase {
    let pc: [Float] = [-12.5, -30.25, -8]
    let pr: [Float] = [-14, -29, -8.5]
    let rc: [Float] = [-13, -30, -9]
    let rr: [Float] = [-13.5, -29.5, -8]

    func batch() -> (PairLogProbs, Variable, Variable) {
        let c = Variable(Tensor(shape: [3], pc), requiresGrad: true), r = Variable(Tensor(shape: [3], pr), requiresGrad: true)
        return (PairLogProbs(policyChosen: c, policyRejected: r, referenceChosen: Tensor(shape: [3], rc),
                             referenceRejected: Tensor(shape: [3], rr)), c, r)
    }

    func testValueAndGradientsMatchClosedForm() throws {
        let beta: Float = 0.1
        let (b, c, r) = batch()
        let loss = try DPOLoss(beta: beta).perPairLoss(b)
        loss.sum().backward()
        for i in 0..<3 {
            let h = Double((pc[i] - rc[i]) - (pr[i] - rr[i]))
            let expected = log1p(exp(-Double(beta) * h))
            XCTAssertEqual(Double(loss.value[flat: i]), expected, accuracy: 1e-6)
            let s = 1 / (1 + exp(Double(beta) * h))           // σ(−βh)
            XCTAssertEqual(Double(c.grad![flat: i]), -Double(beta) * s, accuracy: 1e-6)
            XCTAssertEqual(Double(r.grad![flat: i]), Double(beta) * s, accuracy: 1e-6)
        }
    }

    func testLossIsLn2WhenPolicyEqualsReference() throws {
        let c = Variable(Tensor(shape: [3], rc), requiresGrad: true), r = Variable(Tensor(shape: [3], rr), requiresGrad: true)
        let b = PairLogProbs(policyChosen: c, policyRejected: r, referenceChosen: Tensor(shape: [3], rc), referenceRejected: Tensor(shape: [3], rr))
        let loss = try DPOLoss().perPairLoss(b).mean()
        XCTAssertEqual(loss.value.item, Float(log(2.0)), accuracy: 1e-7)
    }

    func testOtherLossesMatchTheirFormulas() throws {
        let beta: Float = 0.5
        let (b, _, _) = batch()
        let h = (0..<3).map { Double((pc[$0] - rc[$0]) - (pr[$0] - rr[$0])) }
        let ipo = try IPOLoss(beta: beta).perPairLoss(b).value.scalars
        let hinge = try HingeLoss(beta: beta).perPairLoss(b).value.scalars
        let cdpo = try ConservativeDPOLoss(beta: beta, labelSmoothing: 0.2).perPairLoss(b).value.scalars
        func logSigmoid(_ x: Double) -> Double { -log1p(exp(-x)) }
        for i in 0..<3 {
            XCTAssertEqual(Double(ipo[i]), pow(h[i] - 1 / (2 * Double(beta)), 2), accuracy: 1e-5)
            XCTAssertEqual(Double(hinge[i]), max(0, 1 - Double(beta) * h[i]), accuracy: 1e-6)
            XCTAssertEqual(Double(cdpo[i]), -0.8 * logSigmoid(Double(beta) * h[i]) - 0.2 * logSigmoid(-Double(beta) * h[i]), accuracy: 1e-6)
        }
    }

    func testSimPOUsesLengthNormalisedLogProbsAndNoReference() throws {
        let c = Variable(Tensor(shape: [2], [-10, -6]), requiresGrad: true), r = Variable(Tensor(shape: [2], [-12, -3]), requiresGrad: true)
        let b = PairLogProbs(policyChosen: c, policyRejected: r, referenceChosen: .full([2], 99), referenceRejected: .full([2], -99),
                             chosenLengths: [5, 2], rejectedLengths: [4, 3])
        let l = try SimPOLoss(beta: 2, gamma: 0.5).perPairLoss(b).value.scalars
        let margins: [Double] = [-10.0 / 5 + 12.0 / 4, -6.0 / 2 + 3.0 / 3]
        for i in 0..<2 { XCTAssertEqual(Double(l[i]), log1p(exp(-(2 * margins[i] - 0.5))), accuracy: 1e-6) }
    }
}
