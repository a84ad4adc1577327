@testable import TensorCore
import XCTest

/// BF16 decoding weights (`BF16Matrix`, CKernels `ck_gemv_bf16_group_variant`): the values are F32 rounded to
/// nearest even BF16; every kernel (plain C, AVX2, AVX-512, each tested where the CPU runs it) matches a Double
/// loop over the widened weights, and the vector kernels equal the F32 grouped kernel of their width exactly.
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

    /// A seeded input, BF16 weights of `rows` × `nIn` and a bias on every other matrix.
    private func problem(rows: [Int], nIn: Int, seed: UInt64) throws -> (Tensor, [BF16Matrix], [Tensor?]) {
        let x = random([1, nIn], seed: seed)
        let weights = try rows.enumerated().map { try BF16Matrix(random([$0.element, nIn], seed: seed + 1 + UInt64($0.offset))) }
        let biases: [Tensor?] = rows.enumerated().map { $0.offset % 2 == 0 ? random([$0.element], seed: seed + 9) : nil }
        return (x, weights, biases)
    }

    /// Every BF16 kernel this CPU runs: the plain C one always, AVX2 and AVX-512 where present (all three here).
    private var kernels: [BF16Matrix.Kernel] { [.portable, .avx2, .avx512].filter(\.runs) }

    /// Products of `kernel` against a Double loop over the widened weights: each output within 2e-6 of the sum
    /// of its terms' magnitudes (F32 rounding over at most ~n/8 additions per partial sum is below 1e-6 of it;
    /// a misread or shifted weight moves an output by a whole term).
    private func checkAgainstDouble(_ kernel: BF16Matrix.Kernel, rows: [Int], nIn: Int, seed: UInt64,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let (x, weights, biases) = try problem(rows: rows, nIn: nIn, seed: seed)
        let ours = try BF16Matrix.groupedProducts(x, weights, biases: biases, kernel: kernel)
        let xs = x.scalars
        for g in rows.indices {
            XCTAssertEqual(ours[g].shape, [1, rows[g]], file: file, line: line)
            let w = weights[g].widened().scalars, b = biases[g]?.scalars, y = ours[g].scalars
            for i in 0..<rows[g] {
                var sum = Double(b?[i] ?? 0), magnitude = abs(Double(b?[i] ?? 0))
                for j in 0..<nIn {
                    let term = Double(w[i * nIn + j]) * Double(xs[j])
                    sum += term
                    magnitude += abs(term)
                }
                XCTAssertLessThanOrEqual(abs(Double(y[i]) - sum), 2e-6 * magnitude + 1e-30,
                                         "\(kernel): row \(i) of matrix \(g) of \(rows) x \(nIn)", file: file, line: line)
            }
        }
    }

    func testEveryKernelMatchesDoubleReference() throws {
        XCTAssertTrue(BF16Matrix.Kernel.portable.runs)
        for kernel in kernels {
            for (i, n) in [1, 5, 16, 37, 64, 100, 577].enumerated() {
                try checkAgainstDouble(kernel, rows: [9, 4, 21], nIn: n, seed: UInt64(10 * i))
            }
        }
        let saved = BLAS.ownGemvMinWorkPerThread
        defer { BLAS.ownGemvMinWorkPerThread = saved }
        BLAS.ownGemvMinWorkPerThread = 0
        for kernel in kernels {
            try BLAS.withThreads(2) {
                try checkAgainstDouble(kernel, rows: [72, 24, 24], nIn: 96, seed: 100)
                try checkAgainstDouble(kernel, rows: [130, 130], nIn: 61, seed: 200)
            }
        }
    }

    /// The AVX2 and AVX-512 kernels run the F32 kernel of their width's FMAs in its order, so on the widened
    /// weights they equal it exactly, for every tail (n % 32, n % 16, n % 8, n < 8), with biases, on one thread
    /// and split over two.
    private func checkAgainstF32(_ kernel: BF16Matrix.Kernel, variant: Int32, rows: [Int], nIn: Int, seed: UInt64,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let (x, weights, biases) = try problem(rows: rows, nIn: nIn, seed: seed)
        let ours = try BF16Matrix.groupedProducts(x, weights, biases: biases, kernel: kernel)
        let savedGemv = BLAS.ownGemvVariant
        defer { BLAS.ownGemvVariant = savedGemv }
        BLAS.ownGemvVariant = variant
        let reference = try GroupedDenseKernel.forward(x, weights: weights.map { $0.widened() }, biases: biases)
        for g in rows.indices {
            XCTAssertEqual(ours[g].scalars, reference[g].scalars, "\(kernel): matrix \(g) of \(rows) x \(nIn)", file: file, line: line)
        }
    }

    func testVectorKernelsEqualF32KernelOnWidenedWeights() throws {
        let pairs: [(BF16Matrix.Kernel, Int32)] = [(.avx2, BLAS.avx2Variant), (.avx512, BLAS.avx512Variant)]
        var ran = 0
        for (kernel, variant) in pairs where kernel.runs {
            ran += 1
            for (i, n) in [3, 5, 8, 16, 37, 64, 100].enumerated() {
                try checkAgainstF32(kernel, variant: variant, rows: [9, 4, 21], nIn: n, seed: UInt64(10 * i))
            }
            let saved = BLAS.ownGemvMinWorkPerThread
            defer { BLAS.ownGemvMinWorkPerThread = saved }
            BLAS.ownGemvMinWorkPerThread = 0
            try BLAS.withThreads(2) { try BLAS.withPoolSpin(50_000) {
                try checkAgainstF32(kernel, variant: variant, rows: [72, 24, 24], nIn: 96, seed: 100)
                try checkAgainstF32(kernel, variant: variant, rows: [130, 130], nIn: 61, seed: 200)
            } }
        }
        // The BF16 kernels are offered exactly where the F32 GEMM kernels run; a CPU without AVX2 has only the
        // plain kernel, which testEveryKernelMatchesDoubleReference covers.
        XCTAssertEqual(BF16Matrix.Kernel.avx512.runs, BLAS.runs(.ownAVX512))
        XCTAssertEqual(BF16Matrix.Kernel.avx2.runs, BLAS.runs(.ownAVX2))
        XCTAssertEqual(ran > 0, BLAS.runs(.own))
    }

    func testRejectsMismatchedShapes() throws {
        let w = try BF16Matrix(random([4, 8], seed: 1))
        XCTAssertThrowsError(try BF16Matrix.groupedProducts(random([1, 7], seed: 2), [w], biases: [nil]))
        XCTAssertThrowsError(try BF16Matrix.groupedProducts(random([1, 8], seed: 2), [w], biases: [random([3], seed: 3)]))
        XCTAssertThrowsError(try BF16Matrix.groupedProducts(random([1, 8], seed: 2), [w], biases: []))
    }
}
