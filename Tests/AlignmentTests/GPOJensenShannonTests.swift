import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import XCTest

final class GPOJensenShannonTests: XCTestCase {
    /// Identical distributions score 1, disjoint one-hots score 0 in bits (divergence exactly 1 bit).
    func testExtremes() throws {
        XCTAssertEqual(try JensenShannon.score([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 1, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.divergence([1, 0], [0, 1], base: 2), 1, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.score([1, 0, 0], [0, 0, 1], base: 2), 0, accuracy: 1e-12)
    }

    /// The default is the natural log, as the GPO reference code's `scipy.spatial.distance.jensenshannon`
    /// (SciPy 1.17 printed these distances: 0.464501404022459, 0.8325546111576977 = √ln 2, 0.215901330055803).
    func testDefaultIsSciPysNaturalLog() throws {
        XCTAssertEqual(try JensenShannon.distance([1, 0], [0.5, 0.5]), 0.464501404022459, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.distance([1, 0], [0, 1]), 0.8325546111576977, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.distance([0.2, 0.3, 0.5], [0.1, 0.6, 0.3]), 0.215901330055803, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.distance([0.2, 0.3, 0.5], [0.1, 0.6, 0.3], base: 2), 0.25932392561682444, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.score([1, 0], [0, 1]), 1 - 0.8325546111576977, accuracy: 1e-12)
    }

    /// p = (1, 0), q = (½, ½), m = (¾, ¼): JSD = ½·log₂(4/3) + ½·(½·log₂(2/3) + ½·log₂ 2) = 0.311278…;
    /// distance = 0.557923…, score = 0.442077…
    func testHandComputedPair() throws {
        let expected = 0.5 * log2(4.0 / 3) + 0.5 * (0.5 * log2(2.0 / 3) + 0.5)
        XCTAssertEqual(expected, 0.3112781244591328, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.divergence([1, 0], [0.5, 0.5], base: 2), expected, accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.score([1, 0], [0.5, 0.5], base: 2), 1 - expected.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(try JensenShannon.score([2, 2], [1, 0], base: 2), 1 - expected.squareRoot(), accuracy: 1e-12,
                       "inputs are normalised first and the measure is symmetric")
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try JensenShannon.score([0.5, 0.5], [1, 0, 0]))
        XCTAssertThrowsError(try JensenShannon.score([0, 0], [1, 0]))
        XCTAssertThrowsError(try JensenShannon.score([-0.5, 1.5], [1, 0]))
    }
}
