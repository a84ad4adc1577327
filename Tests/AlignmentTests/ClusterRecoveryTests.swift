import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Foundation
import XCTest

/// Cluster accuracy under the best matching, the adjusted Rand index and the E-step, against hand computation.
final class ClusterRecoveryTests: XCTestCase {
    func testAccuracyUnderBestMatching() throws {
        // clusters 0→1 (2 right), 1→0 (2 right), 2→2 (1 right): 5 of 6
        XCTAssertEqual(try ClusterRecovery.accuracy(predicted: [0, 0, 1, 1, 2, 2], truth: [1, 1, 0, 0, 0, 2]), 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(try ClusterRecovery.accuracy(predicted: [1, 1, 0, 0], truth: [0, 0, 1, 1]), 1)
        // more clusters than groups: only two clusters can be matched
        XCTAssertEqual(try ClusterRecovery.accuracy(predicted: [0, 1, 2, 3], truth: [0, 0, 1, 1]), 0.5)
        // fewer clusters than groups
        XCTAssertEqual(try ClusterRecovery.accuracy(predicted: [0, 0, 0, 0, 0], truth: [0, 1, 2, 2, 2]), 0.6, accuracy: 1e-12)
        // a matching greedy by largest cell would miss: 0→0 (3) forces 1→1 (0); the best is 0→1, 1→0 = 2 + 2
        XCTAssertEqual(try ClusterRecovery.accuracy(predicted: [0, 0, 0, 0, 0, 1, 1], truth: [0, 0, 0, 1, 1, 0, 0]), 4.0 / 7, accuracy: 1e-12)
    }

    func testRejectsMismatchedLabels() {
        XCTAssertThrowsError(try ClusterRecovery.accuracy(predicted: [0, 1], truth: [0]))
        XCTAssertThrowsError(try ClusterRecovery.adjustedRandIndex([0, -1], [0, 1]))
    }

    func testAdjustedRandIndex() throws {
        // contingency [[2,1,0],[0,1,2]]: Σ C(n_ij,2) = 2, rows 3+3 = 6, columns 1+1+1 = 3, C(6,2) = 15
        // expected 6·3/15 = 1.2, max (6+3)/2 = 4.5: ARI = (2 − 1.2)/(4.5 − 1.2) = 0.8/3.3
        XCTAssertEqual(try ClusterRecovery.adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 0.8 / 3.3, accuracy: 1e-12)
        XCTAssertEqual(try ClusterRecovery.adjustedRandIndex([0, 0, 1, 1, 2], [2, 2, 0, 0, 1]), 1, accuracy: 1e-12)
        // [[1,1],[1,1]]: index 0, expected 2·2/6 = 2/3, max 2: (0 − 2/3)/(2 − 2/3) = −0.5
        XCTAssertEqual(try ClusterRecovery.adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]), -0.5, accuracy: 1e-12)
    }

    func testPosteriorsAndLogLikelihood() {
        // annotator 0 has lists 0 and 2, annotator 1 list 1; priors (0.25, 0.75)
        let ll: [[Double]] = [[-1, -2], [-0.5, -0.1], [-0.3, -1.3]]
        let r = EMDPO.posteriors(listLogLikelihoods: ll, annotatorOfList: [0, 1, 0], annotators: 3, priors: [0.25, 0.75])
        // u0: 0.25·e^−1.3 vs 0.75·e^−3.3 ; u1: 0.25·e^−0.5 vs 0.75·e^−0.1 ; u2 (no data): the priors
        let a0 = 0.25 * exp(-1.3), b0 = 0.75 * exp(-3.3), a1 = 0.25 * exp(-0.5), b1 = 0.75 * exp(-0.1)
        XCTAssertEqual(r.posteriors[0][0], a0 / (a0 + b0), accuracy: 1e-12)
        XCTAssertEqual(r.posteriors[1][1], b1 / (a1 + b1), accuracy: 1e-12)
        XCTAssertEqual(r.posteriors[2][0], 0.25, accuracy: 1e-12)
        XCTAssertEqual(r.logLikelihood, log(a0 + b0) + log(a1 + b1) + log(1.0), accuracy: 1e-12)
    }
}
