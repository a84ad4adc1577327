import ArgumentParser
import Autograd
import Datasets
import Foundation
import Recipes
import Report
import Training
import Models
import TensorCore

/// `tinyalign bench train`: one training step (forward, backward, AdamW) of the tiny or small GPT on random
/// tokens at full context, the same work as `torch_gpt.py --mode train`; or of SmolLM2-135M (see `BenchModels`).
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "ms per training step (forward + backward + AdamW), tokens/s, GFLOP/s, peak RSS.")

    @Option(help: "tiny or small (vocab 256, full context), or smollm2-135m or qwen2.5-0.5b (256 tokens).") var config = "tiny"
    @Option(help: "Sequences per step.") var batchSize = 8
    @Option(help: "Timed steps (after 3 warm-up steps).") var steps = 20
    @Option(help: "Nanoseconds the GEMM pool's threads spin for the next product before sleeping (0: sleep at once).")
    var poolSpin = 0

    func run() throws {
        guard batchSize > 0, steps > 0 else { throw CLIError("--batch-size and --steps must be positive") }
        let model = try BenchModels.make(config)
        let optimizer = try AdamW(parameters: model.parameters, lr: 3e-4, betas: (0.9, 0.95), weightDecay: 0.1,
                                  decayMask: AdamW.decayMatricesOnly)
        let b = batchSize, t = BenchModels.trainingContext(model), v = model.vocabularySize
        var rng = SeededGenerator(seed: 0)
        let ids = (0..<(b * t)).map { _ in Int32(rng.nextInt(below: v)) }
        let targets = (0..<(b * t)).map { _ in Int32(rng.nextInt(below: v)) }
        let times = try BLAS.withPoolSpin(poolSpin) {
            try Timing.measure(warmup: 3, iterations: steps) {
                optimizer.zeroGrad()
                try model.loss(ids, targets: targets, batch: b).backward()
                optimizer.step()
            }
        }
        var row = Timing.summary(times)
        let seconds = (row["ms_median"] as! Double) / 1e3
        row["bench"] = "train"
        row["config"] = config
        row["batch_size"] = b
        row["context"] = t
        row["params"] = model.parameterCount
        row["tokens_per_s"] = Double(b * t) / seconds
        row["gflops"] = BenchModels.flopsPerStep(model, batch: b, context: t) / seconds / 1e9
        row["peak_rss_mb"] = Timing.peakRSSMegabytes()
        row["threads"] = Parallel.workers
        row["pool_spin_ns"] = poolSpin
        Timing.emit(row)
    }

    /// Model FLOPs of one training step (PaLM's accounting, nanoGPT's `estimate_mfu`):
    ///
    ///     6 · N · B·T  +  12 · L · T² · C · B
    ///
    /// N counts the weights that take part in a matmul: every block's c_attn, attn c_proj, c_fc and mlp c_proj
    /// (12·C² + 13·C with biases, counted as weights, as nanoGPT does) plus the tied head (V·C); the position
    /// embedding is a lookup and layer norms are not matmuls, so neither counts. Forward is 2 FLOPs per weight
    /// per token and backward twice that, hence 6. The attention term is q·kᵀ and P·v forward (2 · 2·T²·C per
    /// layer and sequence, the full square rather than the causal half) times 3 for forward + backward.
    static func flopsPerStep(_ c: GPTConfig, batch: Int) -> Double {
        let e = Double(c.nEmbd), l = Double(c.nLayer), t = Double(c.nPositions), b = Double(batch)
        let matmulWeights = l * (12 * e * e + 13 * e) + Double(c.vocabSize) * e
        return 6 * matmulWeights * b * t + 12 * l * t * t * e * b
    }
}
