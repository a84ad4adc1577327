import Foundation
@testable import TensorCore
import XCTest

final class FusedMathTests: XCTestCase {
    /// The vectorisable exp against libm's double exp over the whole finite range, in relative error.
    func testExpIsWithinThreeUlpOverTheFiniteRange() {
        var worst: Float = 0
        for i in 0...200_000 {
            let x = -87 + Float(i) * (175.0 / 200_000)
            let expected = Foundation.exp(Double(x))
            let rel = Float(abs(Double(FusedMath.exp(x)) - expected) / expected)
            worst = max(worst, rel)
        }
        XCTAssertLessThan(worst, 3 * Float.ulpOfOne, "worst relative error \(worst)")
    }

    func testExpEdges() {
        XCTAssertEqual(FusedMath.exp(0), 1)
        XCTAssertEqual(FusedMath.exp(-1000), 0)
        XCTAssertEqual(FusedMath.exp(-.infinity), 0)
        XCTAssertEqual(FusedMath.exp(1000), .infinity)
        XCTAssertTrue(FusedMath.exp(.nan).isNaN)
    }

    func testReductionsHandleRemainders() {
        let a: [Float] = (0..<19).map { Float($0) - 4 }, b: [Float] = (0..<19).map { Float($0 % 3) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                XCTAssertEqual(FusedMath.sum(pa.baseAddress!, 19), a.reduce(0, +))
                XCTAssertEqual(FusedMath.max(pa.baseAddress!, 19), 14)
                XCTAssertEqual(FusedMath.dot(pa.baseAddress!, pb.baseAddress!, 19), zip(a, b).map { $0 * $1 }.reduce(0, +))
                let (s, s2) = FusedMath.centeredSums(pa.baseAddress!, 19, center: 5)
                XCTAssertEqual(s, a.map { $0 - 5 }.reduce(0, +))
                XCTAssertEqual(s2, a.map { ($0 - 5) * ($0 - 5) }.reduce(0, +))
            }
        }
    }
}
