import Alignment
import ArgumentParser
import Autograd
import Models
import Training
import TensorCore

/// `tinyalign bench dpo`: one DPO training step (by default 8 pairs of 64-token prompt + 64-token response, β = 0.1),
/// with cached reference log-probs and with the reference model run under no-grad every step.
struct BenchDPO: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dpo",
        abstract: "ms per DPO step, with cached reference log-probs and with the reference model run each step.")

    @Option(help: "tiny, small or smollm2-135m.") var config = "tiny"
    @Option(help: "Timed steps.") var iterations = 10
    @Option(help: "Untimed warm-up steps.") var warmup = 3
    @Option(help: "Prompt tokens per pair.") var prompt = 64
    @Option(help: "Response tokens per chosen and per rejected answer.") var response = 64
    @Option(help: "Pairs per step.") var pairs = 8
    @Option(help: "LoRA rank on all linear layers (default: full fine-tuning); the reference is then the same model with adapters off.")
    var loraR: Int?
    @Option(name: .customLong("base-dtype"), help: "With --lora-r: hold the frozen base in f32, bf16 or f16.") var baseDType = "f32"

    func validate() throws {
        guard prompt > 0, response > 0, pairs > 0, iterations > 0, warmup >= 0 else {
            throw ValidationError("--prompt, --response, --pairs and --iterations must be positive, --warmup 0 or more")
        }
    }

    func run() throws {
        let policy = try BenchModels.make(config)
        // With LoRA one model serves as policy and (adapters off) reference, as in `align --lora-r`.
        let reference = loraR == nil ? try BenchModels.make(config) : policy
        let adapters = try loraR.map {
            try LoRAAdapters.attach(to: policy, config: LoRAConfig(r: $0, alpha: Double(2 * $0), targets: [LoRAConfig.allLinear],
                                                                   baseDType: baseDType), seed: 0)
        }
        let beta: Float = 0.1
        var rng = SeededGenerator(seed: 0)
        func tokens(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(rng.nextInt(below: policy.vocabularySize)) } }
        var chosen: [EncodedSequence] = [], rejected: [EncodedSequence] = []
        for _ in 0..<pairs {
            let p = tokens(prompt)
            chosen.append(EncodedSequence(ids: p + tokens(response), responseStart: prompt))
            rejected.append(EncodedSequence(ids: p + tokens(response), responseStart: prompt))
        }
        let sequences = chosen + rejected
        let loop = try OptimizerStep(parameters: adapters?.parameters ?? policy.parameters, settings: TrainingSettings(steps: 1_000_000, lr: 1e-5, minLR: 1e-5,
                                                                              warmupSteps: 0, gradClip: 0))
        func referenceLogProbs() throws -> [Float] {
            try withAdaptersDisabled { try withNoGrad { try SequenceLogProbs.compute(model: reference, sequences: sequences, padId: 0) } }.value.scalars
        }
        let cached = try referenceLogProbs()
        var step = 0
        func dpoStep(runReference: Bool) throws {
            let ref = runReference
                ? try referenceLogProbs() : cached
            _ = try loop(step) {
                let lp = try SequenceLogProbs.compute(model: policy, sequences: sequences, padId: 0)
                let batch = PairLogProbs(policyChosen: try lp.sliced(axis: 0, range: 0..<pairs),
                                         policyRejected: try lp.sliced(axis: 0, range: pairs..<(2 * pairs)),
                                         referenceChosen: Tensor(shape: [pairs], Array(ref[..<pairs])),
                                         referenceRejected: Tensor(shape: [pairs], Array(ref[pairs...])))
                return try DPOLoss(beta: beta).perPairLoss(batch).mean()
            }
            step += 1
        }
        for runReference in [false, true] {
            var row = Timing.summary(try Timing.measure(warmup: warmup, iterations: iterations) { try dpoStep(runReference: runReference) })
            row["bench"] = "dpo"
            row["config"] = config
            row["reference"] = runReference ? "run every step" : "cached"
            row["lora_r"] = loraR ?? 0
            row["trainable_parameters"] = adapters?.parameterCount ?? policy.parameterCount
            row["pairs"] = pairs
            row["prompt"] = prompt
            row["response"] = response
            row["pairs_per_s"] = Double(pairs) / ((row["ms_median"] as! Double) / 1000)
            row["peak_rss_mb"] = Timing.peakRSSMegabytes()
            Timing.emit(row)
        }
    }
}
