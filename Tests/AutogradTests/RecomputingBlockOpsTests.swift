import Autograd
import TensorCore
import TestSupport
import XCTest

/// The fused ops a Llama block uses to keep less for its backward (`TapeMemory.recomputesInBlocks`): central
/// differences on each, and each against the unfused ops it replaces, bit for bit (the same kernels recompute
/// the same values, so the forward output and every gradient must be identical floats, not merely close).
final class RecomputingBlockOpsTests: XCTestCase {
    /// RoPE tables (rows, D/2) of angles from a fixed pattern; any values are constants to the op.
    static func tables(rows: Int, half: Int) -> (cos: Tensor, sin: Tensor) {
        let angles = (0..<(rows * half)).map { Float(($0 * 7) % 11) * 0.37 - 1.5 }
        return (Tensor(shape: [rows, half], angles.map { Foundation.cos($0) }), Tensor(shape: [rows, half], angles.map { Foundation.sin($0) }))
    }

    /// The forward value and the gradients of every input under `f`, seeded by a fixed projection.
    static func valueAndGradients(_ inputs: [Tensor], _ f: ([Variable]) throws -> Variable) throws -> [[Float]] {
        let vars = inputs.map { Variable($0, requiresGrad: true) }
        let out = try f(vars)
        var rng = SeededGenerator(seed: 5)
        out.backward(seed: Tensor.uniform(out.shape, low: -1, high: 1, using: &rng))
        return [out.value.scalars] + vars.map { $0.grad?.scalars ?? [] }
    }

    /// Fused and unfused must agree exactly; `what` names the case in failures.
    func assertIdentical(_ inputs: [Tensor], _ what: String, fused: ([Variable]) throws -> Variable,
                         unfused: ([Variable]) throws -> Variable, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try Self.valueAndGradients(inputs, fused), b = try Self.valueAndGradients(inputs, unfused)
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() {
            XCTAssertFalse(x.isEmpty, "\(what): entry \(i) is empty", file: file, line: line)
            XCTAssertEqual(x, y, "\(what): \(i == 0 ? "forward value" : "gradient of input \(i - 1)") differs", file: file, line: line)
        }
    }

    func rotaryAttentionInputs(b: Int, t: Int, heads: GroupedQueryAttentionKernel.Heads, seed: UInt64) -> [Tensor] {
        [gradcheckInput([b, t, heads.query * heads.size], std: 0.7, seed: seed),
         gradcheckInput([b, t, heads.keyValue * heads.size], std: 0.7, seed: seed + 1),
         gradcheckInput([b, t, heads.keyValue * heads.size], seed: seed + 2)]
    }

    /// The unfused reference: rotate q and k one table row per position (T, D/2) or per token (B·T, D/2), then attend.
    static func unfusedRotaryAttention(_ x: [Variable], cos: Tensor, sin: Tensor, heads: GroupedQueryAttentionKernel.Heads,
                                       segments: [Int32]?) throws -> Variable {
        func rotated(_ y: Variable) throws -> Variable {
            guard cos.shape[0] != y.shape[1] else { return try y.rotaryEmbedding(cos: cos, sin: sin, headDim: heads.size) }
            return try y.reshaped([-1, y.shape[2]]).rotaryEmbedding(cos: cos, sin: sin, headDim: heads.size).reshaped(y.shape)
        }
        return try Variable.groupedQueryAttention(q: rotated(x[0]), k: rotated(x[1]), v: x[2], heads: heads, segments: segments)
    }

    func testRotaryAttentionGradcheckAndIdentity() throws {
        let heads = GroupedQueryAttentionKernel.Heads(query: 4, keyValue: 2, size: 4)
        let (b, t) = (2, 5)
        let inputs = rotaryAttentionInputs(b: b, t: t, heads: heads, seed: 40)
        let (cos, sin) = Self.tables(rows: t, half: heads.size / 2)
        let fused: ([Variable]) throws -> Variable = { x in
            try Variable.rotaryGroupedQueryAttention(q: x[0], k: x[1], v: x[2], cos: cos, sin: sin, heads: heads)
        }
        try assertGradientsMatch(inputs, fused)
        try assertIdentical(inputs, "rotary attention, (T, D/2) tables", fused: fused) { x in
            try Self.unfusedRotaryAttention(x, cos: cos, sin: sin, heads: heads, segments: nil)
        }
    }

    /// Packed rows: a table row per token and the segment rule; 37 positions cover more than one row block.
    func testRotaryAttentionPackedRowsGradcheckAndIdentity() throws {
        let heads = GroupedQueryAttentionKernel.Heads(query: 2, keyValue: 1, size: 4)
        let seg: [Int32] = [0, 0, 0, 1, 1, 2, 0, 0, 1, 1, 2, -1]
        let inputs = rotaryAttentionInputs(b: 2, t: 6, heads: heads, seed: 50)
        let (cos, sin) = Self.tables(rows: 12, half: 2)
        let fused: ([Variable]) throws -> Variable = { x in
            try Variable.rotaryGroupedQueryAttention(q: x[0], k: x[1], v: x[2], cos: cos, sin: sin, heads: heads, segments: seg)
        }
        try assertGradientsMatch(inputs, fused)
        try assertIdentical(inputs, "rotary attention, packed rows", fused: fused) { x in
            try Self.unfusedRotaryAttention(x, cos: cos, sin: sin, heads: heads, segments: seg)
        }
        let long = rotaryAttentionInputs(b: 1, t: 37, heads: heads, seed: 60)
        let (cl, sl) = Self.tables(rows: 37, half: 2)
        try assertIdentical(long, "rotary attention, 37 positions", fused: { x in
            try Variable.rotaryGroupedQueryAttention(q: x[0], k: x[1], v: x[2], cos: cl, sin: sl, heads: heads)
        }) { x in try Self.unfusedRotaryAttention(x, cos: cl, sin: sl, heads: heads, segments: nil) }
    }

    /// Attention with o_proj and the residual folded in, packed rows; a residual that does not fit is refused.
    func testRotaryAttentionProjectionGradcheckAndIdentity() throws {
        let heads = GroupedQueryAttentionKernel.Heads(query: 2, keyValue: 1, size: 4)
        let seg: [Int32] = [0, 0, 0, 1, 1, 2, 0, 0, 1, 1, 2, -1]
        let inputs = rotaryAttentionInputs(b: 2, t: 6, heads: heads, seed: 90)
            + [gradcheckInput([5, 8], std: 0.5, seed: 93), gradcheckInput([5], seed: 94), gradcheckInput([2, 6, 5], seed: 95)]
        let (cos, sin) = Self.tables(rows: 12, half: 2)
        let fused: ([Variable]) throws -> Variable = { x in
            try Variable.rotaryAttentionProjection(q: x[0], k: x[1], v: x[2], cos: cos, sin: sin, heads: heads, segments: seg,
                                                   weight: x[3], bias: x[4], residual: x[5])
        }
        try assertGradientsMatch(inputs, fused)
        try assertIdentical(inputs, "rotary attention projection", fused: fused) { x in
            try x[5] + Variable.dense(Self.unfusedRotaryAttention(x, cos: cos, sin: sin, heads: heads, segments: seg), weight: x[3], bias: x[4])
        }
        let v = inputs.map { Variable($0) }
        XCTAssertThrowsError(try Variable.rotaryAttentionProjection(q: v[0], k: v[1], v: v[2], cos: cos, sin: sin, heads: heads,
                                                                    weight: v[3], bias: nil, residual: v[0]))
    }

    func testGatedDenseGradcheckAndIdentity() throws {
        for activation in GateActivation.allCases {
            let inputs = [gradcheckInput([2, 3, 6], seed: 80), gradcheckInput([2, 3, 6], seed: 81), gradcheckInput([4, 6], std: 0.5, seed: 82),
                          gradcheckInput([4], seed: 83), gradcheckInput([2, 3, 4], seed: 84)]
            let fused: ([Variable]) throws -> Variable = { x in
                try Variable.gatedDense(gate: x[0], up: x[1], activation: activation, weight: x[2], bias: x[3], residual: x[4])
            }
            try assertGradientsMatch(inputs, fused)
            try assertIdentical(inputs, "gated dense, \(activation)", fused: fused) { x in
                try x[4] + Variable.dense(Variable.gated(gate: x[0], up: x[1], activation: activation), weight: x[2], bias: x[3])
            }
        }
    }
}
