import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import XCTest

final class GPOJensenShannonTests: XCTestCase {
    /// Identical distributions score 1, disjoint one-hots score 0 (divergence exactly 1 bit).
    func testExtremes() throws {
        XCTAssertEqual(try JensenShannon.score([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 1, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.divergence([1, 0], [0, 1]), 1, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.score([1, 0, 0], [0, 0, 1]), 0, accuracy: 1e-12)
    }

    /// p = (1, 0), q = (½, ½), m = (¾, ¼): JSD = ½·log₂(4/3) + ½·(½·log₂(2/3) + ½·log₂ 2) = 0.311278…;
    /// distance = 0.557923…, score = 0.442077…
    func testHandComputedPair() throws {
        let expected = 0.5 * log2(4.0 / 3) + 0.5 * (0.5 * log2(2.0 / 3) + 0.5)
        XCTAssertEqual(expected, 0.3112781244591328, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.divergence([1, 0], [0.5, 0.5]), expected, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.score([1, 0], [0.5, 0.5]), 1 - expected.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.score([2, 2], [1, 0]), 1 - expected.squareRoot(), accuracy: 1e-12,
                       "inputs are normalised first and the measure is symmetric")
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try JensenShannon.score([0.5, 0.5], [1, 0, 0]))
        XCTAssertThrowsError(try JensenShannon.score([0, 0], [1, 0]))
        XCTAssertThrowsError(try JensenShannon.score([-0.5, 1.5], [1, 0]))
    }
}
