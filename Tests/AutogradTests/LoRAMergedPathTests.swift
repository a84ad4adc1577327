import Autograd
import TensorCore
import XCTest

/// `frozenLinear` folds the LoRA update into the weight (W + s·B·A) when there is no dropout mask and the batch
/// has at least as many rows as input features. These shapes take that path: its gradients by central
/// differences in both layouts, and its outputs and gradients against the unmerged path (a dropout mask of ones
/// forces that one) to float rounding.
final class LoRAMergedPathTests: XCTestCase {
    /// [out, in] base with a bias: 12 rows ≥ 4 inputs, so the merged path.
    func testGradcheckMergedOutInLayoutWithBias() throws {
        let w = gradcheckInput([5, 4], seed: 41)
        let inputs = [gradcheckInput([3, 4, 4], seed: 42), gradcheckInput([5], seed: 43), gradcheckInput([2, 4], seed: 44),
                      gradcheckInput([5, 2], seed: 45)]
        try assertGradientsMatch(inputs) { v in
            try Variable.frozenLinear(v[0], weight: { w }, layout: .outIn, bias: v[1],
                                      update: LowRankUpdate(a: v[2], b: v[3], scaling: 0.8))
        }
    }

    /// [in, out] base (GPT-2's Conv1D), no bias: 6 rows ≥ 3 inputs.
    func testGradcheckMergedInOutLayout() throws {
        let w = gradcheckInput([3, 4], seed: 46)
        let inputs = [gradcheckInput([6, 3], seed: 47), gradcheckInput([2, 3], seed: 48), gradcheckInput([4, 2], seed: 49)]
        try assertGradientsMatch(inputs) { v in
            try Variable.frozenLinear(v[0], weight: { w }, layout: .inOut, bias: nil,
                                      update: LowRankUpdate(a: v[1], b: v[2], scaling: 1.5))
        }
    }

    /// A grouped-query k/v projection's shape (output narrower than the input, r between them): merged (no mask,
    /// 10 rows ≥ 6 inputs) and unmerged (a dropout mask), gradients of x, A and B by central differences.
    func testGradcheckNarrowOutputMergedAndWithMask() throws {
        let w = gradcheckInput([2, 6], seed: 61)
        let mask = Tensor(shape: [10, 6], (0..<60).map { $0 % 3 == 1 ? 0 : 1.5 })
        for m in [nil, mask] {
            let inputs = [gradcheckInput([10, 6], seed: 62), gradcheckInput([3, 6], seed: 63), gradcheckInput([2, 3], seed: 64)]
            try assertGradientsMatch(inputs) { v in
                try Variable.frozenLinear(v[0], weight: { w }, layout: .outIn, bias: nil,
                                          update: LowRankUpdate(a: v[1], b: v[2], scaling: 1.25, inputMask: m))
            }
        }
    }

    /// Merged (no mask) and unmerged (a mask of ones) give the same y, dx, dA, dB and dbias to 1e-5, and the
    /// frozen weight's own value is left as it was (the merge works on a copy).
    func testMergedEqualsUnmergedAndLeavesTheBaseUntouched() throws {
        for layout in [WeightLayout.outIn, .inOut] {
            let (rows, nIn, nOut, r) = (40, 24, 16, 4)
            let base = gradcheckInput(layout == .outIn ? [nOut, nIn] : [nIn, nOut], seed: 51)
            let frozen = Variable(base)
            let x = gradcheckInput([rows, nIn], seed: 52), seed = gradcheckInput([rows, nOut], seed: 53)
            let a = gradcheckInput([r, nIn], seed: 54), b = gradcheckInput([nOut, r], seed: 55), bias = gradcheckInput([nOut], seed: 56)
            func run(mask: Tensor?) throws -> [[Float]] {
                let xv = Variable(x, requiresGrad: true), av = Variable(a, requiresGrad: true), bv = Variable(b, requiresGrad: true)
                let biasv = Variable(bias, requiresGrad: true)
                let y = try Variable.frozenLinear(xv, weight: { frozen.value }, layout: layout, bias: biasv,
                                                  update: LowRankUpdate(a: av, b: bv, scaling: 0.5, inputMask: mask))
                y.backward(seed: seed)
                return [y.value.scalars, xv.grad!.scalars, av.grad!.scalars, bv.grad!.scalars, biasv.grad!.scalars]
            }
            let merged = try run(mask: nil), unmerged = try run(mask: Tensor.ones([rows, nIn]))
            for (name, (m, u)) in zip(["y", "dx", "dA", "dB", "dbias"], zip(merged, unmerged)) {
                XCTAssertEqual(m.count, u.count, "\(layout) \(name)")
                for (p, q) in zip(m, u) { XCTAssertEqual(p, q, accuracy: 1e-5 * max(1, abs(q)), "\(layout) \(name)") }
            }
            XCTAssertEqual(frozen.value.scalars, base.scalars, "\(layout): the frozen weight is not changed by the merge")
        }
    }
}
