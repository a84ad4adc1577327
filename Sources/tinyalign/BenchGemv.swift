import ArgumentParser
import CKernels
import COpenBLAS
import Dispatch
import TensorCore

/// `tinyalign bench gemv`: the matrix–vector products of one `smollm2-135m` decoding step (batch 1), ours
/// (`ck_sgemv_group`, AVX-512 and AVX2, on our pool with and without its spin) beside OpenBLAS's `cblas_sgemv`
/// (one call per matrix, its own threads), timed interleaved round by round. A product reads each weight once,
/// so its speed is GB/s of weights, printed beside the copy bandwidth (read + write bytes, as `bench peak`).
struct BenchGemv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemv", abstract: "GB/s of the decoding matrix-vector products: ours beside cblas_sgemv, 1 and 2 threads.")

    @Option(help: "Timed rounds per shape (each way once per round).") var rounds = 15
    @Option(help: "Thread counts to measure.") var threads: [Int] = [1, 2]
    @Option(help: "Nanoseconds the pool spins in the spinning rows.") var spin = 50_000

    /// (rows of each matrix sharing the input, input width, what it is).
    static let shapes: [([Int], Int, String)] = [
        ([576, 192, 192], 576, "SmolLM2 q/k/v"),
        ([576], 576, "SmolLM2 o_proj"),
        ([1536, 1536], 576, "SmolLM2 gate/up"),
        ([576], 1536, "SmolLM2 down"),
        ([49152], 576, "SmolLM2 head"),
    ]

    func run() throws {
        let bandwidth = BenchOps.copyBandwidth()
        Timing.emit(["bench": "copy_bandwidth", "gbps": bandwidth])
        var ways: [(String, Int32?, Int)] = [("cblas_sgemv", nil, 0)]
        if ck_has_avx512f() != 0 { ways += [("own_avx512", Int32(CK_GEMM_AVX512), 0), ("own_avx512_spin", Int32(CK_GEMM_AVX512), spin)] }
        if ck_has_avx2_fma() != 0 { ways += [("own_avx2", Int32(CK_GEMM_AVX2), 0)] }
        for count in threads {
            for (rows, n, what) in Self.shapes {
                var rng = SeededGenerator(seed: 1)
                // Copies of the weights filling 256 MB, used in turn, so every product streams its weights from
                // memory as a decoding step does (30 layers, 538 MB) instead of from the 32 MB L3.
                let setBytes = rows.reduce(0, +) * n * 4
                let copies = max(1, (256 << 20) / setBytes)
                let sets = (0..<copies).map { _ in rows.map { Tensor(shape: [$0, n], repeating: 0.5) } }
                let x = Tensor.normal([n], using: &rng)
                let outputs = rows.map { Tensor(uninitializedShape: [$0]) }
                let bytes = Double(rows.reduce(0, +) * n * 4)
                var times = Array(repeating: [Double](), count: ways.count)
                var next = 0
                BLAS.withThreads(count) {
                    for round in 0...rounds {
                        for (w, way) in ways.enumerated() {
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            // Ten back-to-back products, as a decoding step runs them (the spin only helps those).
                            for _ in 0..<10 {
                                product(way.1, spin: way.2, threads: count, sets[next % copies], x, outputs)
                                next += 1
                            }
                            if round > 0 { times[w].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 10) }
                        }
                    }
                }
                for (w, way) in ways.enumerated() {
                    let median = times[w].sorted()[times[w].count / 2], best = times[w].min()!
                    Timing.emit(["bench": "gemv", "shape": what, "way": way.0, "threads": count,
                                 "us_median": median / 1e3, "gbps_median": bytes / median, "gbps_best": bytes / best,
                                 "share_of_copy_bandwidth": bytes / median / bandwidth])
                }
            }
        }
    }

    private func product(_ variant: Int32?, spin: Int, threads: Int, _ weights: [Tensor], _ x: Tensor, _ outputs: [Tensor]) {
        let n = x.count
        withExtendedLifetime((weights, x, outputs)) {
            guard let variant else {
                for (w, y) in zip(weights, outputs) {
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(w.shape[0]), Int32(n), 1, w.storage.pointer, Int32(n),
                                x.storage.pointer, 1, 0, y.storage.pointer, 1)
                }
                return
            }
            let rows = weights.map { $0.shape[0] }
            let a: [UnsafePointer<Float>?] = weights.map { UnsafePointer($0.storage.pointer) }
            let y: [UnsafeMutablePointer<Float>?] = outputs.map { $0.storage.pointer }
            let bias = [UnsafePointer<Float>?](repeating: nil, count: weights.count)
            BLAS.withPoolSpin(spin) {
                _ = ck_sgemv_group(variant, Int32(threads), Int32(weights.count), rows, n, a, bias, x.storage.pointer, y)
            }
        }
    }
}
