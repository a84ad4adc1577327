@testable import TensorCore
import XCTest

/// Our SGEMM kernels (CKernels `ck_sgemm`, reached through `BLAS.backend`) against a Double-precision triple
/// loop and against `cblas_sgemm`. Tolerance: every element within 1e-5·sqrt(K) of its scale
/// |alpha|·Σ_k |a_ik·b_kj| + |beta·c_ij| (float rounding grows like sqrt(K)·2^-24 of that scale; a wrong tile,
/// a dropped k block or a misplaced edge is off by the scale itself).
final class OwnGemmTests: XCTestCase {
    /// The kernels this CPU runs (the AVX-512 one only where AVX-512 is present).
    private var variants: [GemmBackend] { [.ownAVX512, .ownAVX2].filter { BLAS.runs($0) } }

    override func tearDown() { BLAS.backend = .automatic }

    private func randomArray(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    /// A stored matrix with row stride `ld` ≥ its width, and the offset of its first element in `storage`.
    private struct Stored {
        var storage: [Float]
        let offset: Int, ld: Int
    }

    private func stored(rows: Int, cols: Int, ldPad: Int, offset: Int, seed: UInt64) -> Stored {
        Stored(storage: randomArray(offset + max(rows, 1) * (cols + ldPad), seed: seed), offset: offset, ld: cols + ldPad)
    }

    /// op(A)·op(B) element (i, j) in Double, and Σ |a||b| for the tolerance.
    private func reference(_ a: Stored, _ b: Stored, m: Int, n: Int, k: Int, transA: Bool, transB: Bool)
        -> (value: [Double], magnitude: [Double]) {
        var value = [Double](repeating: 0, count: m * n), magnitude = value
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0, t = 0.0
                for p in 0..<k {
                    let x = Double(a.storage[a.offset + (transA ? p * a.ld + i : i * a.ld + p)])
                    let y = Double(b.storage[b.offset + (transB ? j * b.ld + p : p * b.ld + j)])
                    s += x * y; t += abs(x * y)
                }
                value[i * n + j] = s; magnitude[i * n + j] = t
            }
        }
        return (value, magnitude)
    }

    /// Runs C = alpha·op(A)·op(B) + beta·C on `backend` into a padded, offset C; checks every element of the
    /// m × n block against the reference and that the padding around it is untouched.
    private func check(_ backend: GemmBackend, m: Int, n: Int, k: Int, transA: Bool, transB: Bool,
                       alpha: Float, beta: Float, pad: Int = 0, offset: Int = 0, file: StaticString = #filePath,
                       line: UInt = #line) {
        let a = transA ? stored(rows: k, cols: m, ldPad: pad, offset: offset, seed: 1)
                       : stored(rows: m, cols: k, ldPad: pad, offset: offset, seed: 1)
        let b = transB ? stored(rows: n, cols: k, ldPad: pad + 1, offset: offset, seed: 2)
                       : stored(rows: k, cols: n, ldPad: pad + 1, offset: offset, seed: 2)
        let c0 = stored(rows: m, cols: n, ldPad: pad + 2, offset: offset, seed: 3)
        var c = c0.storage
        BLAS.backend = backend
        a.storage.withUnsafeBufferPointer { pa in b.storage.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            BLAS.gemm(pa.baseAddress! + a.offset, lda: a.ld, pb.baseAddress! + b.offset, ldb: b.ld,
                      pc.baseAddress! + c0.offset, ldc: c0.ld, m: m, n: n, k: k, transA: transA, transB: transB,
                      alpha: alpha, beta: beta)
        } } }
        BLAS.backend = .automatic
        let ref = reference(a, b, m: m, n: n, k: k, transA: transA, transB: transB)
        let tol = 1e-5 * max(1, Double(k).squareRoot())
        var worst = 0.0, touched = 0
        for idx in c.indices {
            let local = idx - c0.offset
            let (i, j) = local >= 0 ? (local / c0.ld, local % c0.ld) : (-1, -1)
            guard i >= 0, i < m, j < n else {
                if c[idx] != c0.storage[idx] { touched += 1 }
                continue
            }
            let old = Double(c0.storage[idx])
            let expected = Double(alpha) * ref.value[i * n + j] + (beta == 0 ? 0 : Double(beta) * old)
            let scale = abs(Double(alpha)) * ref.magnitude[i * n + j] + abs(Double(beta) * old)
            worst = max(worst, abs(Double(c[idx]) - expected) / max(scale, 1e-30))
        }
        XCTAssertLessThanOrEqual(worst, tol, "\(backend) \(m)x\(n)x\(k) tA \(transA) tB \(transB) α \(alpha) β \(beta)",
                                 file: file, line: line)
        XCTAssertEqual(touched, 0, "\(backend) \(m)x\(n)x\(k): elements outside C's block changed", file: file, line: line)
    }

    func testEveryTransposeOnOddSizes() {
        let shapes = [(1, 1, 1), (7, 17, 33), (17, 7, 1), (33, 100, 7), (100, 33, 17), (1, 1023, 7), (1023, 1, 17),
                      (13, 33, 1023), (1, 7, 100), (100, 1, 33)]
        for backend in variants {
            for (m, n, k) in shapes {
                for transA in [false, true] {
                    for transB in [false, true] {
                        check(backend, m: m, n: n, k: k, transA: transA, transB: transB, alpha: 1, beta: 0)
                    }
                }
            }
        }
    }

    /// Under the automatic rule a product with one row or one column of C runs as a matrix–vector product
    /// (decoding's head); every transposition, alpha/beta and unaligned leading dimensions.
    func testOneRowOrColumnThroughGemv() {
        for (m, n, k) in [(1, 1023, 37), (1, 49, 576), (700, 1, 33), (1, 1, 17), (1, 5, 1)] {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                for (alpha, beta): (Float, Float) in [(1, 0), (-0.5, 1.5)] {
                    check(.automatic, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta,
                          pad: 3, offset: 2)
                }
            }
        }
    }

    /// Shapes that cross every blocking boundary: several MC row blocks (240 / 144), K blocks (256) and tile
    /// edges in both directions, with the product split over two threads.
    func testBlockBoundariesOnTwoThreads() {
        let shapes = [(250, 40, 300), (30, 300, 270)]
        let saved = BLAS.ownGemmMinWorkPerThread
        defer { BLAS.ownGemmMinWorkPerThread = saved }
        BLAS.ownGemmMinWorkPerThread = 0
        BLAS.withThreads(2) {
            for backend in variants {
                for (m, n, k) in shapes {
                    for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                        check(backend, m: m, n: n, k: k, transA: transA, transB: transB, alpha: 1, beta: 0)
                    }
                }
            }
        }
    }

    func testAlphaBetaAndUnalignedSubMatrices() {
        for backend in variants {
            for (alpha, beta): (Float, Float) in [(1, 1), (0.5, -2), (-1.5, 0), (2, 0.25)] {
                for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                    check(backend, m: 45, n: 38, k: 29, transA: transA, transB: transB, alpha: alpha, beta: beta,
                          pad: 3, offset: 1)
                    check(backend, m: 12, n: 32, k: 64, transA: transA, transB: transB, alpha: alpha, beta: beta,
                          pad: 5, offset: 7)
                }
            }
        }
    }

    /// K = 0 and alpha = 0 only scale C by beta, as cblas_sgemm does.
    func testEmptyInnerExtentScalesC() {
        for backend in variants {
            check(backend, m: 9, n: 40, k: 0, transA: false, transB: false, alpha: 1, beta: 0.5, pad: 2, offset: 3)
            check(backend, m: 9, n: 40, k: 0, transA: true, transB: true, alpha: 1, beta: 0, pad: 2, offset: 3)
            check(backend, m: 30, n: 7, k: 5, transA: false, transB: true, alpha: 0, beta: -1, pad: 1, offset: 0)
        }
    }

    /// beta = 0 must not read C: NaNs in an uninitialised output do not leak into the product.
    func testBetaZeroIgnoresNaNsInC() {
        let (m, n, k) = (26, 35, 19)
        let a = randomArray(m * k, seed: 4), b = randomArray(k * n, seed: 5)
        for backend in variants {
            var c = [Float](repeating: .nan, count: m * n)
            BLAS.backend = backend
            BLAS.gemm(a, b, &c, m: m, n: n, k: k)
            BLAS.backend = .automatic
            XCTAssertEqual(c.filter { $0.isNaN }.count, 0, "\(backend)")
        }
    }

    /// Against cblas_sgemm on transformer-sized products, on one and two threads; and the two-thread product
    /// equals the one-thread one bit for bit (the split is along whole tiles, each element's sum is the same).
    func testMatchesOpenBLASAndThreadSplitIsExact() {
        let saved = BLAS.ownGemmMinWorkPerThread
        defer { BLAS.ownGemmMinWorkPerThread = saved }
        BLAS.ownGemmMinWorkPerThread = 0
        for (m, n, k, transA, transB) in [(512, 384, 384, false, false), (384, 1536, 256, true, false),
                                          (256, 512, 1536, false, true), (300, 200, 100, true, true)] {
            let a = randomArray(m * k, seed: 6), b = randomArray(k * n, seed: 7)
            let (lda, ldb) = (transA ? m : k, transB ? k : n)
            var expected = [Float](repeating: 0, count: m * n)
            BLAS.openBLASGemm(a, lda: lda, b, ldb: ldb, &expected, ldc: n, m: m, n: n, k: k, transA: transA, transB: transB)
            for backend in variants {
                var results: [[Float]] = []
                for threads in [1, 2] {
                    var c = [Float](repeating: 0, count: m * n)
                    BLAS.backend = backend
                    BLAS.withThreads(threads) {
                        BLAS.gemm(a, lda: lda, b, ldb: ldb, &c, ldc: n, m: m, n: n, k: k, transA: transA, transB: transB)
                    }
                    BLAS.backend = .automatic
                    results.append(c)
                }
                var worst: Float = 0
                for i in 0..<(m * n) { worst = max(worst, abs(results[0][i] - expected[i])) }
                // Entries are sums of k products of values in [-1, 1]: their size is about sqrt(k) / 3.
                XCTAssertLessThan(worst, 1e-5 * Float(k), "\(backend) \(m)x\(n)x\(k) vs cblas_sgemm")
                XCTAssertEqual(results[0], results[1], "\(backend) \(m)x\(n)x\(k): 2 threads differ from 1")
            }
        }
    }

    /// The automatic rule: beside an OpenBLAS with wide kernels, ours only with AVX-512 and on shapes that fill
    /// its tile; beside an SSE-only OpenBLAS, ours (either width) on everything but tiny products.
    func testAutomaticRule() {
        let (avx512, avx2) = (BLAS.avx512Variant, BLAS.avx2Variant)
        func rule(_ m: Int, _ n: Int, _ k: Int, _ own: Int32, _ wide: Bool) -> Bool {
            BLAS.usesOwnGemm(m: m, n: n, k: k, own: own, openBLASHasWideKernels: wide)
        }
        XCTAssertTrue(rule(2048, 1152, 384, avx512, true))
        XCTAssertFalse(rule(2048, 2048, 2048, avx2, true), "our AVX2 kernel loses to OpenBLAS's Haswell one")
        XCTAssertFalse(rule(2560, 16, 576, avx512, true), "n = 16 is half a tile")
        XCTAssertFalse(rule(4, 576, 576, avx512, true))
        XCTAssertTrue(rule(2560, 16, 576, avx512, false), "LoRA shapes beside an SSE OpenBLAS")
        XCTAssertTrue(rule(16, 576, 2560, avx2, false))
        XCTAssertFalse(rule(8, 8, 8, avx512, false), "tiny products stay with OpenBLAS")
        XCTAssertFalse(rule(2048, 2048, 2048, 0, false), "no kernel of ours on this CPU")
        if !BLAS.runs(.own) { XCTAssertFalse(BLAS.usesOwnGemm(m: 2048, n: 2048, k: 2048)) }
        // Beside OpenBLAS's AVX-512 kernels: ours only on tall products with a narrow side.
        func besideAVX512(_ m: Int, _ n: Int, _ k: Int) -> Bool {
            BLAS.usesOwnGemm(m: m, n: n, k: k, own: avx512, openBLASHasWideKernels: true, openBLASHasAVX512Kernels: true)
        }
        XCTAssertTrue(besideAVX512(2560, 192, 576), "SmolLM2 k/v projection forward")
        XCTAssertTrue(besideAVX512(1024, 384, 128), "tiny qkv forward (k = 128)")
        XCTAssertFalse(besideAVX512(1280, 576, 1536), "n and k both large: OpenBLAS's AVX-512 kernel")
        XCTAssertFalse(besideAVX512(2560, 576, 192), "k/v backward dx: k = 192 is not narrow enough")
        XCTAssertFalse(besideAVX512(192, 576, 2560), "fewer than 512 rows")
        XCTAssertFalse(besideAVX512(2560, 16, 576), "n = 16 is half a tile, whatever OpenBLAS runs")
        XCTAssertEqual(BLAS.openBLASHasAVX512Kernels && !BLAS.openBLASHasWideKernels, false,
                       "an AVX-512 OpenBLAS is a wide one")
    }
}
