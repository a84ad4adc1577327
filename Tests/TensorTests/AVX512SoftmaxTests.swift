import Foundation
import TensorCore
import TestSupport
import XCTest

/// The AVX-512 row kernels (softmax forward and backward, the log-sum-exp of log-softmax and cross-entropy, the
/// rebuilt softmax of the cross-entropy backward) against the portable Swift kernels and a Float64 reference,
/// on widths around the 16-lane vector (masked tails) and on rows with huge, tiny and −∞ logits.
final class AVX512SoftmaxTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorKernels.avx512Available, "this CPU has no AVX-512")
    }

    override func tearDown() { VectorKernels.avx512Enabled = true }

    private func bothPaths<R>(_ body: () -> R) -> (avx512: R, swift: R) {
        VectorKernels.avx512Enabled = true
        XCTAssertTrue(VectorKernels.avx512Enabled)
        let wide = body()
        VectorKernels.avx512Enabled = false
        let portable = body()
        VectorKernels.avx512Enabled = true
        return (wide, portable)
    }

    func testForwardMatchesSwiftAndFloat64OnOddWidths() {
        for cols in [1, 7, 15, 16, 17, 33, 131, 1000] {
            let rows = 5
            let x = FusedReference.values(rows * cols, std: 4, seed: UInt64(cols))
            let t = Tensor(shape: [rows, cols], x)
            let (wide, portable) = bothPaths { t.softmax() }
            let expected = FusedReference.rows(x, cols: cols).flatMap { row -> [Float] in
                let lse = FusedReference.logSumExp(row)
                return row.map { Float(exp($0 - lse)) }
            }
            assertClose(wide.scalars, expected, rtol: 1e-5, atol: 1e-7, "avx512 vs Float64, width \(cols)")
            assertClose(wide.scalars, portable.scalars, rtol: 2e-6, atol: 1e-8, "avx512 vs swift, width \(cols)")
        }
    }

    func testExtremeLogits() {
        let x: [Float] = [1000, 1001, -.infinity, -1000, 0, -.infinity, 88, -88, -1e30, 3, 3, 3, 3, 3, 3, 3, 3]
        let (wide, portable) = bothPaths { Tensor(shape: [1, x.count], x).softmax() }
        let finite = x.map(Double.init)
        let m = finite.max()!
        let z = finite.map { $0 == -.infinity ? 0 : exp($0 - m) }.reduce(0, +)
        let expected = finite.map { Float($0 == -.infinity ? 0 : exp($0 - m) / z) }
        assertClose(wide.scalars, expected, rtol: 1e-5, atol: 1e-30)
        XCTAssertEqual(wide.scalars[2], 0)
        assertClose(wide.scalars, portable.scalars, rtol: 2e-6, atol: 1e-30)
    }

    func testBackwardMatchesSwiftAndFloat64OnOddWidths() {
        for cols in [1, 9, 16, 31, 256, 777] {
            let rows = 4
            let x = FusedReference.values(rows * cols, std: 2, seed: UInt64(cols)), dy = FusedReference.values(rows * cols, seed: 9)
            let y = Tensor(shape: [rows, cols], x).softmax(), g = Tensor(shape: [rows, cols], dy)
            let (wide, portable) = bothPaths { Tensor.softmaxBackward(output: y, gradOutput: g) }
            var expected: [Float] = []
            for (yr, gr) in zip(FusedReference.rows(y.scalars, cols: cols), FusedReference.rows(dy, cols: cols)) {
                let dot = zip(yr, gr).map { $0 * $1 }.reduce(0, +)
                expected += zip(yr, gr).map { Float($0 * ($1 - dot)) }
            }
            assertClose(wide.scalars, expected, rtol: 1e-4, atol: 1e-7, "avx512 vs Float64, width \(cols)")
            assertClose(wide.scalars, portable.scalars, rtol: 1e-4, atol: 1e-7, "avx512 vs swift, width \(cols)")
        }
    }

    func testLogSoftmaxMatchesSwiftAndFloat64() {
        for cols in [1, 5, 16, 29, 300] {
            let x = FusedReference.values(3 * cols, std: 5, seed: UInt64(cols + 40))
            let t = Tensor(shape: [3, cols], x)
            let (wide, portable) = bothPaths { t.logSoftmax() }
            let expected = FusedReference.rows(x, cols: cols).flatMap { row -> [Float] in
                let lse = FusedReference.logSumExp(row)
                return row.map { Float($0 - lse) }
            }
            assertClose(wide.scalars, expected, rtol: 1e-5, atol: 1e-5, "avx512 vs Float64, width \(cols)")
            assertClose(wide.scalars, portable.scalars, rtol: 1e-5, atol: 1e-6, "avx512 vs swift, width \(cols)")
        }
    }

    func testCrossEntropyAndBackwardMatchSwiftAndFloat64() throws {
        let (rows, vocab) = (7, 261)
        let z = FusedReference.values(rows * vocab, std: 3, seed: 77)
        let logits = Tensor(shape: [rows, vocab], z)
        let targets: [Int32] = [0, 260, -100, 17, 128, 5, 259]
        let (wide, portable) = bothPaths { () -> (Float, [Float]) in
            let f = try! Tensor.crossEntropy(logits: logits, targets: targets)
            let d = Tensor.crossEntropyBackward(logits: logits, targets: targets, logSumExp: f.logSumExp, count: f.count,
                                                gradLoss: 2)
            return (f.loss, d.scalars)
        }
        var loss = 0.0, expectedGrad: [Float] = []
        for (r, row) in FusedReference.rows(z, cols: vocab).enumerated() {
            let t = targets[r]
            if t == -100 { expectedGrad += [Float](repeating: 0, count: vocab); continue }
            let lse = FusedReference.logSumExp(row)
            loss -= row[Int(t)] - lse
            expectedGrad += row.indices.map { j in Float(2.0 / 6 * (exp(row[j] - lse) - (j == Int(t) ? 1 : 0))) }
        }
        assertClose(wide.0, Float(loss / 6), rtol: 1e-5)
        assertClose(wide.0, portable.0, rtol: 1e-6)
        assertClose(wide.1, expectedGrad, rtol: 1e-4, atol: 1e-7)
        assertClose(wide.1, portable.1, rtol: 1e-5, atol: 1e-8)
    }

    func testSwitchFollowsEnabled() {
        let saved = VectorKernels.enabled
        defer { VectorKernels.enabled = saved }
        VectorKernels.enabled = false
        XCTAssertFalse(VectorKernels.avx512Enabled)
        VectorKernels.enabled = true
        XCTAssertTrue(VectorKernels.avx512Enabled)
    }
}
