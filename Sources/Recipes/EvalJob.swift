import Foundation
import Models
import Training
import Datasets
import Alignment
import Report

/// `tinyalign eval`: per-group preference metrics of a policy against its reference on a data file.
public struct EvalJob {
    /// The policy checkpoint.
    public var model: URL
    /// The reference checkpoint (the SFT model the policy started from).
    public var reference: URL
    /// Preference JSONL to evaluate on (all of it).
    public var data: URL
    /// Loss and β used for the `loss` and reward metrics.
    public var config = AlignConfig()
    /// How the group enters the prompt (must match training).
    public var prompt = GroupPrompt()
    /// Where reference log-probabilities are cached (nil: `CacheFolder`'s default, never beside the data).
    public var cacheDirectory: URL?

    /// A LoRA adapter folder applied to `model` (nil: none).
    public var adapter: URL?

    /// A job.
    public init(model: URL, reference: URL, data: URL) {
        self.model = model
        self.reference = reference
        self.data = data
    }

    /// The reference a run folder's policy was trained against: `run_config.json`'s `model`, searched from the
    /// policy folder upwards (`<run>/final` -> `<run>/run_config.json`).
    public static func recordedReference(for policy: URL) -> URL? {
        for dir in [policy, policy.deletingLastPathComponent()] {
            let url = dir.appendingPathComponent("run_config.json")
            if let manifest = try? RunManifest<AnySettings>.read(url), let path = manifest.model?.path {
                return URL(fileURLWithPath: path)
            }
        }
        return nil
    }

    /// Metrics overall, per group, worst group and average, plus the group names.
    public func run() throws -> (metrics: [String: Double], groups: [String]) {
        let policy = try ModelBundle(model, adapter: adapter)
        let ref = try ModelBundle(reference)
        let examples = try PreferenceExample.load(data)
        let groups = try PreferenceSet.groupNames(of: examples, file: data.path)
        let set = try PreferenceSet(examples: examples, groups: groups, encoder: policy.encoder(), prompt: prompt, file: data.path)
        let refLogps = try ReferenceLogProbs.cached(modelDirectory: reference, model: ref.model, pairs: set.pairs,
                                                    padId: policy.eos, cacheDirectory: RunFiles.cacheDirectory(cacheDirectory)).values
        let loss = try PreferenceLosses.loss(for: config)
        return (try PreferenceEvaluator.evaluate(model: policy.model, set: set, reference: refLogps, loss: loss,
                                                 beta: config.beta, padId: policy.eos), groups.map(PreferenceSet.displayName))
    }

    /// A text table: one row per group (loss, reward accuracy, log-prob accuracy, margin), then worst and average.
    public static func table(_ m: [String: Double], groups: [String]) -> String {
        let cols = ["loss", "rewards/accuracies", "logps/accuracies", "rewards/margins"]
        func fmt(_ x: Double?) -> String { x.map { String(format: "%10.4f", $0) } ?? String(repeating: " ", count: 9) + "-" }
        func row(_ name: String, _ prefix: String) -> String {
            name.padding(toLength: 24, withPad: " ", startingAt: 0) + cols.map { fmt(m[prefix + $0]) }.joined(separator: " ")
        }
        var lines = ["group".padding(toLength: 24, withPad: " ", startingAt: 0)
                     + ["loss", "reward_acc", "logp_acc", "margin"].map { $0.leftPad(10) }.joined(separator: " ")]
        for g in groups { lines.append(row(g, "group/\(g)/")) }
        lines.append(row("worst group", "worst_group/"))
        lines.append(row("average over groups", "average/"))
        lines.append(row("all pairs", ""))
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Right-aligns in `width` columns.
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
