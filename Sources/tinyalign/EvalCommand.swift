import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign eval`: per-group preference metrics with the worst-group row.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval",
        abstract: "Per-group loss, reward accuracy, log-prob accuracy and margins of a policy on preference data.")

    @Option(help: "Policy checkpoint folder, or a folder of runs (align --seeds, demo, repro goqa): each run's final/, then mean ± std.") var model: String
    @OptionGroup var adapterOption: AdapterOption
    @Option(help: "Preference JSONL to evaluate on.") var data: String
    @Option(help: "Reference checkpoint (default: the model recorded in the run's run_config.json).") var reference: String?
    @Option(help: "Loss for the loss column (dpo, ipo, …).") var loss = "dpo"
    @Option(help: "β for rewards and loss.") var beta: Float = 0.1
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var chat: ChatOptions
    @OptionGroup var lossForm: LossFormOptions
    @Option(help: "Folder for cached reference log-probs (default: $TINYALIGN_CACHE_DIR or ~/.cache/tinyalign).") var cacheDir: String?
    @Flag(help: "Print the metrics as one JSON object instead of a table.") var json = false
    @Option(help: "Pairs to score: train, validation or test of align's per-group 80/10/10 split (with the run's seed when --model is in a run folder, else --seed), or all.")
    var split = "test"
    @Option(help: "Seed of the split (default: the run's, else 0).") var seed: UInt64?
    @OptionGroup var prefixSharingOptions: PrefixSharingOptions
    @OptionGroup var truncationOptions: TruncationOptions
    @Flag(help: "Drop pairs that do not fit instead of cutting the prompt. Without it and the three length options, a run folder's recorded length budget applies (else TRL's defaults, cutting).")
    var dropLong = false

    /// Options checked before any file is read.
    func validate() throws {
        guard EvalJob.splits.contains(split) else { throw ValidationError("--split must be one of \(EvalJob.splits.joined(separator: ", ")), got \(split)") }
        try UsageCheck.positive("--beta", beta)
    }

    func run() throws {
        prefixSharingOptions.apply()
        // A folder of runs (align --seeds, the demo, repro goqa) evaluates each run's final model, then aggregates.
        let top = URL(fileURLWithPath: model)
        let runs = RunFolders.isRun(top) || FileManager.default.fileExists(atPath: top.appendingPathComponent("config.json").path)
            ? [] : RunFolders.find(in: top).filter {     // the alignment runs (a demo folder also holds SFT runs)
                FileManager.default.fileExists(atPath: $0.appendingPathComponent("final").path)
                    && (try? RunManifest<AnySettings>.read($0.appendingPathComponent("run_config.json")))?.task == "align"
            }
        guard !runs.isEmpty else { try evaluate(top); return }
        var perRun: [[DemoJob.Result]] = [], groups: [String] = []
        for run in runs {
            print("\n== \(run.path)/final")
            let (m, g) = try evaluate(run.appendingPathComponent("final"))
            perRun.append([DemoJob.Result(method: loss, metrics: m, alpha: [:])])
            groups = g
        }
        guard runs.count > 1 else { return }
        print("\n== Over \(runs.count) runs (\(split) pairs; mean ± std)")
        print(DemoSeedTable.table(perRun, groups: groups))
        for line in DemoSeedTable.spread(perRun, split: split) { print(line) }
    }

    /// Evaluates one policy folder and prints its table (or JSON); returns the metrics and groups.
    @discardableResult
    func evaluate(_ policy: URL) throws -> (metrics: [String: Double], groups: [String]) {
        guard let ref = reference.map({ URL(fileURLWithPath: $0) }) ?? EvalJob.recordedReference(for: policy) else {
            throw ValidationError("no --reference given and none recorded in a run_config.json next to \(model)")
        }
        var job = EvalJob(model: policy, reference: ref, data: URL(fileURLWithPath: data))
        job.adapter = adapterOption.url
        job.config.method = loss
        job.config.beta = beta
        lossForm.apply(to: &job.config)
        job.prompt = chat.apply(to: prompt.groupPrompt)
        job.cacheDirectory = cacheDir.map { URL(fileURLWithPath: $0) }
        job.split = split
        job.seed = seed ?? EvalJob.recordedSeed(for: policy) ?? 0
        if split != "all", let data = EvalJob.recordedDataFiles(for: policy), data > 1 {
            FileHandle.standardError.write(Data("note: the run read a separate validation file, so it split no file; --split \(split) splits --data with seed \(job.seed) (use --split all to score a held-out file whole)\n".utf8))
        }
        // The run's own length budget unless one is given, so a run's pairs are scored on the tokens it trained on.
        if !truncationOptions.given, !dropLong, let recorded = EvalJob.recordedTruncation(for: policy) {
            (job.truncation, job.truncate) = recorded
        } else {
            job.truncation = truncationOptions.truncation
            job.truncate = !dropLong
        }
        let (m, groups) = try job.run()
        let counts = groups.map { "\($0) \(Int(m["group/\($0)/pairs"] ?? 0))" }.joined(separator: ", ")
        FileHandle.standardError.write(Data("split: \(split)\(split == "all" ? "" : " (seed \(job.seed))"); \(Int(m["pairs"] ?? 0)) pairs; per group: \(counts)\n".utf8))
        FileHandle.standardError.write(Data("\(Int(m["truncated"] ?? 0)) truncated (prompt cut, \(job.truncation.mode.rawValue); max length \(job.truncation.maxLength), max prompt length \(job.truncation.maxPromptLength)), \(Int(m["dropped"] ?? 0)) dropped (too long)\n".utf8))
        if json {
            let data = try JSONSerialization.data(withJSONObject: m, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(EvalJob.table(m, groups: groups))
        }
        return (m, groups)
    }
}
