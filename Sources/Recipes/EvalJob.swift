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
    /// Which part of `data` is scored: `all`, or the `train`, `validation` or `test` part of the per-group 80/10/10
    /// split `align` makes with `seed` (so a run's own held-out pairs can be scored again).
    public var split = "all"
    /// Seed of that split (`align`'s `--seed`; `recordedSeed` reads it from a run folder).
    public var seed: UInt64 = 0

    /// The splits `split` takes.
    public static let splits = ["train", "validation", "test", "all"]

    /// A LoRA adapter folder applied to `model` (nil: none).
    public var adapter: URL?
    /// The length budget pairs are fitted to (TRL's defaults unless given; `recordedTruncation` reads a run's).
    public var truncation = Truncation()
    /// Cut too-long prompts (true) or drop those pairs.
    public var truncate = true

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

    /// The seed of the run that wrote `policy` (`run_config.json` beside or above it), for its split.
    public static func recordedSeed(for policy: URL) -> UInt64? {
        for dir in [policy, policy.deletingLastPathComponent()] {
            if let manifest = try? RunManifest<AnySettings>.read(dir.appendingPathComponent("run_config.json")) { return manifest.training.seed }
        }
        return nil
    }

    /// How many data files the run that wrote `policy` read (2 or more: a separate validation file, no split).
    public static func recordedDataFiles(for policy: URL) -> Int? {
        for dir in [policy, policy.deletingLastPathComponent()] {
            if let manifest = try? RunManifest<AnySettings>.read(dir.appendingPathComponent("run_config.json")) { return manifest.data.count }
        }
        return nil
    }

    /// The length budget and cut-or-drop choice of the `align` run that wrote `policy` (nil: not an align run
    /// folder, or one written before the budget was recorded).
    public static func recordedTruncation(for policy: URL) -> (truncation: Truncation, truncate: Bool)? {
        for dir in [policy, policy.deletingLastPathComponent()] {
            let url = dir.appendingPathComponent("run_config.json")
            if let manifest = try? RunManifest<AlignRunSettings>.read(url), let t = manifest.settings.truncation {
                return (t, manifest.settings.truncate)
            }
        }
        return nil
    }

    /// The examples of `split`.
    static func select(_ examples: [PreferenceExample], split: String, seed: UInt64) throws -> [PreferenceExample] {
        let parts = GroupSplit.split(examples, seed: seed)
        switch split {
        case "all": return examples
        case "train": return parts.train
        case "validation": return parts.validation
        case "test": return parts.test
        default: throw AlignmentError.invalidInput("unknown split \(split); expected \(splits.joined(separator: ", "))")
        }
    }

    /// Metrics overall, per group, worst group and average (with `group/<g>/pairs`, the pairs scored, and
    /// `truncated` / `dropped`, the pairs whose prompt was cut to fit and those left out), plus the group names.
    public func run() throws -> (metrics: [String: Double], groups: [String]) {
        let policy = try ModelBundle(model, adapter: adapter)
        let ref = try ModelBundle(reference)
        let examples = try Self.select(try PreferenceExample.load(data), split: split, seed: seed)
        guard !examples.isEmpty else { throw AlignmentError.badData(file: data.path, line: 0, "the \(split) split has no pairs") }
        let groups = try PreferenceSet.groupNames(of: examples, file: data.path)
        let set = try PreferenceSet(examples: examples, groups: groups, encoder: policy.encoder(truncate: truncate, truncation: truncation),
                                    prompt: prompt, file: data.path)
        guard !set.pairs.isEmpty else {
            throw AlignmentError.badData(file: data.path, line: 0, "none of the \(examples.count) pairs of the \(split) split fits the length budget (\(set.dropped) dropped)")
        }
        let refLogps = try ReferenceLogProbs.cached(modelDirectory: reference, model: ref.model, pairs: set.pairs,
                                                    padId: policy.eos, cacheDirectory: RunFiles.cacheDirectory(cacheDirectory)).values
        let loss = try PreferenceLosses.loss(for: config)
        var metrics = try PreferenceEvaluator.evaluate(model: policy.model, set: set, reference: refLogps, loss: loss,
                                                       beta: config.beta, padId: policy.eos)
        metrics.merge(AlignJob.pairCounts(set)) { a, _ in a }
        metrics["truncated"] = Double(set.truncated)
        metrics["dropped"] = Double(set.dropped)
        return (metrics, groups.map(PreferenceSet.displayName))
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
