import Autograd
import TensorCore
import XCTest

/// The fused LoRA layer y = x·W' + b + s·((m ⊙ x)·Aᵀ)·Bᵀ: gradients of x, bias, A and B by central differences
/// (the base weight is frozen and gets none), and the forward against the same sum built from plain ops.
final class LoRALinearGradTests: XCTestCase {
    /// [out, in] base weight (the Llama family), with a bias, a dropout mask and a non-zero B.
    func testGradcheckOutInLayoutWithMaskAndBias() throws {
        let w = gradcheckInput([6, 5], seed: 11)
        let mask = Tensor(shape: [2, 3, 5], (0..<30).map { $0 % 4 == 0 ? 0 : 1 / 0.75 })
        let inputs = [gradcheckInput([2, 3, 5], seed: 1), gradcheckInput([6], seed: 2), gradcheckInput([3, 5], seed: 3),
                      gradcheckInput([6, 3], seed: 4)]
        try assertGradientsMatch(inputs) { v in
            try Variable.frozenLinear(v[0], weight: { w }, layout: .outIn, bias: v[1],
                                      update: LowRankUpdate(a: v[2], b: v[3], scaling: 0.7, inputMask: mask))
        }
    }

    /// [in, out] base weight (GPT-2's Conv1D), no bias, no mask.
    func testGradcheckInOutLayoutWithoutMask() throws {
        let w = gradcheckInput([5, 4], seed: 12)
        let inputs = [gradcheckInput([3, 5], seed: 5), gradcheckInput([2, 5], seed: 6), gradcheckInput([4, 2], seed: 7)]
        try assertGradientsMatch(inputs) { v in
            try Variable.frozenLinear(v[0], weight: { w }, layout: .inOut, bias: nil,
                                      update: LowRankUpdate(a: v[1], b: v[2], scaling: 2))
        }
    }

    /// Without an update the layer is the plain frozen affine map; only x and the bias get gradients.
    func testGradcheckFrozenLayerWithoutUpdate() throws {
        let w = gradcheckInput([4, 3], seed: 13)
        try assertGradientsMatch([gradcheckInput([2, 3], seed: 8), gradcheckInput([4], seed: 9)]) { v in
            try Variable.frozenLinear(v[0], weight: { w }, layout: .outIn, bias: v[1], update: nil)
        }
    }

    /// The fused forward equals x·Wᵀ + b + s·(m⊙x)·Aᵀ·Bᵀ computed with separate matrix products, and the base
    /// weight receives no gradient.
    func testForwardEqualsTheUnfusedSumAndTheBaseStaysFrozen() throws {
        let x = gradcheckInput([4, 5], seed: 21), w = gradcheckInput([3, 5], seed: 22), bias = gradcheckInput([3], seed: 23)
        let a = gradcheckInput([2, 5], seed: 24), b = gradcheckInput([3, 2], seed: 25)
        let mask = Tensor(shape: [4, 5], (0..<20).map { $0 % 3 == 0 ? 0 : 1.5 })
        let weight = Variable(w, requiresGrad: true)
        weight.setRequiresGrad(false)
        let av = Variable(a, requiresGrad: true), bv = Variable(b, requiresGrad: true), xv = Variable(x, requiresGrad: true)
        let y = try Variable.frozenLinear(xv, weight: { weight.value }, layout: .outIn, bias: Variable(bias),
                                          update: LowRankUpdate(a: av, b: bv, scaling: 0.5, inputMask: mask))
        var expected = try Tensor.matmul(x, w, transposeB: true)
        var xd = x
        for i in 0..<20 { xd[flat: i] *= mask[flat: i] }
        let low = try Tensor.matmul(Tensor.matmul(xd, a, transposeB: true), b, transposeB: true)
        for i in 0..<12 { expected[flat: i] += bias[flat: i % 3] + 0.5 * low[flat: i] }
        for i in 0..<12 { XCTAssertEqual(y.value[flat: i], expected[flat: i], accuracy: 1e-5) }
        y.backward()
        XCTAssertNil(weight.grad)
        XCTAssertNotNil(av.grad)
        XCTAssertNotNil(bv.grad)
        XCTAssertFalse(weight.requiresGrad)
    }
}

/// `dense` and `linear` with a frozen weight and bias: dx alone, equal to the unfrozen op's dx.
final class FrozenWeightGradTests: XCTestCase {
    func testFrozenDenseAndLinearGiveTheSameInputGradient() throws {
        for layout in [WeightLayout.outIn, .inOut] {
            let x = gradcheckInput([2, 3, 5], seed: 31), w = gradcheckInput(layout == .outIn ? [4, 5] : [5, 4], seed: 32)
            let b = gradcheckInput([4], seed: 33), seed = gradcheckInput([2, 3, 4], seed: 34)
            func dx(frozen: Bool) throws -> [Float] {
                let xv = Variable(x, requiresGrad: true), wv = Variable(w, requiresGrad: true), bv = Variable(b, requiresGrad: true)
                if frozen { wv.setRequiresGrad(false); bv.setRequiresGrad(false) }
                let y = layout == .outIn ? try Variable.dense(xv, weight: wv, bias: bv) : try Variable.linear(xv, weight: wv, bias: bv)
                y.backward(seed: seed)
                XCTAssertEqual(wv.grad == nil, frozen)
                return xv.grad!.scalars
            }
            let a = try dx(frozen: true), e = try dx(frozen: false)
            for (u, v) in zip(a, e) { XCTAssertEqual(u, v, accuracy: 1e-5) }
        }
    }
}
