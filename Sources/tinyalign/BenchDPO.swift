import Alignment
import Foundation
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

    @Option(help: "tiny, small, smollm2-135m or qwen2.5-0.5b.") var config = "tiny"
    @Option(help: "Timed steps.") var iterations = 10
    @Option(help: "Untimed warm-up steps.") var warmup = 3
    @Option(help: "Prompt tokens per pair.") var prompt = 64
    @Option(help: "Response tokens per chosen and per rejected answer.") var response = 64
    @Option(help: "Pairs per step.") var pairs = 8
    @Option(help: "scored: the head only at response positions, fused with log-softmax and chunked (what training does); all: full (tokens × vocabulary) logits, the path before.")
    var logits = "scored"
    @Option(name: .customLong("reference"), help: "Reference log-probs: cached, run (the reference model every step) or both (one row each).")
    var referenceMode = "both"
    @Option(help: "Micro-batches per step (as --grad-accum of the trainers).") var gradAccum = 1
    @Flag(help: "Recompute each block in the backward (as --checkpoint-activations).") var checkpointActivations = false
    @Option(help: "LoRA rank on all linear layers (default: full fine-tuning); the reference is then the same model with adapters off.")
    var loraR: Int?
    @Option(name: .customLong("base-dtype"), help: "With --lora-r: hold the frozen base in f32, bf16 or f16.") var baseDType = "f32"
    @Flag(help: "With --lora-r: also build a full fine-tune of the same shape and alternate its steps with the LoRA steps in this process (speedup_vs_full_median: the median of the pairs' time ratios).")
    var versusFull = false
    @OptionGroup var prefixSharing: PrefixSharingOptions
    @OptionGroup var tapeMemory: TapeMemoryOptions

    func validate() throws {
        guard prompt > 0, response > 0, pairs > 0, iterations > 0, warmup >= 0 else {
            throw ValidationError("--prompt, --response, --pairs and --iterations must be positive, --warmup 0 or more")
        }
        guard ["scored", "all"].contains(logits) else { throw ValidationError("--logits must be scored or all, got \(logits)") }
        guard ["cached", "run", "both"].contains(referenceMode) else {
            throw ValidationError("--reference must be cached, run or both, got \(referenceMode)")
        }
        guard gradAccum >= 1, pairs % gradAccum == 0 else { throw ValidationError("--grad-accum \(gradAccum) must divide --pairs \(pairs)") }
        guard !versusFull || (loraR != nil && !tapeMemory.alternates) else {
            throw ValidationError("--versus-full needs --lora-r and cannot be combined with --memory-saving ab")
        }
    }

    /// Summed response log-probs of the pairs, chosen then rejected: the library's (each prompt run once unless
    /// --prefix-sharing off, as training does), or (`--logits all`) through the full logits of unpacked rows.
    func sequenceLogProbs(_ model: any CausalLanguageModel, _ chosen: [EncodedSequence], _ rejected: [EncodedSequence]) throws -> Variable {
        guard logits == "all" else { return try SequenceLogProbs.pairs(model: model, chosen: chosen, rejected: rejected, padId: 0) }
        let sequences = chosen + rejected
        let (ids, targets, t) = SequenceLogProbs.batch(sequences, padId: 0)
        let perToken = try Variable.targetLogProbs(logits: model.logits(ids, batch: sequences.count), targets: targets)
        return try perToken.reshaped([sequences.count, t]).sum(axis: 1)
    }

    /// One configuration's models, optimizer and data (the same pairs for every configuration), and its step.
    final class Runner {
        let bench: BenchDPO
        let policy: any CausalLanguageModel
        let reference: any CausalLanguageModel
        let adapters: LoRAAdapters?
        let loop: OptimizerStep
        var chosen: [EncodedSequence] = [], rejected: [EncodedSequence] = []
        var phases = StepMemoryPhases()
        var cached: [Float] = []
        var index = 0

        init(_ bench: BenchDPO, loraR: Int?) throws {
            self.bench = bench
            let policy = try BenchModels.make(bench.config)
            self.policy = policy
            // With LoRA one model serves as policy and (adapters off) reference, as in `align --lora-r`; so does a
            // full fine-tune whose reference log-probs are all cached before the first step, as `align` does.
            reference = loraR == nil && bench.referenceMode != "cached" ? try BenchModels.make(bench.config) : policy
            adapters = try loraR.map {
                try LoRAAdapters.attach(to: policy, config: LoRAConfig(r: $0, alpha: Double(2 * $0), targets: [LoRAConfig.allLinear],
                                                                       baseDType: bench.baseDType), seed: 0)
            }
            var rng = SeededGenerator(seed: 0)
            let vocabulary = policy.vocabularySize
            func tokens(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(rng.nextInt(below: vocabulary)) } }
            for _ in 0..<bench.pairs {
                let p = tokens(bench.prompt)
                chosen.append(EncodedSequence(ids: p + tokens(bench.response), responseStart: bench.prompt))
                rejected.append(EncodedSequence(ids: p + tokens(bench.response), responseStart: bench.prompt))
            }
            loop = try OptimizerStep(parameters: adapters.map { $0.parameters } ?? policy.parameters,
                                     settings: TrainingSettings(steps: 1_000_000, lr: 1e-5, minLR: 1e-5, warmupSteps: 0, gradClip: 0))
            policy.checkpointActivations = bench.checkpointActivations
            cached = try referenceLogProbs()
        }

        func referenceLogProbs() throws -> [Float] {
            try phases.measure(\.reference) {
                try withAdaptersDisabled { try withNoGrad { try bench.sequenceLogProbs(reference, chosen, rejected) } }.value.scalars
            }
        }

        /// One DPO step: the reference pass when `runReference`, then forward, backward and AdamW.
        func step(_ runReference: Bool) throws {
            let ref = runReference ? try referenceLogProbs() : cached
            let (policy, chosen, rejected, bench) = (policy, chosen, rejected, bench)
            let task = BenchDPOTask(pairs: bench.pairs, beta: 0.1, reference: ref) { idx in
                try bench.sequenceLogProbs(policy, idx.map { chosen[$0] }, idx.map { rejected[$0] })
            }
            var rng = SeededGenerator(seed: 0)
            phases.begin(\.forward)
            _ = try loop.step(index) {
                let (value, backward) = try GradientAccumulation.objective(task: task, batch: Array(0..<bench.pairs), count: bench.gradAccum,
                                                                           rng: &rng)
                return (value, { self.phases.begin(\.backward); try backward(); self.phases.begin(\.optimizer) })
            }
            phases.end()
            index += 1
        }
    }

    func run() throws {
        prefixSharing.apply()
        tapeMemory.apply()
        let runner = try Runner(self, loraR: loraR)
        // --versus-full: a full fine-tune of the same shape in the same process, its steps alternating with these.
        let full = versusFull ? try Runner(self, loraR: nil) : nil
        for runReference in [false, true] where referenceMode == "both" || (referenceMode == "run") == runReference {
            runner.phases = StepMemoryPhases()
            full?.phases = StepMemoryPhases()
            var row: [String: Any]
            if tapeMemory.alternates {
                // Interleaved in one process (on, off, on, …), so the machine's drift falls on both alike.
                var times: [[Double]] = [[], []]
                for i in 0..<(warmup + 2 * iterations) {
                    TapeMemoryOptions.set(i % 2 == 0)
                    let t = try Timing.measure(warmup: 0, iterations: 1) { try runner.step(runReference) }
                    if i >= warmup { times[i % 2].append(t[0]) }
                }
                TapeMemoryOptions.set(true)
                row = Timing.summary(times[0])
                row["ms_median_memory_saving_off"] = Timing.summary(times[1])["ms_median"]
                row["ms_min_memory_saving_off"] = Timing.summary(times[1])["ms_min"]
            } else if let full {
                // LoRA step, full step, LoRA step, …: each pair ran back to back, so its ratio is little touched by
                // the machine's drift; the median of the pairs' ratios is the figure to quote.
                var times: [[Double]] = [[], []]
                for i in 0..<(warmup + iterations) {
                    for (k, r) in [runner, full].enumerated() {
                        let t = try Timing.measure(warmup: 0, iterations: 1) { try r.step(runReference) }
                        if i >= warmup { times[k].append(t[0]) }
                    }
                }
                row = Timing.summary(times[0])
                row["ms_median_full"] = Timing.summary(times[1])["ms_median"]
                row["ms_min_full"] = Timing.summary(times[1])["ms_min"]
                row["speedup_vs_full_median"] = Timing.summary(zip(times[1], times[0]).map { $0 / $1 })["ms_median"]
                row["speedup_vs_full_min"] = (row["ms_min_full"] as! Double) / (row["ms_min"] as! Double)
                row.merge(full.phases.timeFields(last: iterations).mapKeys { $0 + "_full" }) { old, _ in old }
            } else {
                row = Timing.summary(try Timing.measure(warmup: warmup, iterations: iterations) { try runner.step(runReference) })
            }
            row["memory_saving"] = tapeMemory.memorySaving
            row.merge(runner.phases.fields) { old, _ in old }
            row.merge(runner.phases.timeFields(last: tapeMemory.alternates ? 2 * iterations : iterations)) { old, _ in old }
            row["logits"] = logits
            row["grad_accum"] = gradAccum
            row["checkpoint_activations"] = checkpointActivations
            row["bench"] = "dpo"
            row["config"] = config
            row["reference"] = runReference ? "run every step" : "cached"
            row["lora_r"] = loraR ?? 0
            row["base_dtype"] = loraR == nil ? "f32" : baseDType
            row["trainable_parameters"] = runner.adapters?.parameterCount ?? runner.policy.parameterCount
            row["pairs"] = pairs
            row["prompt"] = prompt
            row["response"] = response
            row["pairs_per_s"] = Double(pairs) / ((row["ms_median"] as! Double) / 1000)
            row["peak_rss_mb"] = Timing.peakRSSMegabytes()
            row["prefix_sharing"] = prefixSharing.enabled
            Timing.emit(row)
        }
    }
}

extension Dictionary {
    /// The same values under keys `transform` makes.
    func mapKeys<K: Hashable>(_ transform: (Key) -> K) -> [K: Value] { Dictionary<K, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) }) }
}

/// The bench's DPO objective as a micro-batched task, so `--grad-accum` runs the trainers' own accumulation.
final class BenchDPOTask: MicroBatchedTask {
    let pairs: Int, beta: Float, reference: [Float]
    let logProbs: ([Int]) throws -> Variable

    /// `logProbs(idx)` gives the policy's chosen then rejected log-probs of pairs `idx`; `reference` holds the
    /// reference's chosen block then rejected block.
    init(pairs: Int, beta: Float, reference: [Float], logProbs: @escaping ([Int]) throws -> Variable) {
        self.pairs = pairs
        self.beta = beta
        self.reference = reference
        self.logProbs = logProbs
    }

    var exampleCount: Int? { pairs }
    func outputs(batch: [Int]) throws -> Variable { try logProbs(batch) }

    /// Mean DPO loss over the pairs of all micro-batches.
    func objective(microBatches: [[Int]], outputs: [Variable], rng: inout SeededGenerator) throws -> Variable {
        var chosen: [Variable] = [], rejected: [Variable] = []
        for (part, lp) in zip(microBatches, outputs) {
            chosen.append(try lp.sliced(axis: 0, range: 0..<part.count))
            rejected.append(try lp.sliced(axis: 0, range: part.count..<(2 * part.count)))
        }
        let idx = microBatches.flatMap { $0 }
        let batch = PairLogProbs(policyChosen: try GradientAccumulation.joined(chosen), policyRejected: try GradientAccumulation.joined(rejected),
                                 referenceChosen: Tensor(shape: [idx.count], idx.map { reference[$0] }),
                                 referenceRejected: Tensor(shape: [idx.count], idx.map { reference[pairs + $0] }))
        return try DPOLoss(beta: beta).perPairLoss(batch).mean()
    }

    func trainMetrics(objective: Float) -> [String: Double] { ["loss": Double(objective)] }
    func evaluate() throws -> [String: Double] { [:] }
}

/// Peak tensor bytes of each phase of a bench step (reference pass, policy forward, backward, clipping and
/// optimizer), the bytes live when the backward starts, and the step's peak (the largest of the phases): where
/// in the step the peak falls, for the memory tables of docs/benchmarks.md.
///
/// Each phase's wall time and minor page faults are kept per run of the phase too, so a row also says where a
/// step's time goes (`ms_<phase>`, `faults_<phase>`: medians over the last `iterations` runs of the phase).
struct StepMemoryPhases {
    var reference = 0, forward = 0, backward = 0, optimizer = 0, liveAtBackward = 0, idleAtPeak = 0
    private var current: WritableKeyPath<StepMemoryPhases, Int>?
    private var started: (ns: UInt64, faults: Int) = (0, 0)
    private var runs: [String: [(ms: Double, faults: Int)]] = [:]

    /// Ends the running phase (if any) and starts `phase` from what is alive now.
    mutating func begin(_ phase: WritableKeyPath<StepMemoryPhases, Int>) {
        end()
        if phase == \.backward { liveAtBackward = max(liveAtBackward, TensorMemory.liveBytes) }
        TensorMemory.resetPeak()
        current = phase
        started = (DispatchTime.now().uptimeNanoseconds, PeakMemory.minorFaults())
    }

    /// Ends the running phase, keeping the largest peak it has had and its time.
    mutating func end() {
        guard let current else { return }
        let peak = TensorMemory.peakBytes
        if peak > max(reference, forward, backward, optimizer) { idleAtPeak = TensorMemory.idleBytesAtPeak }
        self[keyPath: current] = max(self[keyPath: current], peak)
        runs[Self.name(current), default: []].append((Double(DispatchTime.now().uptimeNanoseconds - started.ns) / 1e6,
                                                      PeakMemory.minorFaults() - started.faults))
        self.current = nil
    }

    /// The JSON name of a phase.
    static func name(_ phase: WritableKeyPath<StepMemoryPhases, Int>) -> String {
        switch phase {
        case \.reference: return "reference"
        case \.forward: return "forward"
        case \.backward: return "backward"
        default: return "optimizer"
        }
    }

    /// `ms_<phase>` and `faults_<phase>`: medians over the last `last` runs of each phase.
    func timeFields(last: Int) -> [String: Any] {
        var out: [String: Any] = [:]
        for (phase, list) in runs {
            let tail = list.suffix(last)
            out["ms_\(phase)"] = Timing.summary(tail.map(\.ms))["ms_median"]
            out["faults_\(phase)"] = Timing.summary(tail.map { Double($0.faults) })["ms_median"]
        }
        return out
    }

    /// `body` as phase `phase`.
    mutating func measure<R>(_ phase: WritableKeyPath<StepMemoryPhases, Int>, _ body: () throws -> R) rethrows -> R {
        begin(phase)
        defer { end() }
        return try body()
    }

    /// `peak_tensor_mb` and the per-phase `peak_<phase>_mb`, `live_at_backward_mb` keys, and
    /// `idle_cache_at_peak_mb`: what the block cache held idle at the step's tensor peak (part of RSS − tensors).
    var fields: [String: Any] {
        let mb = { (bytes: Int) in Double(bytes) / 1_048_576 }
        return ["peak_tensor_mb": mb(max(reference, forward, backward, optimizer)), "peak_reference_mb": mb(reference),
                "peak_forward_mb": mb(forward), "peak_backward_mb": mb(backward), "peak_optimizer_mb": mb(optimizer),
                "live_at_backward_mb": mb(liveAtBackward), "idle_cache_at_peak_mb": mb(idleAtPeak)]
    }
}
