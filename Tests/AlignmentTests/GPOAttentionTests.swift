import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import TensorCore
import TestSupport
import XCTest

final class GPOAttentionTests: XCTestCase {
    /// Against a naive loop: per head h and query i, softmax_j(q_i·k_j/√dh) over the context rows j < M, times v_j.
    func testMatchesNaiveLoop() throws {
        let n = 5, m = 3, heads = 2, dh = 3, d = heads * dh
        var rng = SeededGenerator(seed: 3)
        let qkv = Tensor.normal([n, 3 * d], std: 1, using: &rng)
        let out = try Variable.contextAttention(qkv: Variable(qkv), contextCount: m, heads: heads).value
        let x = qkv.scalars
        var expected = [Float](repeating: 0, count: n * d)
        for h in 0..<heads {
            for i in 0..<n {
                var w = (0..<m).map { j -> Float in
                    (0..<dh).reduce(0) { $0 + x[i * 3 * d + h * dh + $1] * x[j * 3 * d + d + h * dh + $1] } / Float(dh).squareRoot()
                }
                let mx = w.max()!
                w = w.map { Foundation.exp($0 - mx) }
                let s = w.reduce(0, +)
                for c in 0..<dh {
                    expected[i * d + h * dh + c] = (0..<m).reduce(0) { $0 + w[$1] / s * x[$1 * 3 * d + 2 * d + h * dh + c] }
                }
            }
        }
        XCTAssertEqual(out.shape, [n, d])
        assertClose(out.scalars, expected, rtol: 1e-5, atol: 1e-6)
    }

    /// Central differences (eps 1e-2, atol 1e-3 + rtol 1e-2) through queries, keys and values; the target rows'
    /// key and value columns must get zero gradient, which gradcheck verifies numerically too.
    func testGradcheck() throws {
        var rng = SeededGenerator(seed: 5)
        let qkv = Tensor.normal([6, 3 * 4], std: 0.8, using: &rng)
        let result = try gradcheck(inputs: [qkv]) { v in try Variable.contextAttention(qkv: v[0], contextCount: 4, heads: 2) }
        XCTAssertTrue(result.passed, result.description)
    }

    /// In the whole GPO model, changing a target point's input changes only that target's output: the context
    /// outputs and the other targets' outputs stay bit-identical.
    func testTargetsDoNotInfluenceOthers() throws {
        let c = 6, n = 7, m = 4
        let model = try GPOModel(GPOConfig(embeddingDimension: c, dModel: 16, layers: 2, heads: 2),
                                 mean: [Float](repeating: 0.1, count: c), std: [Float](repeating: 1.5, count: c), seed: 1)
        var rng = SeededGenerator(seed: 9)
        let points = Tensor.normal([n, c + 1], std: 1, using: &rng)
        let before = try model.pointScores(points, contextCount: m).value.scalars
        var perturbed = points.copy()
        perturbed.withUnsafeMutableBufferPointer { p in for j in 0..<c { p[5 * (c + 1) + j] += 2 } }
        let after = try model.pointScores(perturbed, contextCount: m).value.scalars
        for i in 0..<n where i != 5 { XCTAssertEqual(after[i], before[i], "point \(i) changed when target 5 changed") }
        XCTAssertGreaterThan(abs(after[5] - before[5]), 1e-4, "target 5's own output must depend on its input")

        var contextChanged = points.copy()
        contextChanged.withUnsafeMutableBufferPointer { p in p[1 * (c + 1) + c] += 0.5 }   // a context share
        let moved = try model.pointScores(contextChanged, contextCount: m).value.scalars
        XCTAssertGreaterThan((m..<n).map { abs(moved[$0] - before[$0]) }.max()!, 1e-4, "targets must read the context")
    }
}
