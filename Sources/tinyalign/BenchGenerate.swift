import ArgumentParser
import CKernels
import Datasets
import Foundation
import Recipes
import Report
import Training
import Models
import TensorCore

/// `tinyalign bench generate`: greedy KV-cache decoding at batch 1 from a one-token prompt, the same work as
/// `torch_gpt.py --mode gen` (its `kv_tok_s`). Decoding at batch 1 reads every weight once per token, so the
/// row also gives the bandwidth limit (copy bandwidth ÷ weight bytes per token) and the share of it reached.
struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Tokens/s of greedy KV-cache decoding at batch 1, with peak RSS.")

    @Option(help: "tiny or small (vocab 256), or smollm2-135m or qwen2.5-0.5b.") var config = "tiny"
    @Option(help: "New tokens per run (capped by the context).") var tokens = 128
    @Option(help: "Timed runs (after 2 warm-up runs).") var iterations = 10
    @Option(help: "Llama one-token steps: tensor (grouped projections, the default) or graph (as before session 5).")
    var step = "tensor"
    @Option(help: "Nanoseconds the GEMM pool spins between a step's products (default 0: sleeps at once).")
    var spin: Int?
    @Option(help: "Decode one token on one thread below this many parameters (default 32000000; 0: always two).")
    var singleThreadBelow: Int?
    @Option(help: "Decoding weights of a Llama-family config: f32, or bf16 (copies rounded to BF16; its own limit).")
    var weights = "f32"
    @Flag(help: "Time graph steps, F32 tensor steps on OpenBLAS's GEMV and on ours (helpers spinning while the cores are free, always sleeping, always spinning --spin (default 50000 here), one thread) and BF16 tensor steps (two threads, one), alternating run by run in this process (Llama family).")
    var compare = false
    @Flag(help: "Also print where a token's time goes: ms per token for each part of the tensor step, the argmax, and the pool hand-offs per token (Llama family).")
    var breakdown = false
    @Option(help: "Matrix-vector products: own (ck_sgemv, the default where this CPU runs it) or openblas (cblas_sgemv, the rule before session 6).")
    var gemv = "own"

    func run() throws {
        guard tokens > 0, iterations > 0 else { throw CLIError("--tokens and --iterations must be positive") }
        guard step == "tensor" || step == "graph" else { throw CLIError("--step must be tensor or graph, not \(step)") }
        if let spin {
            guard spin >= 0 else { throw CLIError("--spin must be at least 0") }
            BLAS.decodingPoolSpinNanoseconds = spin
        }
        guard gemv == "own" || gemv == "openblas" else { throw CLIError("--gemv must be own or openblas, not \(gemv)") }
        if gemv == "openblas" { BLAS.ownGemvVariant = nil }
        if let singleThreadBelow { GPT.singleThreadDecodeLimit = max(0, singleThreadBelow) }
        let model = try BenchModels.make(config)
        (model as? Llama)?.decodesWithTensorStep = step == "tensor"
        if compare {
            guard let llama = model as? Llama else { throw CLIError("--compare needs a Llama-family config") }
            try compareSteps(llama)
            return
        }
        guard weights == "f32" || weights == "bf16" else { throw CLIError("--weights must be f32 or bf16, not \(weights)") }
        var bf16Elements = 0
        var bf16Drift: (maxAbs: Float, sameTokens: Bool)?
        if weights == "bf16" {
            guard let llama = model as? Llama, step == "tensor" else {
                throw CLIError("--weights bf16 needs a Llama-family config (smollm2-135m, qwen2.5-0.5b) and --step tensor")
            }
            // How far BF16 weights move the logits and the greedy tokens, against F32 in the same process.
            let f32Tokens = try llama.generate(prompt: [0], maxNewTokens: min(tokens, 32), eos: nil)
            func stepLogits() throws -> [Tensor] {
                var cache = llama.makeKVCache()
                return try f32Tokens.prefix(9).map { try llama.forwardCached([$0], cache: &cache) }
            }
            let f32Logits = try stepLogits()
            try llama.useBF16WeightsForDecoding()
            bf16Elements = llama.bf16DecodingWeights!.byteCount / 2
            let bf16Logits = try stepLogits()
            let worst = zip(f32Logits, bf16Logits).map { a, b in zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
            let bf16Tokens = try llama.generate(prompt: [0], maxNewTokens: min(tokens, 32), eos: nil)
            bf16Drift = (worst, bf16Tokens == f32Tokens)
        }
        var generated = 0
        let times = try Timing.measure(warmup: 2, iterations: iterations) {
            generated = try model.generate(prompt: [0], maxNewTokens: tokens, eos: nil).count - 1
        }
        var row = Timing.summary(times)
        row["bench"] = "generate"
        row["config"] = config
        row["new_tokens"] = generated
        row["tokens_per_s"] = Double(generated) / ((row["ms_median"] as! Double) / 1e3)
        row["peak_rss_mb"] = Timing.peakRSSMegabytes()
        row["threads"] = Parallel.workers
        row["step"] = step
        row["pool_spin_ns"] = BLAS.decodingPoolSpinNanoseconds
        row["single_thread_below"] = GPT.singleThreadDecodeLimit
        row["weights"] = weights
        row["gemv"] = BLAS.ownGemvVariant == nil ? "openblas" : "own"
        if let bf16Drift {
            row["bf16_max_abs_logit_diff_vs_f32"] = Double(bf16Drift.maxAbs)
            row["bf16_same_greedy_tokens_as_f32"] = bf16Drift.sameTokens ? 1 : 0
        }
        // f32 weights: 4 bytes per parameter; a tied head reads the embedding once more per token, which the
        // lookup of one row does not, so the parameter count is the bytes read to within one row.
        // BF16 decoding: 2 bytes for each weight of the projections and head, 4 for the rest (norms, biases).
        let weightBytes = Double((model.parameterCount - bf16Elements) * 4 + bf16Elements * 2)
        let bandwidth = BenchOps.copyBandwidth()
        let limit = bandwidth * 1e9 / weightBytes
        row["weight_mb_per_token"] = weightBytes / 1e6
        row["memory_bandwidth_gbps"] = bandwidth
        row["bandwidth_limit_tokens_per_s"] = limit
        row["share_of_bandwidth_limit"] = (row["tokens_per_s"] as! Double) / limit
        Timing.emit(row)
        if breakdown {
            guard let llama = model as? Llama, step == "tensor" else { throw CLIError("--breakdown needs a Llama-family config and --step tensor") }
            try emitBreakdown(llama)
        }
    }

    /// One greedy generation of `tokens` with `DecodeStepProfile` on: ms per token of each part, of the argmax,
    /// and of the rest (Swift glue, the cache's growth), and the pool hand-offs per token.
    private func emitBreakdown(_ llama: Llama) throws {
        DecodeStepProfile.reset()
        DecodeStepProfile.enabled = true
        defer { DecodeStepProfile.enabled = false }
        var cache = llama.makeKVCache()
        var logits = try llama.forwardCached([0], cache: &cache)
        DecodeStepProfile.reset()
        var rng = SeededGenerator(seed: 0)
        var argmaxNs: UInt64 = 0
        let handoffs0 = ck_gemv_handoffs()
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<tokens where cache.length < llama.contextLength {
            let a0 = DispatchTime.now().uptimeNanoseconds
            let next = Sampler.pick(logits, options: SamplingOptions(), rng: &rng)
            argmaxNs += DispatchTime.now().uptimeNanoseconds - a0
            logits = try llama.forwardCached([next], cache: &cache)
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - t0)
        let steps = Double(max(DecodeStepProfile.steps, 1))
        var row: [String: Any] = ["bench": "generate_breakdown", "config": config, "weights": weights, "steps": DecodeStepProfile.steps,
                                  "pool_spin_ns": BLAS.decodingPoolSpinNanoseconds]
        var parts = 0.0
        for part in DecodeStepProfile.Part.allCases {
            let ns = Double(DecodeStepProfile.nanoseconds[part.rawValue])
            parts += ns
            row["ms_\(part)"] = ns / steps / 1e6
        }
        row["ms_argmax"] = Double(argmaxNs) / steps / 1e6
        row["ms_other"] = (total - parts - Double(argmaxNs)) / steps / 1e6
        row["ms_per_token"] = total / steps / 1e6
        row["pool_handoffs_per_token"] = Double(ck_gemv_handoffs() - handoffs0) / steps
        Timing.emit(row)
    }

    /// The ways of running a one-token step, one generation each in turn, so the machine's drift hits them alike:
    /// one row per way with its own minimum and median. F32 steps on OpenBLAS's `cblas_sgemv` (the rule before
    /// session 6), on ours over two threads (helpers spinning while the cores are free, the default; always
    /// sleeping; always spinning `--spin`, default 50 µs), on ours on one thread, and BF16 on two threads and one.
    private func compareSteps(_ llama: Llama) throws {
        let savedSpin = BLAS.decodingPoolSpinNanoseconds, savedLimit = GPT.singleThreadDecodeLimit, savedGemv = BLAS.ownGemvVariant
        defer {
            BLAS.decodingPoolSpinNanoseconds = savedSpin
            GPT.singleThreadDecodeLimit = savedLimit
            BLAS.ownGemvVariant = savedGemv
            llama.bf16DecodingWeights = nil
        }
        let spin = self.spin ?? 50_000
        try llama.useBF16WeightsForDecoding()
        let bf16 = llama.bf16DecodingWeights
        let ways: [(name: String, tensor: Bool, spin: Int, bf16: Bool, threads: Int, own: Bool, autoSpin: Bool)] = [
            ("graph", false, 0, false, 2, true, true), ("tensor_openblas_gemv", true, 0, false, 2, false, true),
            ("tensor", true, 0, false, 2, true, true), ("tensor_helpers_sleeping", true, 0, false, 2, true, false),
            ("tensor_spinning_pool", true, spin, false, 2, true, false), ("tensor_one_thread", true, 0, false, 1, true, true),
            ("tensor_bf16", true, 0, true, 2, true, true), ("tensor_bf16_one_thread", true, 0, true, 1, true, true)]
        let savedAuto = BLAS.gemvAutoSpin
        defer { BLAS.gemvAutoSpin = savedAuto }
        var times = Array(repeating: [Double](), count: ways.count)
        var generated = 0
        for round in 0..<(iterations + 1) {
            for (w, way) in ways.enumerated() {
                llama.decodesWithTensorStep = way.tensor
                BLAS.decodingPoolSpinNanoseconds = way.spin
                llama.bf16DecodingWeights = way.bf16 ? bf16 : nil
                GPT.singleThreadDecodeLimit = way.threads == 1 ? Int.max : 0
                BLAS.ownGemvVariant = way.own ? savedGemv : nil
                BLAS.gemvAutoSpin = way.autoSpin
                let t0 = DispatchTime.now().uptimeNanoseconds
                generated = try llama.generate(prompt: [0], maxNewTokens: tokens, eos: nil).count - 1
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                if round > 0 { times[w].append(ms) } // round 0 warms up
            }
        }
        for (w, way) in ways.enumerated() {
            var row = Timing.summary(times[w])
            row["bench"] = "generate_compare"
            row["config"] = config
            row["way"] = way.name
            row["pool_spin_ns"] = way.spin
            row["threads"] = way.threads
            row["new_tokens"] = generated
            row["tokens_per_s"] = Double(generated) / ((row["ms_median"] as! Double) / 1e3)
            row["tokens_per_s_best"] = Double(generated) / ((row["ms_min"] as! Double) / 1e3)
            Timing.emit(row)
        }
    }
}
