import Foundation
@testable import TensorCore
import XCTest

/// LoRA's rank-r products (`LowRankKernel`: project, reduce, expand) on the AVX-512 kernel, the AVX2 kernel and
/// the SGEMM fallback, each against a Float64 reference: ranks and row counts around the 8- and 16-lane vectors
/// (masked tails, the 8-row and 16-column register blocks and their remainders), a row stride wider than the
/// matrix, alpha and beta, and the in-place and zero-base forms of expand.
final class LowRankKernelTests: XCTestCase {
    override func tearDown() { VectorKernels.wantedRowKernels = .avx512 }

    /// The variants this CPU runs: AVX-512, AVX2, then the SGEMM fallback (nil).
    private var variants: [VectorKernels.RowKernels?] {
        var out: [VectorKernels.RowKernels?] = []
        if VectorKernels.avx512Available { out.append(.avx512) }
        if VectorKernels.available { out.append(.avx2) }
        return out + [nil]
    }

    private func values(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in rng.nextUniform() * 2 - 1 }
    }

    /// Largest |got − want| relative to max(1, |want|).
    private func worst(_ got: [Float], _ want: [Double]) -> Double {
        zip(got, want).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
    }

    private let shapes: [(rows: Int, k: Int, r: Int)] = [(1, 1, 1), (7, 15, 5), (8, 16, 16), (9, 17, 17), (33, 70, 40), (50, 24, 8), (13, 9, 33)]

    func testProjectMatchesReference() {
        for variant in variants {
            VectorKernels.wantedRowKernels = variant
            XCTAssertEqual(VectorKernels.rowKernels, variant)
            for (rows, k, r) in shapes {
                let ld = k + 3
                let input = values(rows * ld, seed: 1), m = values(k * r, seed: 2)
                var out = [Float](repeating: .nan, count: rows * r)
                LowRankKernel.project(input, ldIn: ld, rows: rows, k: k, m, r: r, alpha: 0.75, into: &out)
                var want = [Double](repeating: 0, count: rows * r)
                for i in 0..<rows { for c in 0..<r {
                    var s = 0.0
                    for p in 0..<k { s += Double(input[i * ld + p]) * Double(m[p * r + c]) }
                    want[i * r + c] = 0.75 * s
                } }
                XCTAssertLessThan(worst(out, want), 1e-5, "\(String(describing: variant)) rows \(rows) k \(k) r \(r)")
            }
        }
    }

    func testReduceMatchesReferenceWithAndWithoutBeta() {
        for variant in variants {
            VectorKernels.wantedRowKernels = variant
            for (rows, k, r) in shapes {
                let ld = k + 2
                let input = values(rows * ld, seed: 3), v = values(rows * r, seed: 4), old = values(k * r, seed: 5)
                for beta: Float in [0, 0.5] {
                    // With beta 0 the old contents (here NaN) must not be read.
                    var out = beta == 0 ? [Float](repeating: .nan, count: k * r) : old
                    LowRankKernel.reduce(input, ldIn: ld, rows: rows, k: k, v, r: r, alpha: -1.5, beta: beta, into: &out)
                    var want = [Double](repeating: 0, count: k * r)
                    for q in 0..<k { for c in 0..<r {
                        var s = 0.0
                        for i in 0..<rows { s += Double(input[i * ld + q]) * Double(v[i * r + c]) }
                        want[q * r + c] = -1.5 * s + Double(beta) * Double(old[q * r + c])
                    } }
                    XCTAssertLessThan(worst(out, want), 1e-5, "\(String(describing: variant)) rows \(rows) k \(k) r \(r) beta \(beta)")
                }
            }
        }
    }

    func testExpandMatchesReferenceInPlaceAndFromZero() {
        for variant in variants {
            VectorKernels.wantedRowKernels = variant
            for (rows, n, r) in shapes {
                let p = values(rows * r, seed: 6), q = values(r * n, seed: 7), base = values(rows * n, seed: 8)
                var product = [Double](repeating: 0, count: rows * n)
                for i in 0..<rows { for j in 0..<n {
                    var s = 0.0
                    for t in 0..<r { s += Double(p[i * r + t]) * Double(q[t * n + j]) }
                    product[i * n + j] = 2 * s
                } }
                var fresh = [Float](repeating: .nan, count: rows * n)
                LowRankKernel.expand(base: base, p, q, r: r, alpha: 2, into: &fresh, rows: rows, n: n)
                XCTAssertLessThan(worst(fresh, zip(product, base).map { $0 + Double($1) }), 1e-5, "\(String(describing: variant)) base")
                var inPlace = base
                inPlace.withUnsafeMutableBufferPointer { b in
                    LowRankKernel.expand(base: b.baseAddress!, p, q, r: r, alpha: 2, into: b.baseAddress!, rows: rows, n: n)
                }
                XCTAssertEqual(inPlace, fresh, "\(String(describing: variant)) in place equals out of place")
                var zero = [Float](repeating: .nan, count: rows * n)
                LowRankKernel.expand(base: nil, p, q, r: r, alpha: 2, into: &zero, rows: rows, n: n)
                XCTAssertLessThan(worst(zero, product), 1e-5, "\(String(describing: variant)) no base")
            }
        }
    }

    /// The reduce's blocking: columns past one span of its scratch (8192 floats: 512 columns at r 16, 336 at r 24),
    /// rows past one band of 16 with a remainder, a column-block tail inside the last span, and a rank too large
    /// for the scratch (r 520), each with beta 0 and 0.5, against a Float64 reference.
    func testReduceAcrossSpansBandsAndAHugeRank() {
        for variant in variants {
            VectorKernels.wantedRowKernels = variant
            for (rows, k, r) in [(37, 1100, 16), (33, 700, 24), (20, 40, 520), (16, 513, 16)] {
                let ld = k + 5
                let input = values(rows * ld, seed: 11), v = values(rows * r, seed: 12), old = values(k * r, seed: 13)
                for beta: Float in [0, 0.5] {
                    var out = beta == 0 ? [Float](repeating: .nan, count: k * r) : old
                    LowRankKernel.reduce(input, ldIn: ld, rows: rows, k: k, v, r: r, alpha: 0.25, beta: beta, into: &out)
                    var want = [Double](repeating: 0, count: k * r)
                    for q in 0..<k { for c in 0..<r {
                        var s = 0.0
                        for i in 0..<rows { s += Double(input[i * ld + q]) * Double(v[i * r + c]) }
                        want[q * r + c] = 0.25 * s + Double(beta) * Double(old[q * r + c])
                    } }
                    XCTAssertLessThan(worst(out, want), 1e-5, "\(String(describing: variant)) rows \(rows) k \(k) r \(r) beta \(beta)")
                }
            }
        }
    }

    /// Large enough to be split over the cores (rows and, for reduce, the result's rows): the same numbers as one
    /// thread gives, to rounding, so a split never drops or doubles a block.
    func testSplitOverCoresCoversEveryRow() {
        let (rows, k, r) = (1031, 577, 16)
        let input = values(rows * k, seed: 9), m = values(k * r, seed: 10)
        var h = [Float](repeating: .nan, count: rows * r)
        LowRankKernel.project(input, ldIn: k, rows: rows, k: k, m, r: r, into: &h)
        var g = [Float](repeating: .nan, count: k * r)
        LowRankKernel.reduce(input, ldIn: k, rows: rows, k: k, h, r: r, into: &g)
        VectorKernels.wantedRowKernels = nil
        var h1 = [Float](repeating: .nan, count: rows * r), g1 = [Float](repeating: .nan, count: k * r)
        LowRankKernel.project(input, ldIn: k, rows: rows, k: k, m, r: r, into: &h1)
        LowRankKernel.reduce(input, ldIn: k, rows: rows, k: k, h1, r: r, into: &g1)
        XCTAssertLessThan(worst(h, h1.map(Double.init)), 1e-5)
        // g sums 1031 products of values near 10 in either order: compare to its own scale.
        let scale = Double(g1.map(abs).max() ?? 1)
        XCTAssertLessThan(zip(g, g1).map { Double(abs($0 - $1)) }.max()! / scale, 1e-5)
        XCTAssertFalse(h.contains { $0.isNaN } || g.contains { $0.isNaN })
    }

    /// 300 random shapes (rows 1–70, k 1–90, r 1–40, row stride ≥ k): each kernel against the SGEMM fallback.
    func testRandomShapesAgreeWithSGEMM() {
        var rng = SeededGenerator(seed: 77)
        for trial in 0..<300 {
            let rows = 1 + rng.nextInt(below: 70), k = 1 + rng.nextInt(below: 90), r = 1 + rng.nextInt(below: 40)
            let ld = k + rng.nextInt(below: 3)
            let input = values(rows * ld, seed: UInt64(trial)), m = values(k * r, seed: UInt64(trial + 1000))
            let v = values(rows * r, seed: UInt64(trial + 2000)), q = values(r * k, seed: UInt64(trial + 3000))
            func run(_ variant: VectorKernels.RowKernels?) -> [[Float]] {
                VectorKernels.wantedRowKernels = variant
                var h = [Float](repeating: .nan, count: rows * r), g = [Float](repeating: .nan, count: k * r)
                var e = [Float](repeating: .nan, count: rows * k)
                LowRankKernel.project(input, ldIn: ld, rows: rows, k: k, m, r: r, alpha: 1.5, into: &h)
                LowRankKernel.reduce(input, ldIn: ld, rows: rows, k: k, v, r: r, alpha: 0.5, into: &g)
                LowRankKernel.expand(base: nil, v, q, r: r, alpha: 2, into: &e, rows: rows, n: k)
                return [h, g, e]
            }
            let want = run(nil)
            for variant in variants.compactMap({ $0 }) {
                for (name, (got, ref)) in zip(["project", "reduce", "expand"], zip(run(variant), want)) {
                    XCTAssertLessThan(worst(got, ref.map(Double.init)), 1e-4, "\(variant) \(name) rows \(rows) k \(k) r \(r) ld \(ld)")
                }
            }
        }
    }
}
