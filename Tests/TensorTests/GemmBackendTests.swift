import Foundation
@testable import TensorCore
import XCTest

/// TINYALIGN_GEMM picks the backend; anything else falls back to the automatic rule instead of stopping.
final class GemmBackendTests: XCTestCase {
    override func tearDown() { unsetenv("TINYALIGN_GEMM") }

    func testEnvironmentNamesEveryBackend() {
        unsetenv("TINYALIGN_GEMM")
        XCTAssertEqual(GemmBackend.fromEnvironment(), .automatic)
        for (name, backend) in [("openblas", GemmBackend.openBLAS), ("OpenBLAS", .openBLAS), ("own", .own),
                                ("avx2", .ownAVX2), ("avx512", .ownAVX512), ("auto", .automatic), ("", .automatic)] {
            setenv("TINYALIGN_GEMM", name, 1)
            XCTAssertEqual(GemmBackend.fromEnvironment(), backend, name)
        }
    }

    func testUnknownNameFallsBackToAutomatic() {
        setenv("TINYALIGN_GEMM", "mkl", 1)
        XCTAssertEqual(GemmBackend.fromEnvironment(), .automatic)
    }

    /// Pinning OpenBLAS or a kernel this CPU lacks still computes the product (OpenBLAS is the fallback).
    func testEveryBackendComputesTheSameProduct() {
        let (m, n, k) = (70, 45, 33)
        var rng = SeededGenerator(seed: 21)
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        var expected = [Float](repeating: 0, count: m * n)
        BLAS.openBLASGemm(a, lda: k, b, ldb: n, &expected, ldc: n, m: m, n: n, k: k)
        defer { BLAS.backend = .automatic }
        for backend in GemmBackend.allCases {
            BLAS.backend = backend
            var c = [Float](repeating: .nan, count: m * n)
            BLAS.gemm(a, b, &c, m: m, n: n, k: k)
            let worst = zip(c, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4, "\(backend)")
        }
    }
}
