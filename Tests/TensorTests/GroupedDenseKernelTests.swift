@testable import TensorCore
import XCTest

/// `GroupedDenseKernel` (CKernels `ck_sgemv_group`) against one `DenseKernel.forward` per weight: the same
/// per-row kernel in the same order, so the outputs must be equal exactly, whatever the split over threads
/// (row counts that are not multiples of the 16-row chunks put chunk edges inside and between matrices), with
/// and without biases, and with the pool spinning or sleeping between jobs.
final class GroupedDenseKernelTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.normal(shape, using: &rng)
    }

    private func checkEqual(rows: [Int], nIn: Int, biased: [Bool], seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = random([1, nIn], seed: seed)
        let weights = rows.enumerated().map { random([$0.element, nIn], seed: seed + 10 + UInt64($0.offset)) }
        let biases: [Tensor?] = rows.enumerated().map { biased[$0.offset] ? random([$0.element], seed: seed + 20 + UInt64($0.offset)) : nil }
        let grouped = try GroupedDenseKernel.forward(x, weights: weights, biases: biases)
        XCTAssertEqual(grouped.count, rows.count, file: file, line: line)
        for g in rows.indices {
            let single = try DenseKernel.forward(x, weight: weights[g], bias: biases[g])
            XCTAssertEqual(grouped[g].shape, [1, rows[g]], file: file, line: line)
            XCTAssertEqual(grouped[g].scalars, single.scalars, "matrix \(g) of \(rows) x \(nIn)", file: file, line: line)
            // And against a Double loop, so both cannot be wrong the same way.
            let xs = x.scalars, ws = weights[g].scalars, bs = biases[g]?.scalars
            var worst = 0.0
            for i in 0..<rows[g] {
                var s = Double(bs?[i] ?? 0), t = abs(s)
                for p in 0..<nIn { let v = Double(ws[i * nIn + p]) * Double(xs[p]); s += v; t += abs(v) }
                worst = max(worst, abs(Double(grouped[g].scalars[i]) - s) / max(t, 1e-30))
            }
            XCTAssertLessThan(worst, 1e-5, "matrix \(g): relative error", file: file, line: line)
        }
    }

    func testEqualsSeparateProductsOnOneThread() throws {
        try checkEqual(rows: [40, 8, 8], nIn: 37, biased: [true, false, true], seed: 1)
    }

    func testEqualsSeparateProductsSplitOverThreads() throws {
        let saved = BLAS.ownGemvMinWorkPerThread
        defer { BLAS.ownGemvMinWorkPerThread = saved }
        BLAS.ownGemvMinWorkPerThread = 0
        try BLAS.withThreads(2) {
            // q/k/v-like (576 + 192 + 192 of SmolLM2, scaled down) and gate/up-like shapes, odd widths for the tails.
            try checkEqual(rows: [72, 24, 24], nIn: 96, biased: [true, true, true], seed: 2)
            try checkEqual(rows: [130, 130], nIn: 61, biased: [false, false], seed: 3)
            try checkEqual(rows: [5, 0, 27], nIn: 16, biased: [true, false, false], seed: 4)
            try BLAS.withPoolSpin(50_000) {
                for round in 0..<20 { try checkEqual(rows: [33, 17], nIn: 48, biased: [round % 2 == 0, true], seed: 5 + UInt64(round)) }
            }
        }
    }

    func testRejectsMismatchedShapes() {
        let x = random([1, 8], seed: 9)
        XCTAssertThrowsError(try GroupedDenseKernel.forward(x, weights: [random([4, 7], seed: 1)], biases: [nil]))
        XCTAssertThrowsError(try GroupedDenseKernel.forward(x, weights: [random([4, 8], seed: 1)], biases: [random([3], seed: 2)]))
        XCTAssertThrowsError(try GroupedDenseKernel.forward(random([2, 8], seed: 3), weights: [random([4, 8], seed: 1)], biases: [nil]))
        XCTAssertThrowsError(try GroupedDenseKernel.forward(x, weights: [random([4, 8], seed: 1)], biases: []))
    }

    /// Products handed to the pool back to back while its threads spin, then after the spin is switched off
    /// (workers asleep again): every product exact against one computed on the calling thread alone.
    func testPoolSpinKeepsProductsExact() throws {
        let saved = BLAS.ownGemvMinWorkPerThread
        defer { BLAS.ownGemvMinWorkPerThread = saved }
        BLAS.ownGemvMinWorkPerThread = 0
        let x = random([1, 64], seed: 11), w = random([96, 64], seed: 12)
        let reference = try BLAS.withThreads(1) { try DenseKernel.forward(x, weight: w, bias: nil) }
        try BLAS.withThreads(2) {
            XCTAssertEqual(BLAS.poolSpinNanoseconds, 0)
            try BLAS.withPoolSpin(200_000) {
                XCTAssertEqual(BLAS.poolSpinNanoseconds, 200_000)
                for _ in 0..<500 { XCTAssertEqual(try DenseKernel.forward(x, weight: w, bias: nil).scalars, reference.scalars) }
            }
            XCTAssertEqual(BLAS.poolSpinNanoseconds, 0)
            for _ in 0..<50 { XCTAssertEqual(try DenseKernel.forward(x, weight: w, bias: nil).scalars, reference.scalars) }
        }
    }
}
