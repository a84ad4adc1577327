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

/// The Plackett–Luce loss: equal to DPO on pairs, hand-computed values on rankings, gradcheck.
final class PlackettLuceLossTests: XCTestCase {
    let pc: [Float] = [-12.5, -30.25, -8]
    let pr: [Float] = [-14, -29, -8.5]
    let rc: [Float] = [-13, -30, -9]
    let rr: [Float] = [-13.5, -29.5, -8]

    func testTwoResponsesEqualDPOLossAndGradients() throws {
        let beta: Float = 0.3
        func run(_ pl: Bool) throws -> ([Float], [Float], [Float]) {
            let c = Variable(Tensor(shape: [3], pc), requiresGrad: true), r = Variable(Tensor(shape: [3], pr), requiresGrad: true)
            let loss: Variable
            if pl {
                // the ranking path: responses of each list side by side, ranking [0] of [chosen, rejected]
                let flat = try Variable.concat([c.reshaped([3, 1]), r.reshaped([3, 1])], axis: 1).reshaped([6])
                let ref = Tensor(shape: [6], zip(rc, rr).flatMap { [$0, $1] })
                loss = try PlackettLuceLoss(beta: beta).perListLoss(policy: flat, reference: ref,
                    lists: (0..<3).map { RankedList(offset: 2 * $0, count: 2, ranking: [0]) })
            } else {
                loss = try DPOLoss(beta: beta).perPairLoss(PairLogProbs(policyChosen: c, policyRejected: r,
                    referenceChosen: Tensor(shape: [3], rc), referenceRejected: Tensor(shape: [3], rr)))
            }
            try (loss * Variable(Tensor(shape: [3], [1, -0.5, 2]))).sum().backward()
            return (loss.value.scalars, c.grad!.scalars, r.grad!.scalars)
        }
        let (lp, cp, rp) = try run(true), (ld, cd, rd) = try run(false)
        assertClose(lp, ld, rtol: 0, atol: 1e-6)
        assertClose(cp, cd, rtol: 0, atol: 1e-6)
        assertClose(rp, rd, rtol: 0, atol: 1e-6)
        // and through the PreferenceLoss interface (registered as "pl")
        let c = Variable(Tensor(shape: [3], pc)), r = Variable(Tensor(shape: [3], pr))
        let viaPairs = try PlackettLuceLoss(beta: beta).perPairLoss(PairLogProbs(policyChosen: c, policyRejected: r,
            referenceChosen: Tensor(shape: [3], rc), referenceRejected: Tensor(shape: [3], rr)))
        assertClose(viaPairs.value.scalars, ld, rtol: 0, atol: 1e-6)
    }

    func testHandComputedRankings() throws {
        // r = (1, 2, 0.5), ranking 1 ≻ 0 ≻ 2:  −[2 − lse(1, 2, 0.5)] − [1 − lse(1, 0.5)] = 0.938445768…
        // top-1 only (ranking [1]):             lse(1, 2, 0.5) − 2                      = 0.464368784…
        // top-2 of 4, r = (0.3, −1, 2, 0.7), ranking 2 ≻ 3 ≻ {0, 1}:
        //                 −[2 − lse(0.3, −1, 2, 0.7)] − [0.7 − lse(0.3, −1, 0.7)]       = 1.025602357…
        let r = Variable(Tensor(shape: [7], [1, 2, 0.5, 0.3, -1, 2, 0.7]))
        let loss = try Variable.plackettLuceNLL(rewards: r, lists: [
            RankedList(offset: 0, count: 3, ranking: [1, 0, 2]),
            RankedList(offset: 0, count: 3, ranking: [1]),
            RankedList(offset: 3, count: 4, ranking: [2, 3]),
            RankedList(offset: 0, count: 3, ranking: [1, 0]),      // n−1 placed = the full ranking
        ])
        assertClose(loss.value.scalars, [0.938445768, 0.464368784, 1.025602357, 0.938445768],
                    rtol: 0, atol: 1e-6)
    }

    func testGradcheck() throws {
        var rng = SeededGenerator(seed: 3)
        let lists = [RankedList(offset: 0, count: 3, ranking: [2, 0, 1]), RankedList(offset: 3, count: 4, ranking: [1]),
                     RankedList(offset: 7, count: 2, ranking: [1, 0]), RankedList(offset: 0, count: 3, ranking: [0]),
                     RankedList(offset: 3, count: 4, ranking: [3, 0])]
        let result = try gradcheck(inputs: [Tensor.normal([9], using: &rng), Tensor.normal([5], using: &rng)]) { v in
            let nll = try PlackettLuceLoss(beta: 0.7).perListLoss(policy: v[0], reference: Tensor(shape: [9], repeating: 0.25),
                                                                  lists: lists)
            return try (nll * v[1]).sum()     // a random weighting of the lists makes every output's gradient count
        }
        XCTAssertTrue(result.passed, "\(result)")
    }

    func testRejectsMalformedLists() {
        let r = Variable(Tensor(shape: [3], [0, 1, 2]))
        XCTAssertThrowsError(try Variable.plackettLuceNLL(rewards: r, lists: [RankedList(order: [0, 0], unranked: [1])]))
        XCTAssertThrowsError(try Variable.plackettLuceNLL(rewards: r, lists: [RankedList(order: [0], unranked: [5])]))
        XCTAssertThrowsError(try Variable.plackettLuceNLL(rewards: r, lists: [RankedList(order: [1])]))
    }
}
