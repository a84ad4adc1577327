import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import TensorCore
import TestSupport
import XCTest

/// ALGORITHMS.md §4, test vector B: one minibatch α update with the reference code's scaling (no 1/|B|).
final class TestVectorBTests: XCTestCase {
    let sizes = [600, 400, 500, 700, 800]
    let groups = [0, 3, 4, 4, 1, 2, 4, 3]
    let losses: [Float] = [2400, 2100, 1900, 2500, 2600, 2000, 1800, 2300]

    func testReferenceScaling() throws {
        var w = RobustWeighting(groupSizes: sizes, etaAlpha: 5e-7, referenceCodeScaling: true)
        let r = try w.objective(losses: Variable(Tensor(shape: [8], losses)), groups: groups)
        assertClose(w.lastGroupLosses, [12000, 19500, 12000, 18857.142857, 23250], rtol: 1e-6, atol: 0)
        assertClose(w.alpha, [0.1994880201, 0.2002375046, 0.1994880201, 0.2001731529, 0.2006133022], rtol: 0, atol: 1e-6)
        assertClose(r.value.item, 17131.29684, rtol: 1e-6, atol: 0)
    }

    func testUnbiasedScalingDividesByBatch() throws {
        var w = RobustWeighting(groupSizes: sizes, etaAlpha: 5e-7 * 8)
        let r = try w.objective(losses: Variable(Tensor(shape: [8], losses)), groups: groups)
        assertClose(w.lastGroupLosses, [12000, 19500, 12000, 18857.142857, 23250].map { $0 / 8 }, rtol: 1e-6, atol: 0)
        // η_α·8 with G/8 is the same α step as test vector B.
        assertClose(w.alpha, [0.1994880201, 0.2002375046, 0.1994880201, 0.2001731529, 0.2006133022], rtol: 0, atol: 1e-6)
        assertClose(r.value.item, 17131.29684 / 8, rtol: 1e-6, atol: 0)
    }

    func testChiZeroIsEqualWeightAverage() throws {
        var w = RobustWeighting(groupSizes: sizes, etaAlpha: 0.1, chi: 0)
        let r = try w.objective(losses: Variable(Tensor(shape: [8], losses)), groups: groups)
        XCTAssertEqual(w.alpha, Array(repeating: 0.2, count: 5))
        let g: [Float] = [12000, 19500, 12000, 18857.142857, 23250].map { $0 / 8 }
        assertClose(r.value.item, g.reduce(0, +) / 5, rtol: 1e-6, atol: 0)
    }

    func testRejectsUnknownGroup() {
        var w = RobustWeighting(groupSizes: sizes, etaAlpha: 0.1)
        XCTAssertThrowsError(try w.objective(losses: Variable(.zeros([2])), groups: [0, 7])) { e in
            XCTAssertTrue("\(e)".contains("group id 7"), "\(e)")
        }
    }
}
