@testable import TensorCore
import XCTest

/// BF16 decoding weights (`BF16Matrix`, CKernels `ck_gemv_bf16_group`): the values are F32 rounded to nearest
/// even BF16, and products equal the F32 grouped kernel's on the widened weights exactly (the same FMAs in the
/// same order), for row counts and widths with every tail (n % 32, n % 16, n < 16), with biases, on one thread
/// and split over two.
final class BF16MatrixTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.normal(shape, using: &rng)
    }

    func testRoundsToNearestEvenBF16() throws {
        let w = Tensor(shape: [2, 3], [1, -2.5, 3.14159265, Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), 1e-3])
        let m = try BF16Matrix(w)
        XCTAssertEqual(m.byteCount, 12)
        // 0x3F808000 is a tie: rounds to the even 0x3F80; 0x3F818000 rounds up to the even 0x3F82.
        XCTAssertEqual(m.widened().scalars.map(\.bitPattern),
                       [0x3F80_0000, 0xC020_0000, 0x4049_0000, 0x3F80_0000, 0x3F82_0000, HalfPrecision.float(fromBFloat: HalfPrecision.bfloat(from: 1e-3)).bitPattern])
        XCTAssertThrowsError(try BF16Matrix(Tensor.zeros([4])))
    }

    private func check(rows: [Int], nIn: Int, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = random([1, nIn], seed: seed)
        let weights = try rows.enumerated().map { try BF16Matrix(random([$0.element, nIn], seed: seed + 1 + UInt64($0.offset))) }
        let biases: [Tensor?] = rows.enumerated().map { $0.offset % 2 == 0 ? random([$0.element], seed: seed + 9) : nil }
        let ours = try BF16Matrix.groupedProducts(x, weights, biases: biases)
        let reference = try GroupedDenseKernel.forward(x, weights: weights.map { $0.widened() }, biases: biases)
        for g in rows.indices {
            XCTAssertEqual(ours[g].shape, [1, rows[g]], file: file, line: line)
            XCTAssertEqual(ours[g].scalars, reference[g].scalars, "matrix \(g) of \(rows) x \(nIn)", file: file, line: line)
        }
    }

    func testProductsEqualF32KernelOnWidenedWeights() throws {
        guard BLAS.runs(.ownAVX512), BLAS.ownGemvVariant == BLAS.avx512Variant else {
            throw XCTSkip("the BF16 kernel and the F32 reference need AVX-512 GEMV")
        }
        for (i, n) in [5, 16, 37, 64, 100].enumerated() { try check(rows: [9, 4, 21], nIn: n, seed: UInt64(10 * i)) }
        let saved = BLAS.ownGemvMinWorkPerThread
        defer { BLAS.ownGemvMinWorkPerThread = saved }
        BLAS.ownGemvMinWorkPerThread = 0
        try BLAS.withThreads(2) { try BLAS.withPoolSpin(50_000) {
            try check(rows: [72, 24, 24], nIn: 96, seed: 100)
            try check(rows: [130, 130], nIn: 61, seed: 200)
        } }
    }

    func testRejectsMismatchedShapes() throws {
        let w = try BF16Matrix(random([4, 8], seed: 1))
        XCTAssertThrowsError(try BF16Matrix.groupedProducts(random([1, 7], seed: 2), [w], biases: [nil]))
        XCTAssertThrowsError(try BF16Matrix.groupedProducts(random([1, 8], seed: 2), [w], biases: [random([3], seed: 3)]))
        XCTAssertThrowsError(try BF16Matrix.groupedProducts(random([1, 8], seed: 2), [w], biases: []))
    }
}
