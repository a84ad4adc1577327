import TensorCore
import TestSupport
import XCTest

final class CausalAttentionKernelTests: XCTestCase {
    /// Attention written the slow, obvious way in Double: per batch, head and query, softmax over keys ≤ query.
    private func naive(_ qkv: [Float], b: Int, t: Int, c: Int, heads: Int) -> [Float] {
        let hs = c / heads
        var out = [Float](repeating: 0, count: b * t * c)
        func at(_ bi: Int, _ ti: Int, _ col: Int) -> Double { Double(qkv[(bi * t + ti) * 3 * c + col]) }
        for bi in 0..<b { for h in 0..<heads { for i in 0..<t {
            var scores = [Double]()
            for j in 0...i {
                var s = 0.0
                for d in 0..<hs { s += at(bi, i, h * hs + d) * at(bi, j, c + h * hs + d) }
                scores.append(s / Double(hs).squareRoot())
            }
            let mx = scores.max()!
            let e = scores.map { Foundation.exp($0 - mx) }
            let z = e.reduce(0, +)
            for d in 0..<hs {
                var acc = 0.0
                for j in 0...i { acc += e[j] / z * at(bi, j, 2 * c + h * hs + d) }
                out[(bi * t + i) * c + h * hs + d] = Float(acc)
            }
        } } }
        return out
    }

    func testForwardMatchesNaive() throws {
        var rng = SeededGenerator(seed: 3)
        let (b, t, c, heads) = (2, 7, 12, 3)
        let qkv = Tensor.normal([b, t, 3 * c], using: &rng)
        let (out, saved) = try CausalAttentionKernel.forward(qkv: qkv, heads: heads)
        XCTAssertEqual(out.shape, [b, t, c])
        assertClose(out.scalars, naive(qkv.scalars, b: b, t: t, c: c, heads: heads), rtol: 1e-4, atol: 1e-5)
        // Each probability row sums to 1 and is zero above the diagonal.
        let p = saved.probabilities.scalars
        for row in 0..<(b * heads * t) {
            let i = row % t
            let r = Array(p[(row * t)..<((row + 1) * t)])
            XCTAssertEqual(r.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertTrue(r[(i + 1)...].allSatisfy { $0 == 0 })
        }
    }

    func testFirstPositionCopiesItsValue() throws {
        // The first query can only see itself, so its output is its own value vector.
        var rng = SeededGenerator(seed: 4)
        let qkv = Tensor.normal([1, 3, 3 * 4], using: &rng)
        let (out, _) = try CausalAttentionKernel.forward(qkv: qkv, heads: 2)
        assertClose(Array(out.scalars[0..<4]), Array(qkv.scalars[8..<12]))
    }

    func testRejectsBadShapes() {
        XCTAssertThrowsError(try CausalAttentionKernel.forward(qkv: .zeros([2, 3, 10]), heads: 2)) { error in
            XCTAssertTrue("\(error)".contains("(B, T, 3C)"), "\(error)")
        }
        XCTAssertThrowsError(try CausalAttentionKernel.forward(qkv: .zeros([2, 3, 12]), heads: 3)) { error in
            XCTAssertTrue("\(error)".contains("not divisible"), "\(error)")
        }
    }
}
