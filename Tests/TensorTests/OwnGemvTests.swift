@testable import TensorCore
import XCTest

/// Our matrix–vector kernels (CKernels `ck_sgemv`, reached through `BLAS.vectorGemm`) and `cblas_sgemv` against a
/// Double-precision loop, for every transposition of the M = 1 and N = 1 products. Tolerance as OwnGemmTests:
/// every element within 1e-5·sqrt(K) of its scale |alpha|·Σ_k |a_k·b_k| + |beta·c| (a dropped row, a wrong
/// thread chunk or a misplaced tail is off by the scale itself); nothing outside C's elements may change.
final class OwnGemvTests: XCTestCase {
    /// Our variants this CPU runs, and nil for cblas_sgemv (the reference the route falls back to).
    private var variants: [Int32?] {
        var all: [Int32?] = [nil]
        if BLAS.runs(.ownAVX512) { all.append(BLAS.avx512Variant) }
        if BLAS.runs(.ownAVX2) { all.append(BLAS.avx2Variant) }
        return all
    }

    private func randomArray(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    /// C = alpha·op(A)·op(B) + beta·C with m == 1 or n == 1 on padded, offset storage; checks C's m·n elements
    /// against the Double loop and every other element of C's storage for changes.
    private func check(_ variant: Int32?, m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float,
                       beta: Float, pad: Int, offset: Int, file: StaticString = #filePath, line: UInt = #line) {
        let (aRows, aCols) = transA ? (k, m) : (m, k), (bRows, bCols) = transB ? (n, k) : (k, n)
        let lda = aCols + pad, ldb = bCols + pad + 1, ldc = n + pad + 2
        let a = randomArray(offset + aRows * lda, seed: 1), b = randomArray(offset + bRows * ldb, seed: 2)
        let c0 = randomArray(offset + m * ldc, seed: 3)
        var c = c0
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            BLAS.vectorGemm(pa.baseAddress! + offset, lda: lda, pb.baseAddress! + offset, ldb: ldb,
                            pc.baseAddress! + offset, ldc: ldc, m: m, n: n, k: k, transA: transA, transB: transB,
                            alpha: alpha, beta: beta, variant: variant)
        } } }
        let tol = 1e-5 * max(1, Double(k).squareRoot())
        var worst = 0.0, touched = 0
        for idx in c.indices {
            let local = idx - offset
            let (i, j) = local >= 0 ? (local / ldc, local % ldc) : (-1, -1)
            guard i >= 0, i < m, j < n else {
                if c[idx] != c0[idx] { touched += 1 }
                continue
            }
            var s = 0.0, t = 0.0
            for p in 0..<k {
                let x = Double(a[offset + (transA ? p * lda + i : i * lda + p)])
                let y = Double(b[offset + (transB ? j * ldb + p : p * ldb + j)])
                s += x * y; t += abs(x * y)
            }
            let old = Double(c0[idx])
            let expected = Double(alpha) * s + (beta == 0 ? 0 : Double(beta) * old)
            let scale = abs(Double(alpha)) * t + abs(Double(beta) * old)
            worst = max(worst, abs(Double(c[idx]) - expected) / max(scale, 1e-30))
        }
        let name = variant.map { "ck_sgemv \($0)" } ?? "cblas_sgemv"
        XCTAssertLessThanOrEqual(worst, tol, "\(name) \(m)x\(n)x\(k) tA \(transA) tB \(transB) α \(alpha) β \(beta)",
                                 file: file, line: line)
        XCTAssertEqual(touched, 0, "\(name) \(m)x\(n)x\(k): elements outside C changed", file: file, line: line)
    }

    private let transposes = [(false, false), (true, false), (false, true), (true, true)]

    /// Odd sizes (tails of every vector width, fewer rows than one unrolled step), one row and one column of C.
    func testEveryTransposeOnOddSizes() {
        for variant in variants {
            for size in [1, 7, 17, 1023] {
                for k in [1, 7, 17, 1023] where size * k <= 1023 * 17 {
                    for (transA, transB) in transposes {
                        check(variant, m: 1, n: size, k: k, transA: transA, transB: transB, alpha: 1, beta: 0, pad: 0, offset: 0)
                        check(variant, m: size, n: 1, k: k, transA: transA, transB: transB, alpha: 1, beta: 0, pad: 0, offset: 0)
                    }
                }
            }
        }
    }

    /// alpha/beta pairs on padded leading dimensions and offset pointers (strided x and strided C columns).
    func testAlphaBetaPaddedAndOffset() {
        for variant in variants {
            for (alpha, beta): (Float, Float) in [(1, 1), (0.5, -2), (-1.5, 0), (2, 0.25), (0, 0.5)] {
                for (transA, transB) in transposes {
                    check(variant, m: 1, n: 45, k: 37, transA: transA, transB: transB, alpha: alpha, beta: beta, pad: 3, offset: 1)
                    check(variant, m: 51, n: 1, k: 33, transA: transA, transB: transB, alpha: alpha, beta: beta, pad: 5, offset: 7)
                }
            }
        }
    }

    /// The decoding head's shape (one token against a 49152 × 576 tied embedding) on two threads, against
    /// cblas_sgemv (a Double loop over 28M products is too slow for a debug test): within 1e-5·sqrt(576) of
    /// each output's size; and small shapes forced onto two threads so every chunk edge is crossed.
    func testHeadShapeAndTwoThreads() {
        let saved = BLAS.ownGemvMinWorkPerThread
        defer { BLAS.ownGemvMinWorkPerThread = saved }
        let (n, k) = (49152, 576)
        // A hashed pattern in [-1, 1] (28M seeded draws take most of a minute in a debug build).
        let x = randomArray(k, seed: 8)
        let w = [Float](unsafeUninitializedCapacity: n * k) { buffer, count in
            for i in 0..<(n * k) { buffer[i] = Float(UInt32(truncatingIfNeeded: i &* 2654435761) >> 8) / 8388608 - 1 }
            count = n * k
        }
        var expected = [Float](repeating: 0, count: n)
        BLAS.vectorGemm(x, lda: k, w, ldb: k, &expected, ldc: n, m: 1, n: n, k: k,
                        transA: false, transB: true, alpha: 1, beta: 0, variant: nil)
        BLAS.withThreads(2) {
            for variant in variants.compactMap({ $0 }) {
                BLAS.ownGemvMinWorkPerThread = saved
                var c = [Float](repeating: .nan, count: n)
                BLAS.vectorGemm(x, lda: k, w, ldb: k, &c, ldc: n, m: 1, n: n, k: k,
                                transA: false, transB: true, alpha: 1, beta: 0, variant: variant)
                var worst: Float = 0
                for j in 0..<n { worst = max(worst, abs(c[j] - expected[j]) / max(1, abs(expected[j]))) }
                XCTAssertLessThanOrEqual(worst, 1e-5 * Float(k).squareRoot(), "ck_sgemv \(variant) 49152x576 head")
                check(variant, m: 1, n: 576, k: 1536, transA: false, transB: false, alpha: 1, beta: 0.5, pad: 1, offset: 3)
                BLAS.ownGemvMinWorkPerThread = 0
                for (transA, transB) in transposes {
                    check(variant, m: 1, n: 47, k: 19, transA: transA, transB: transB, alpha: -1, beta: 0.5, pad: 2, offset: 1)
                    check(variant, m: 33, n: 1, k: 70, transA: transA, transB: transB, alpha: 1, beta: 0, pad: 1, offset: 2)
                }
            }
        }
    }

    /// beta = 0 must not read C: NaNs in an uninitialised output do not leak into the product.
    func testBetaZeroIgnoresNaNs() {
        let (n, k) = (37, 29)
        let x = randomArray(k, seed: 4), w = randomArray(n * k, seed: 5)
        for variant in variants {
            for transB in [false, true] {
                var c = [Float](repeating: .nan, count: n)
                BLAS.vectorGemm(x, lda: k, w, ldb: transB ? k : n, &c, ldc: n, m: 1, n: n, k: k,
                                transA: false, transB: transB, alpha: 1, beta: 0, variant: variant)
                XCTAssertEqual(c.filter { $0.isNaN }.count, 0, "\(String(describing: variant)) transB \(transB)")
            }
        }
    }

    /// The automatic rule: ours whenever this CPU runs one of our kernels (beside any OpenBLAS), else OpenBLAS.
    func testAutomaticRule() {
        XCTAssertTrue(BLAS.usesOwnGemv(own: BLAS.avx512Variant))
        XCTAssertTrue(BLAS.usesOwnGemv(own: BLAS.avx2Variant))
        XCTAssertFalse(BLAS.usesOwnGemv(own: 0))
        XCTAssertEqual(BLAS.ownGemvVariant, BLAS.bestOwnVariant == 0 ? nil : BLAS.bestOwnVariant)
    }
}
