import Autograd
import TensorCore
import XCTest

/// The AVX-512 softmax, log-softmax and cross-entropy under finite differences, and the AVX-512 AdamW step bit for bit against the Swift loop.
final class AVX512KernelGradTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorKernels.avx512Available, "this CPU has no AVX-512")
    }

    override func tearDown() { VectorKernels.avx512Enabled = true }

    func testSoftmaxGradcheckOnTheAVX512Path() throws {
        VectorKernels.avx512Enabled = true
        // 19 columns: one full 16-lane vector and a masked tail.
        try assertGradientsMatch([gradcheckInput([3, 19], std: 2)]) { $0[0].softmax() }
    }

    func testCrossEntropyAndLogSoftmaxGradcheckOnTheAVX512Path() throws {
        VectorKernels.avx512Enabled = true
        try assertGradientsMatch([gradcheckInput([4, 21], std: 2, seed: 3)]) { v in
            try Variable.crossEntropy(logits: v[0], targets: [20, -100, 0, 16])
        }
        try assertGradientsMatch([gradcheckInput([2, 17], std: 2, seed: 4)]) { $0[0].logSoftmax() }
    }

    func testAdamWStepIsBitIdenticalToTheSwiftLoop() throws {
        func run(avx512: Bool) throws -> (initial: [Float], weights: [Float], state: [[Float]]) {
            VectorKernels.avx512Enabled = avx512
            defer { VectorKernels.avx512Enabled = true }
            var rng = SeededGenerator(seed: 11)
            // 70_003 elements: split over the cores in uneven chunks, with a masked tail.
            let p = Variable(Tensor.normal([70_003], std: 0.02, using: &rng), requiresGrad: true)
            let q = Variable(Tensor.normal([5, 3], using: &rng), requiresGrad: true)
            let initial = p.value.scalars + q.value.scalars
            let opt = try AdamW(parameters: [p, q], lr: 3e-3, weightDecay: 0.1)
            for step in 0..<4 {
                var grng = SeededGenerator(seed: UInt64(100 + step))
                p.grad = Tensor.normal([70_003], std: 0.01, using: &grng)
                q.grad = Tensor.normal([5, 3], using: &grng)
                opt.step()
            }
            let state = opt.state.tensors.sorted { $0.key < $1.key }.map { $0.value.scalars }
            return (initial, p.value.scalars + q.value.scalars, state)
        }
        let wide = try run(avx512: true), portable = try run(avx512: false)
        XCTAssertEqual(wide.weights.count, 70_018)
        XCTAssertEqual(wide.weights, portable.weights)
        XCTAssertEqual(wide.state, portable.state)
        // The steps moved every weight, so equal results are not two untouched copies.
        XCTAssertEqual(zip(wide.initial, wide.weights).filter { $0 == $1 }.count, 0)
    }
}
