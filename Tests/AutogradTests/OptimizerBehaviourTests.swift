import Foundation
import TensorCore
import TestSupport
import XCTest
import Autograd

/// Optimizer rules beyond the PyTorch trajectories: skipping, zeroing, plain SGD, bad input.
final class OptimizerBehaviourTests: XCTestCase {
    func testParameterWithoutGradientIsLeftAlone() throws {
        let a = Variable(Tensor(shape: [2], [1, 2]), requiresGrad: true)
        let b = Variable(Tensor(shape: [2], [3, 4]), requiresGrad: true)
        let opt = try AdamW(parameters: [a, b], lr: 0.1, weightDecay: 0.5)
        a.grad = Tensor(shape: [2], [1, -1])
        opt.step()
        XCTAssertEqual(b.value.scalars, [3, 4], "no grad: no decay, no update")
        XCTAssertEqual(Set(opt.state.tensors.keys), ["0.exp_avg", "0.exp_avg_sq", "0.step"])
        // First AdamW step: m̂ = g, v̂ = g², so the update is lr·g/(|g| + eps) after decay by (1 − lr·wd).
        assertClose(a.value.scalars, [1 * 0.95 - 0.1, 2 * 0.95 + 0.1], rtol: 1e-6)
        opt.zeroGrad()
        XCTAssertNil(a.grad)
        XCTAssertNil(b.grad)
    }

    func testPlainSGDIsGradientDescentWithCoupledDecay() throws {
        let p = Variable(Tensor(shape: [3], [1, -2, 4]), requiresGrad: true)
        let opt = try SGD(parameters: [p], lr: 0.5, weightDecay: 0.1)
        p.grad = Tensor(shape: [3], [2, 0, -1])
        opt.step()
        // p − lr·(g + wd·p): 1 − 0.5·2.1, −2 − 0.5·(−0.2), 4 − 0.5·(−0.6)
        assertClose(p.value.scalars, [-0.05, -1.9, 4.3], rtol: 1e-6)
        XCTAssertTrue(opt.state.tensors.isEmpty, "no momentum, no buffer")
    }

    func testMomentumBufferStartsAtTheFirstGradient() throws {
        let p = Variable(Tensor(shape: [1], [0]), requiresGrad: true)
        let opt = try SGD(parameters: [p], lr: 1, momentum: 0.5)
        for g: Float in [2, 4] { p.grad = Tensor(shape: [1], [g]); opt.step() }
        // b₁ = 2, b₂ = 0.5·2 + 4 = 5; p = −2 − 5
        XCTAssertEqual(p.value.scalars, [-7])
        XCTAssertEqual(opt.state.tensors["0.momentum_buffer"]?.scalars, [5])
    }

    func testLargeParameterUpdatedAcrossThreadsMatchesElementwiseFormula() throws {
        // 100 000 elements: big enough for Parallel.forRows to split the fused pass.
        let n = 100_000
        var rng = SeededGenerator(seed: 3)
        let start = Tensor.normal([n], using: &rng), grad = Tensor.normal([n], using: &rng)
        let p = Variable(start, requiresGrad: true)
        let opt = try AdamW(parameters: [p], lr: 0.01, weightDecay: 0.1)
        p.grad = grad
        opt.step()
        let w = start.scalars, g = grad.scalars
        let expected = (0..<n).map { i -> Float in
            let m = 0.1 * g[i] / 0.1, v = 0.001 * g[i] * g[i] / 0.001
            return w[i] * (1 - 0.001) - 0.01 * m / (v.squareRoot() + 1e-8)
        }
        assertClose(p.value.scalars, expected, rtol: 1e-5, atol: 1e-6)
        XCTAssertEqual(start.scalars, w, "the caller's copy of the start value is untouched (copy on write)")
    }

    func testBadHyperparametersThrow() {
        let p = [Variable(Tensor(shape: [1], [0]), requiresGrad: true)]
        let cases: [(String, () throws -> Any)] = [
            ("lr = -1.0", { try SGD(parameters: p, lr: -1) }),
            ("momentum = nan", { try SGD(parameters: p, lr: 1, momentum: .nan) }),
            ("beta1 = 1.0", { try AdamW(parameters: p, betas: (1, 0.999)) }),
            ("beta2 = -0.5", { try AdamW(parameters: p, betas: (0.9, -0.5)) }),
            ("eps = -1e-08", { try AdamW(parameters: p, eps: -1e-8) }),
        ]
        for (fragment, make) in cases {
            XCTAssertThrowsError(try make()) { XCTAssertTrue("\($0)".contains(fragment), "\($0) lacks \(fragment)") }
        }
    }

    func testLoadStateRejectsForeignState() throws {
        let p = [Variable(Tensor(shape: [2], [0, 0]), requiresGrad: true)]
        let opt = try AdamW(parameters: p)
        let bad: [(String, [String: Tensor])] = [
            ("unexpected state key '1.exp_avg'", ["1.exp_avg": Tensor(shape: [2], [0, 0])]),
            ("unexpected state key '0.momentum_buffer'", ["0.momentum_buffer": Tensor(shape: [2], [0, 0])]),
            ("state '0.exp_avg' has shape [3], expected [2]", ["0.exp_avg": Tensor(shape: [3], [0, 0, 0])]),
            ("parameter 0 lacks one of exp_avg, exp_avg_sq, step", ["0.exp_avg": Tensor(shape: [2], [0, 0])]),
            ("parameter 0 has step 1.5", ["0.exp_avg": Tensor(shape: [2], [0, 0]), "0.exp_avg_sq": Tensor(shape: [2], [0, 0]),
                                          "0.step": Tensor(scalar: 1.5)]),
        ]
        for (fragment, tensors) in bad {
            XCTAssertThrowsError(try opt.loadState(OptimizerState(tensors: tensors))) {
                XCTAssertTrue("\($0)".contains(fragment), "\($0) lacks \(fragment)")
            }
        }
        let json = Data(#"{"0.exp_avg": {"shape": [2], "values": [1]}}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(OptimizerState.self, from: json)) {
            XCTAssertTrue("\($0)".contains("1 values do not fill shape [2]"), "\($0)")
        }
    }
}
