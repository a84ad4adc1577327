import Foundation
import Tokenizer
import Models
import Training
import Datasets
import Alignment
import Report

/// `tinyalign aggregate`: min-max regret aggregation of K aligned policies (ALGORITHMS.md §7). Samples every
/// policy on a prompt set, builds the cross-policy log-ratio matrix L and the regret game R, solves it with
/// optimistic exponentiated gradient (checked against the exact LP) and writes `aggregate.json`.
public struct AggregateJob {
    /// The policy checkpoints π_1…π_K (one per group, typically).
    public var policies: [URL]
    /// The reference π_ref; nil uses the `model` recorded in a policy's `run_config.json`.
    public var reference: URL?
    /// Prompt JSONL (`prompt`, optional `group`).
    public var prompts: URL
    /// Where `aggregate.json` goes.
    public var out: URL
    /// Samples y ∼ π_j drawn per prompt and policy.
    public var samplesPerPrompt = 4
    /// Most tokens per sample before the EOS that ends it.
    public var maxNewTokens = 16
    /// Seed of all sampling.
    public var seed: UInt64 = 0
    /// How a prompt's group enters the model (as in training).
    public var prompt = GroupPrompt()
    /// Fairness weights c_i of the groups' regrets (nil = all 1).
    public var fairnessWeights: [Double]?

    /// A job writing to `out`.
    public init(policies: [URL], prompts: URL, out: URL, reference: URL? = nil) {
        self.policies = policies
        self.prompts = prompts
        self.out = out
        self.reference = reference
    }

    /// `reference`, else the first `run_config.json` `model` found next to a policy.
    public func resolvedReference() throws -> URL {
        if let reference { return reference }
        for p in policies { if let r = EvalJob.recordedReference(for: p) { return r } }
        throw AlignmentError.invalidInput("no reference given and none recorded in a run_config.json next to "
                                          + policies.map(\.path).joined(separator: ", "))
    }

    /// Runs the aggregation and writes `aggregate.json` atomically.
    public func run() throws -> AggregateResult {
        guard !policies.isEmpty else { throw AlignmentError.invalidInput("no policies to aggregate") }
        guard maxNewTokens >= 0 else { throw AlignmentError.invalidInput("max new tokens must be 0 or positive, got \(maxNewTokens)") }
        let referenceURL = try resolvedReference()
        let bundles = try policies.map(ModelBundle.init)
        let ref = try ModelBundle(referenceURL)
        for (url, b) in zip(policies + [referenceURL], bundles + [ref]) where !Self.sameTokenizer(b, bundles[0]) {
            throw AlignmentError.badData(file: url.appendingPathComponent("tokenizer.json").path, line: 0,
                                         "tokenizer differs from \(policies[0].path)'s; all models must share one")
        }
        let context = (bundles + [ref]).map(\.model.contextLength).min()!
        let examples = try PromptExample.load(prompts)
        var promptIds: [[Int32]] = []
        var budget = maxNewTokens
        for e in examples {
            let ids = bundles[0].tokenizer.encode(prompt.render(prompt: e.prompt, group: e.group)).map(Int32.init)
            // The sample's EOS must fit the context too.
            guard ids.count + 1 <= context else {
                throw AlignmentError.badData(file: prompts.path, line: e.line,
                                             "prompt is \(ids.count) tokens; the models' context of \(context) leaves no room for a response")
            }
            budget = min(budget, context - ids.count - 1)
            promptIds.append(ids)
        }
        let (logRatios, _) = try CrossPolicyLogRatios.estimate(
            policies: bundles.map(\.model), reference: ref.model, prompts: promptIds, samplesPerPrompt: samplesPerPrompt,
            maxNewTokens: budget, eos: bundles[0].eos, seed: seed)
        let regret = try RegretMatrix(logRatios: logRatios, fairnessWeights: fairnessWeights)
        let game = try regret.game()
        let result = AggregateResult(policies: policies.map { $0.standardizedFileURL.path },
                                     reference: referenceURL.standardizedFileURL.path, logRatios: logRatios,
                                     regrets: regret.regrets, solution: game.solveOptimistic(),
                                     exactValue: try game.solveExactly().value)
        try RunFiles.writeJSON(result.json(job: self, maxNewTokens: budget), to: out)
        return result
    }

    /// Whether two checkpoints tokenise identically.
    static func sameTokenizer(_ a: ModelBundle, _ b: ModelBundle) -> Bool {
        if a.tokenizerJSON == b.tokenizerJSON { return true }
        // Re-serialised copies of one tokenizer (e.g. different key order) still tokenise the same way.
        guard let x = a.tokenizer as? BPETokenizer, let y = b.tokenizer as? BPETokenizer else { return false }
        return x.vocab == y.vocab && x.merges == y.merges
    }
}

/// What `AggregateJob` computed (and wrote to `aggregate.json`).
public struct AggregateResult: Equatable {
    /// Absolute paths of the policies, in column order of L and R.
    public var policies: [String]
    /// Absolute path of the reference.
    public var reference: String
    /// L (K × K).
    public var logRatios: [[Double]]
    /// R ((K + 1) × K).
    public var regrets: [[Double]]
    /// The optimistic-exponentiated-gradient solution: `column` is w, `row` is q.
    public var solution: GameSolution
    /// The game value by the exact LP, for comparison.
    public var exactValue: Double

    /// The mixture weights w over the policies.
    public var weights: [Double] { solution.column }

    /// The `aggregate.json` object: the inputs, `L`, `R`, `weights` (w), `adversary` (q), `value`, plus the
    /// solver's `duality_gap`, `iterations` and the LP's `lp_value`.
    func json(job: AggregateJob, maxNewTokens: Int) -> [String: Any] {
        [
            "policies": policies, "reference": reference, "prompts": job.prompts.standardizedFileURL.path,
            "samples_per_prompt": job.samplesPerPrompt, "max_new_tokens": maxNewTokens, "seed": job.seed,
            "group_template": job.prompt.template ?? NSNull(),
            "L": logRatios, "R": regrets, "weights": solution.column, "adversary": solution.row, "value": solution.value,
            "duality_gap": solution.dualityGap, "iterations": solution.iterations, "lp_value": exactValue,
            "fairness_weights": job.fairnessWeights ?? [Double](repeating: 1, count: policies.count),
        ]
    }
}
