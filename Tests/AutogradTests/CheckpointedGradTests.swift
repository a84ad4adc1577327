import Autograd
import TensorCore
import TestSupport
import XCTest

/// `Variable.checkpointed`: the same value and gradients as running the body directly, with the body's inner
/// activations not kept.
final class CheckpointedGradTests: XCTestCase {
    /// A small two-layer body: gelu(x·W₁)·W₂ + x.
    static func body(_ x: Variable, _ w1: Variable, _ w2: Variable) throws -> Variable {
        try Variable.linear(Variable.linear(x, weight: w1, bias: nil).gelu(), weight: w2, bias: nil) + x
    }

    func testGradcheckThroughTwoCheckpointedBlocks() throws {
        try assertGradientsMatch([gradcheckInput([3, 4], seed: 1), gradcheckInput([4, 6], std: 0.5, seed: 2),
                                  gradcheckInput([6, 4], std: 0.5, seed: 3)]) { v in
            let h = try Variable.checkpointed([v[0]], parameters: [v[1], v[2]]) { try Self.body($0[0], v[1], v[2]) }
            return try Variable.checkpointed([h], parameters: [v[1], v[2]]) { try Self.body($0[0], v[1], v[2]) }
        }
    }

    /// Values and gradients equal the plain graph's to 1e-6, including a parameter only the body reads and an
    /// input that needs no gradient.
    func testGradientsEqualThePlainGraph() throws {
        func run(_ checkpoint: Bool) throws -> [[Float]] {
            let x = Variable(gradcheckInput([5, 4], seed: 4))
            let w1 = Variable(gradcheckInput([4, 8], seed: 5), requiresGrad: true)
            let w2 = Variable(gradcheckInput([8, 4], seed: 6), requiresGrad: true)
            var h = x
            for _ in 0..<3 {
                h = checkpoint ? try Variable.checkpointed([h], parameters: [w1, w2]) { try Self.body($0[0], w1, w2) }
                    : try Self.body(h, w1, w2)
            }
            let y = try (h * h).sum()
            y.backward()
            return [y.value.scalars, w1.grad!.scalars, w2.grad!.scalars]
        }
        for (a, b) in zip(try run(true), try run(false)) { assertClose(a, b, rtol: 1e-6, atol: 1e-6) }
    }

    /// Without gradient recording the body runs once and nothing is recorded.
    func testNoGradIsThePlainBody() throws {
        let w = Variable(gradcheckInput([4, 4], seed: 5), requiresGrad: true)
        var runs = 0
        let y = try withNoGrad {
            try Variable.checkpointed([Variable(gradcheckInput([2, 4], seed: 1))], parameters: [w]) { runs += 1; return try Variable.linear($0[0], weight: w, bias: nil) }
        }
        XCTAssertEqual(runs, 1)
        XCTAssertFalse(y.requiresGrad)
    }
}
