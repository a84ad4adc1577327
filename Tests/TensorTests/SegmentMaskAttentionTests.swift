import TensorCore
import TestSupport
import XCTest

/// The segment rule of packed rows in both attention kernels, against attention written the obvious way in Double.
final class SegmentMaskAttentionTests: XCTestCase {
    /// q: (B, T, H·D), k, v: (B, T, KV·D); query i of row b sees key j iff j ≤ i and (seg[j] = 0 or seg[j] = seg[i]).
    private func naive(q: [Float], k: [Float], v: [Float], b: Int, t: Int, heads: GroupedQueryAttentionKernel.Heads,
                       segments: [Int32]) -> [Float] {
        let (nh, nkv, d) = (heads.query, heads.keyValue, heads.size)
        var out = [Float](repeating: 0, count: b * t * nh * d)
        for bi in 0..<b { for h in 0..<nh { for i in 0..<t {
            let kvh = h / (nh / nkv), own = segments[bi * t + i]
            let seen = (0...i).filter { segments[bi * t + $0] == 0 || segments[bi * t + $0] == own }
            let scores = seen.map { j -> Double in
                var s = 0.0
                for x in 0..<d { s += Double(q[(bi * t + i) * nh * d + h * d + x]) * Double(k[(bi * t + j) * nkv * d + kvh * d + x]) }
                return s / Double(d).squareRoot()
            }
            let mx = scores.max()!
            let e = scores.map { Foundation.exp($0 - mx) }
            let z = e.reduce(0, +)
            for x in 0..<d {
                var acc = 0.0
                for (n, j) in seen.enumerated() { acc += e[n] / z * Double(v[(bi * t + j) * nkv * d + kvh * d + x]) }
                out[(bi * t + i) * nh * d + h * d + x] = Float(acc)
            }
        } } }
        return out
    }

    /// Two rows, 37 tokens (more than a row block): prompts of different lengths, three and two response segments,
    /// a one-token segment, and padding with a segment id of its own.
    private let t = 37
    private var segments: [Int32] {
        let row0 = [Int32](repeating: 0, count: 10) + [Int32](repeating: 1, count: 12) + [Int32](repeating: 2, count: 1)
            + [Int32](repeating: 3, count: 14)
        let row1 = [Int32](repeating: 0, count: 20) + [Int32](repeating: 1, count: 6) + [Int32](repeating: 2, count: 7)
            + [Int32](repeating: -1, count: 4)
        return row0 + row1
    }

    func testGroupedQueryForwardMatchesNaiveMaskedAttention() throws {
        var rng = SeededGenerator(seed: 5)
        let heads = GroupedQueryAttentionKernel.Heads(query: 4, keyValue: 2, size: 6)
        let q = Tensor.normal([2, t, 24], using: &rng), k = Tensor.normal([2, t, 12], using: &rng), v = Tensor.normal([2, t, 12], using: &rng)
        let (out, saved) = try GroupedQueryAttentionKernel.forward(q: q, k: k, v: v, heads: heads, segments: segments)
        assertClose(out.scalars, naive(q: q.scalars, k: k.scalars, v: v.scalars, b: 2, t: t, heads: heads, segments: segments),
                    rtol: 1e-4, atol: 1e-5)
        // A response token gives no weight to another response's keys: row 0, query 30 (segment 3) and key 15 (segment 1).
        let p = saved.probabilities.scalars
        XCTAssertEqual(p[30 * t + 15], 0)
        XCTAssertGreaterThan(p[30 * t + 5], 0)
    }

    func testMultiHeadForwardMatchesNaiveMaskedAttention() throws {
        var rng = SeededGenerator(seed: 6)
        let (c, nh) = (12, 3)
        let qkv = Tensor.normal([2, t, 3 * c], using: &rng)
        let s = qkv.scalars
        func part(_ offset: Int) -> [Float] { (0..<(2 * t)).flatMap { r in s[(r * 3 * c + offset)..<(r * 3 * c + offset + c)] } }
        let heads = GroupedQueryAttentionKernel.Heads(query: nh, keyValue: nh, size: c / nh)
        let (out, _) = try CausalAttentionKernel.forward(qkv: qkv, heads: nh, segments: segments)
        assertClose(out.scalars, naive(q: part(0), k: part(c), v: part(2 * c), b: 2, t: t, heads: heads, segments: segments),
                    rtol: 1e-4, atol: 1e-5)
    }

    /// All-zero segments are plain causal attention, bit for bit.
    func testZeroSegmentsArePlainCausalAttention() throws {
        var rng = SeededGenerator(seed: 7)
        let qkv = Tensor.normal([2, t, 24], using: &rng)
        let plain = try CausalAttentionKernel.forward(qkv: qkv, heads: 2).out
        let zero = try CausalAttentionKernel.forward(qkv: qkv, heads: 2, segments: [Int32](repeating: 0, count: 2 * t)).out
        XCTAssertEqual(plain.scalars, zero.scalars)
    }

    func testWrongSegmentCountIsRefused() throws {
        XCTAssertThrowsError(try CausalAttentionKernel.forward(qkv: .zeros([2, 3, 12]), heads: 2, segments: [0, 0, 0])) { error in
            XCTAssertTrue("\(error)".contains("3 segment ids for 2 rows of 3 tokens"), "\(error)")
        }
    }
}
