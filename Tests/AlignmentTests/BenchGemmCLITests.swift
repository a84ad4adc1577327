import Foundation
import TestSupport
import XCTest

/// `tinyalign bench gemm --shape MxNxK[:ab]`: the shape a user types is the shape measured, and a malformed one is
/// refused on one line before any timing.
final class BenchGemmCLITests: XCTestCase {
    /// The JSON rows of one `bench gemm` run, by their "bench" field.
    private func rows(_ out: String, bench: String) throws -> [[String: Any]] {
        try out.split(separator: "\n").compactMap { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }.filter { $0["bench"] as? String == bench }
    }

    /// Odd sizes and a transposed A reach the measurement as typed, once per implementation, with a finite ratio.
    func testShapeOptionMeasuresTheTypedShape() throws {
        let run = try TinyAlignBinary.run(["bench", "gemm", "--shape", "17x9x33:tn", "--shape", "8x24x16", "--rounds", "1",
                                           "--threads", "1"])
        XCTAssertEqual(run.status, 0, run.err)
        let gemm = try rows(run.out, bench: "gemm")
        XCTAssertEqual(gemm.count, 4)
        let first = gemm.filter { $0["shape"] as? String == "shape 17x9x33:tn" }
        XCTAssertEqual(first.compactMap { $0["impl"] as? String }.sorted(), ["openblas", "own"])
        for row in first {
            XCTAssertEqual(row["m"] as? Int, 17)
            XCTAssertEqual(row["n"] as? Int, 9)
            XCTAssertEqual(row["k"] as? Int, 33)
            XCTAssertEqual(row["trans_a"] as? Bool, true)
            XCTAssertEqual(row["trans_b"] as? Bool, false)
        }
        let second = gemm.filter { $0["shape"] as? String == "shape 8x24x16" }
        XCTAssertEqual(second.count, 2)
        XCTAssertEqual(second.first?["trans_a"] as? Bool, false)
        XCTAssertEqual(second.first?["trans_b"] as? Bool, false)
        let ratios = try rows(run.out, bench: "gemm_ratio")
        XCTAssertEqual(ratios.count, 2)
        for ratio in ratios { XCTAssertGreaterThan(ratio["own_over_openblas"] as? Double ?? 0, 0) }
    }

    /// Two sizes, a zero, a letter other than N/T and a third flag are each a usage error naming the text typed.
    func testMalformedShapesAreRefused() throws {
        for bad in ["64x32", "64x0x32", "64x32x16:NX", "64x32x16:NNT", "ax32x16"] {
            let run = try TinyAlignBinary.run(["bench", "gemm", "--shape", bad, "--rounds", "1", "--threads", "1"])
            XCTAssertNotEqual(run.status, 0, bad)
            XCTAssertTrue(run.err.contains("--shape \(bad): expected MxNxK with positive sizes"), "\(bad): \(run.err)")
            XCTAssertTrue(try rows(run.out, bench: "gemm").isEmpty, bad)
        }
    }
}
