import ArgumentParser
import COpenBLAS
import TensorCore

/// `tinyalign bench gemm`: our matmul op beside a bare `cblas_sgemm` on transformer shapes.
struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm", abstract: "GFLOP/s of Tensor.matmul next to a bare cblas_sgemm on transformer shapes.")

    @Option(help: "Timed repetitions per shape.") var iterations = 20

    func run() throws {
        // (M, N, K): activations × weights of the tiny/small GPT configs at batch 8.
        let shapes = [(1024, 128, 512), (1024, 384, 1536), (2048, 1536, 384), (2048, 384, 384), (2048, 384, 1536), (1024, 512, 128)]
        var rng = SeededGenerator(seed: 1)
        for (m, n, k) in shapes {
            let a = Tensor.normal([m, k], using: &rng), b = Tensor.normal([k, n], using: &rng)
            let flops = 2.0 * Double(m * n * k)
            var c = Tensor.zeros([m, n])
            let bare = Timing.measure(warmup: 3, iterations: iterations) {
                a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k)
                } } }
            }
            let op = try Timing.measure(warmup: 3, iterations: iterations) { _ = try Tensor.matmul(a, b) }
            for (name, times) in [("cblas_sgemm", bare), ("Tensor.matmul", op)] {
                var row = Timing.summary(times)
                row["bench"] = "gemm"; row["impl"] = name; row["m"] = m; row["n"] = n; row["k"] = k
                row["threads"] = BLAS.threads
                row["gflops"] = flops / ((row["ms_median"] as! Double) * 1e6)
                Timing.emit(row)
            }
            let overhead = (Timing.summary(op)["ms_median"] as! Double) / (Timing.summary(bare)["ms_median"] as! Double) - 1
            Timing.emit(["bench": "gemm_overhead", "m": m, "n": n, "k": k, "overhead_pct": overhead * 100])
        }
    }
}
