import ArgumentParser
import Dispatch
import TensorCore

/// `tinyalign bench gemm`: our packed SGEMM (`ck_sgemm`) beside OpenBLAS's `cblas_sgemm` on transformer shapes,
/// on 1 and 2 threads. The two are timed interleaved in the same process, one call each per round with the
/// order alternating, so load from other processes hits both alike; medians over the rounds, the spread, and
/// the ratio of the medians.
struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm", abstract: "GFLOP/s of our SGEMM and cblas_sgemm on transformer shapes, 1 and 2 threads.")

    @Option(help: "Timed rounds per shape and thread count (one call of each implementation per round).")
    var rounds = 9
    @Option(help: "Thread counts to measure.") var threads: [Int] = [1, 2]
    @Flag(help: "Skip the SmolLM2 lm_head product (1280x49152x576, 72 GFLOP per call).") var skipLarge = false
    @Option(help: "Only the shapes whose description contains this text (e.g. LoRA, SmolLM2).") var only: String?
    @Option(help: ArgumentHelp("Measure this shape instead of the table: MxNxK, optionally :NN, :NT, :TN or :TT for op(A), op(B) (repeatable).",
                               valueName: "MxNxK[:ab]"))
    var shape: [String] = []

    /// (M, N, K, transA, transB, what it is).
    static let shapes: [(Int, Int, Int, Bool, Bool, String)] = [
        (2048, 1152, 384, false, false, "small qkv fwd"),
        (2048, 1536, 384, false, false, "small mlp up fwd"),
        (2048, 384, 1536, false, false, "small mlp down fwd"),
        (2048, 384, 384, false, false, "small attn proj fwd"),
        (2048, 384, 1536, false, true, "small mlp up bwd dx"),
        (384, 1536, 2048, true, false, "small mlp up bwd dW"),
        (512, 512, 512, false, false, "square 512"),
        (1280, 576, 1536, false, false, "SmolLM2 mlp down fwd"),
        (1280, 1536, 576, false, false, "SmolLM2 mlp up fwd"),
        (1280, 49152, 576, false, true, "SmolLM2 lm_head fwd"),
        // A smollm2-135m DPO step: 16 sequences of 160 tokens (2560 rows); GQA k/v are 192 wide.
        (2560, 192, 576, false, true, "SmolLM2 k/v proj fwd"),
        (2560, 576, 192, false, false, "SmolLM2 k/v proj bwd dx"),
        (192, 576, 2560, true, false, "SmolLM2 k/v proj bwd dW"),
        (1536, 576, 2560, true, false, "SmolLM2 mlp up bwd dW"),
        (2560, 576, 1536, false, false, "SmolLM2 mlp up bwd dx"),
        // LoRA at rank 16: down to the rank, back up, and the adapters' dW.
        (2560, 16, 576, false, true, "LoRA r16 down fwd"),
        (2560, 576, 16, false, true, "LoRA r16 up fwd"),
        (16, 576, 2560, true, false, "LoRA r16 down bwd dW"),
        (576, 16, 2560, true, false, "LoRA r16 up bwd dW"),
        (2560, 8, 576, false, true, "LoRA r8 down fwd"),
        (2560, 64, 576, false, true, "LoRA r64 down fwd"),
        // The tiny GPT's step (batch 8 × 128 tokens = 1024 rows, C = 128) and one head of its attention.
        (1024, 384, 128, false, false, "tiny qkv fwd"),
        (1024, 512, 128, false, false, "tiny mlp up fwd"),
        (1024, 128, 512, false, false, "tiny mlp down fwd"),
        (1024, 128, 512, false, true, "tiny mlp up bwd dx"),
        (128, 512, 1024, true, false, "tiny mlp up bwd dW"),
        (128, 128, 32, false, true, "tiny attention scores"),
    ]

    /// Parses `MxNxK[:ab]` (a, b each N or T) into a table row.
    static func parseShape(_ text: String) throws -> (Int, Int, Int, Bool, Bool, String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let dims = parts[0].split(separator: "x").compactMap { Int($0) }
        let flags = parts.count > 1 ? Array(parts[1].uppercased()) : ["N", "N"]
        guard parts.count <= 2, dims.count == 3, dims.allSatisfy({ $0 > 0 }), flags.count == 2,
              flags.allSatisfy({ $0 == "N" || $0 == "T" }) else {
            throw ValidationError("--shape \(text): expected MxNxK with positive sizes, optionally :NN, :NT, :TN or :TT")
        }
        return (dims[0], dims[1], dims[2], flags[0] == "T", flags[1] == "T", "shape \(text)")
    }

    func run() throws {
        guard BLAS.runs(.own) else {
            throw ValidationError("this CPU runs neither AVX-512 nor AVX2: there is no own SGEMM to measure")
        }
        let table = shape.isEmpty ? Self.shapes : try shape.map(Self.parseShape)
        let saved = BLAS.backend
        defer { BLAS.backend = saved }
        for count in threads {
            let peak = BenchPeak.fmaPeak(threads: count)
            Timing.emit(["bench": "fma_peak", "threads": count, "gflops_best": peak])
            try BLAS.withThreads(count) {
                for (m, n, k, transA, transB, what) in table where !(skipLarge && n > 8192) && (only.map { what.contains($0) } ?? true) {
                    try measure(m: m, n: n, k: k, transA: transA, transB: transB, what: what, threads: count, peak: peak)
                }
            }
        }
    }

    private func measure(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, what: String, threads: Int,
                         peak: Double) throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        var rng = SeededGenerator(seed: 1)
        let a = Tensor.normal([m * k], using: &rng), b = Tensor.normal([k * n], using: &rng)
        var c = Tensor.zeros([m * n])
        let (lda, ldb) = (transA ? m : k, transB ? k : n)
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let impls: [(String, GemmBackend)] = [("own", .own), ("openblas", .openBLAS)]
        func call(_ backend: GemmBackend) -> Double {
            BLAS.backend = backend
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                BLAS.gemm(pa.baseAddress!, lda: lda, pb.baseAddress!, ldb: ldb, pc.baseAddress!, ldc: n,
                          m: m, n: n, k: k, transA: transA, transB: transB)
            } } }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        for (_, backend) in impls { _ = call(backend); _ = call(backend) }
        var times: [[Double]] = [[], []]
        for round in 0..<rounds {
            for slot in (round % 2 == 0 ? [0, 1] : [1, 0]) { times[slot].append(call(impls[slot].1)) }
        }
        var medians: [Double] = []
        for (slot, (name, _)) in impls.enumerated() {
            var row = Timing.summary(times[slot])
            let median = row["ms_median"] as! Double
            medians.append(median)
            row["bench"] = "gemm"; row["impl"] = name; row["shape"] = what
            row["m"] = m; row["n"] = n; row["k"] = k; row["trans_a"] = transA; row["trans_b"] = transB
            row["threads"] = threads; row["rounds"] = rounds
            row["gflops"] = flops / (median * 1e6)
            row["share_of_peak"] = peak > 0 ? flops / (median * 1e6) / peak : 0
            row["spread_pct"] = ((row["ms_max"] as! Double) - (row["ms_min"] as! Double)) / median * 100
            Timing.emit(row)
        }
        Timing.emit(["bench": "gemm_ratio", "shape": what, "m": m, "n": n, "k": k, "threads": threads,
                     "own_over_openblas": medians[1] / medians[0]])
    }
}
