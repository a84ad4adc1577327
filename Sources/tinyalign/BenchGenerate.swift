import ArgumentParser
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

    func run() throws {
        guard tokens > 0, iterations > 0 else { throw CLIError("--tokens and --iterations must be positive") }
        let model = try BenchModels.make(config)
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
        // f32 weights: 4 bytes per parameter; a tied head reads the embedding once more per token, which the
        // lookup of one row does not, so the parameter count is the bytes read to within one row.
        let weightBytes = Double(model.parameterCount * 4)
        let bandwidth = BenchOps.copyBandwidth()
        let limit = bandwidth * 1e9 / weightBytes
        row["weight_mb_per_token"] = weightBytes / 1e6
        row["memory_bandwidth_gbps"] = bandwidth
        row["bandwidth_limit_tokens_per_s"] = limit
        row["share_of_bandwidth_limit"] = (row["tokens_per_s"] as! Double) / limit
        Timing.emit(row)
    }
}
