import Dispatch
@testable import TensorCore
import XCTest

/// The claimed-chunk split of the matrix–vector products (CKernels `ck_share_run`, gemv_share.c): on two
/// threads every product equals the one-thread product bit for bit (each row goes through the same kernel
/// whoever claims it), over many back-to-back jobs (helpers waking late into a newer job), with the helpers
/// sleeping, spinning by their own contention probe and spinning always, and when two callers use it at once
/// (one of them runs inline).
final class GemvShareTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.normal(shape, using: &rng)
    }

    /// (stacked rows, width): a head-like product of many chunks, q/k/v and gate/up-like groups, odd tails.
    private let shapes: [([Int], Int)] = [([4099], 576), ([72, 24, 24], 96), ([130, 130], 61), ([17], 1536), ([5, 0, 27], 16)]

    private func products(_ shape: ([Int], Int), seed: UInt64) throws -> (x: Tensor, weights: [Tensor], biases: [Tensor?]) {
        let x = random([1, shape.1], seed: seed)
        let weights = shape.0.enumerated().map { random([$0.element, shape.1], seed: seed + 1 + UInt64($0.offset)) }
        let biases: [Tensor?] = shape.0.indices.map { $0 % 2 == 0 ? random([shape.0[$0]], seed: seed + 7) : nil }
        return (x, weights, biases)
    }

    func testTwoThreadsEqualOneThreadOverManyJobs() throws {
        let saved = BLAS.ownGemvMinWorkPerThread
        defer { BLAS.ownGemvMinWorkPerThread = saved }
        BLAS.ownGemvMinWorkPerThread = 0
        for (s, shape) in shapes.enumerated() {
            let (x, weights, biases) = try products(shape, seed: 10 * UInt64(s))
            let expected = try BLAS.withThreads(1) { try GroupedDenseKernel.forward(x, weights: weights, biases: biases) }
            let savedAuto = BLAS.gemvAutoSpin
            defer { BLAS.gemvAutoSpin = savedAuto }
            // Helpers sleeping at once, spinning while the cores are free (the default), and spinning 50 µs always.
            for (spin, auto) in [(0, false), (0, true), (50_000, false)] {
                BLAS.gemvAutoSpin = auto
                try BLAS.withThreads(2) { try BLAS.withPoolSpin(spin) {
                    for round in 0..<25 {
                        let got = try GroupedDenseKernel.forward(x, weights: weights, biases: biases)
                        for g in weights.indices {
                            XCTAssertEqual(got[g].scalars, expected[g].scalars, "\(shape), spin \(spin), auto \(auto), round \(round), matrix \(g)")
                        }
                        // The single-matrix path (ck_sgemv, dot form) through DenseKernel, as o_proj, down and the head run.
                        let dense = try DenseKernel.forward(x, weight: weights[0], bias: biases[0])
                        XCTAssertEqual(dense.scalars, expected[0].scalars, "\(shape) dense, spin \(spin), round \(round)")
                    }
                } }
            }
        }
    }

    func testConcurrentCallersGetExactProducts() throws {
        let saved = BLAS.ownGemvMinWorkPerThread
        defer { BLAS.ownGemvMinWorkPerThread = saved }
        BLAS.ownGemvMinWorkPerThread = 0
        let (x, weights, biases) = try products(([1000, 64], 200), seed: 99)
        let expected = try BLAS.withThreads(1) { try GroupedDenseKernel.forward(x, weights: weights, biases: biases) }
        let mismatches = try BLAS.withThreads(2) { () -> Int in
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
            defer { counts.deallocate() }
            counts.initialize(repeating: 0)
            DispatchQueue.concurrentPerform(iterations: 2) { caller in
                for _ in 0..<30 {
                    let got = (try? GroupedDenseKernel.forward(x, weights: weights, biases: biases)) ?? []
                    if got.map(\.scalars) != expected.map(\.scalars) { counts[caller] += 1 }
                }
            }
            return counts.reduce(0, +)
        }
        XCTAssertEqual(mismatches, 0)
    }
}
