import Autograd
import TensorCore
import XCTest

final class GroupedQueryAttentionGradTests: XCTestCase {
    func check(heads: GroupedQueryAttentionKernel.Heads, b: Int, t: Int, scale: Float? = nil, seed: UInt64) throws {
        let q = gradcheckInput([b, t, heads.query * heads.size], std: 0.7, seed: seed)
        let k = gradcheckInput([b, t, heads.keyValue * heads.size], std: 0.7, seed: seed + 1)
        let v = gradcheckInput([b, t, heads.keyValue * heads.size], seed: seed + 2)
        try assertGradientsMatch([q, k, v]) { x in
            try Variable.groupedQueryAttention(q: x[0], k: x[1], v: x[2], heads: heads, scale: scale)
        }
    }

    /// Two query heads per key/value head: dk and dv sum over the group.
    func testGroupedQueryGradcheck() throws { try check(heads: .init(query: 4, keyValue: 2, size: 3), b: 2, t: 5, seed: 1) }

    /// One key/value head for all queries (MQA).
    func testMultiQueryGradcheck() throws { try check(heads: .init(query: 3, keyValue: 1, size: 4), b: 1, t: 6, seed: 4) }

    /// KV = H, plain multi-head attention, with an explicit scale.
    func testMultiHeadGradcheck() throws { try check(heads: .init(query: 2, keyValue: 2, size: 4), b: 2, t: 4, scale: 0.3, seed: 7) }

    /// More positions than one row block (32), so the blocked products and the triangle skipping are covered.
    func testLongSequenceGradcheck() throws { try check(heads: .init(query: 2, keyValue: 1, size: 2), b: 1, t: 37, seed: 10) }
}
