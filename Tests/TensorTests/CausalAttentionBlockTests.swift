import Foundation
import TensorCore
import TestSupport
import XCTest

/// The kernel works in blocks of query rows and key columns; these sequences span several blocks, with a
/// ragged last one, and are checked against attention and its gradient written out in Double.
final class CausalAttentionBlockTests: XCTestCase {
    /// Forward output and dQKV for one upstream gradient, per (batch, head), the obvious way.
    private func naive(_ qkv: [Float], _ dOut: [Float], b: Int, t: Int, c: Int, heads: Int) -> (out: [Float], dqkv: [Float]) {
        let hs = c / heads, scale = 1 / Double(hs).squareRoot()
        var out = [Float](repeating: 0, count: b * t * c), dqkv = [Float](repeating: 0, count: b * t * 3 * c)
        for bi in 0..<b { for h in 0..<heads {
            func x(_ i: Int, _ part: Int, _ d: Int) -> Double { Double(qkv[(bi * t + i) * 3 * c + part * c + h * hs + d]) }
            func g(_ i: Int, _ d: Int) -> Double { Double(dOut[(bi * t + i) * c + h * hs + d]) }
            var p = [[Double]](repeating: [Double](repeating: 0, count: t), count: t)
            for i in 0..<t {
                let s = (0...i).map { j in (0..<hs).reduce(0.0) { $0 + x(i, 0, $1) * x(j, 1, $1) } * scale }
                let mx = s.max()!, e = s.map { Foundation.exp($0 - mx) }, z = e.reduce(0, +)
                for j in 0...i { p[i][j] = e[j] / z }
                for d in 0..<hs { out[(bi * t + i) * c + h * hs + d] = Float((0...i).reduce(0.0) { $0 + p[i][$1] * x($1, 2, d) }) }
            }
            var ds = p
            for i in 0..<t {
                let dp = (0...i).map { j in (0..<hs).reduce(0.0) { $0 + g(i, $1) * x(j, 2, $1) } }
                let dot = (0...i).reduce(0.0) { $0 + p[i][$1] * dp[$1] }
                for j in 0...i { ds[i][j] = p[i][j] * (dp[j] - dot) * scale }
            }
            for i in 0..<t { for d in 0..<hs {
                let row = (bi * t + i) * 3 * c + h * hs + d
                dqkv[row] = Float((0...i).reduce(0.0) { $0 + ds[i][$1] * x($1, 1, d) })
                dqkv[row + c] = Float((i..<t).reduce(0.0) { $0 + ds[$1][i] * x($1, 0, d) })
                dqkv[row + 2 * c] = Float((i..<t).reduce(0.0) { $0 + p[$1][i] * g($1, d) })
            } }
        } }
        return (out, dqkv)
    }

    func testSeveralBlocksMatchNaiveForwardAndBackward() throws {
        var rng = SeededGenerator(seed: 11)
        for (b, t, c, heads) in [(2, 70, 8, 2), (1, 64, 12, 3), (1, 33, 4, 1)] {
            let qkv = Tensor.normal([b, t, 3 * c], using: &rng), dOut = Tensor.normal([b, t, c], using: &rng)
            let (out, saved) = try CausalAttentionKernel.forward(qkv: qkv, heads: heads)
            let dqkv = try CausalAttentionKernel.backward(dOut: dOut, qkv: qkv, saved: saved, heads: heads)
            let expected = naive(qkv.scalars, dOut.scalars, b: b, t: t, c: c, heads: heads)
            assertClose(out.scalars, expected.out, rtol: 1e-4, atol: 1e-5, "out T=\(t)")
            assertClose(dqkv.scalars, expected.dqkv, rtol: 1e-4, atol: 1e-5, "dqkv T=\(t)")
            // Saved probabilities: rows sum to 1, exact zeros above the diagonal.
            let p = saved.probabilities.scalars
            for row in 0..<(b * heads * t) {
                let i = row % t, r = p[(row * t)..<((row + 1) * t)]
                XCTAssertEqual(r.reduce(0, +), 1, accuracy: 1e-5)
                XCTAssertTrue(r.dropFirst(i + 1).allSatisfy { $0 == 0 }, "row \(row)")
            }
        }
    }
}
