import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign rank`: Plackett–Luce alignment on rankings of two or more responses.
struct RankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rank",
        abstract: "Align an SFT checkpoint on rankings (responses + ranking, partial allowed; pairs too) with the Plackett–Luce loss.")

    @Option(help: "SFT checkpoint folder: the starting policy and the reference model.") var model: String
    @Option(help: "Rankings JSONL (prompt, responses, ranking best first, group); pair lines are read as rankings of two. Split 80/10/10 per group.") var data: String
    @Option(help: "Run folder to write.") var out: String
    @Option(help: "pl, is-pl (importance-weighted groups) or gr-pl (group-robust).") var method = "pl"
    @Option(parsing: .unconditional, help: "β of the implicit reward.") var beta: Float = 0.1
    @Option(parsing: .unconditional, help: "Mirror-ascent step η_α of the group weights (gr-pl).") var etaAlpha: Float = 0.01
    @Option(parsing: .unconditional, help: "Optimizer steps.") var steps = 200
    @Option(parsing: .unconditional, help: "Rankings per step.") var batchSize = 8
    @Option(parsing: .unconditional, help: "Peak learning rate.") var lr: Float = 1e-4
    @Option(help: "Seed of the data split and order.") var seed: UInt64 = 0
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var memory: MemoryOptions
    @OptionGroup var lora: LoRAOptions
    @OptionGroup var adapterOption: AdapterOption
    @Flag(help: "Drop rankings that do not fit the context instead of cutting the prompt.") var dropLong = false
    @Option(help: "Steps between resumable checkpoints (0 = end only).") var checkpointEvery = 0
    @Flag(help: "Continue from <out>/checkpoint with the same settings.") var resume = false
    @OptionGroup var truncationOptions: TruncationOptions
    @OptionGroup var runFolder: RunFolderOptions
    @OptionGroup var prefixSharingOptions: PrefixSharingOptions

    /// Every option checked before a file is read (exit status 2, no run folder).
    func validate() throws {
        guard ["pl", "is-pl", "gr-pl"].contains(method) else { throw ValidationError("unknown --method \(method); rank takes pl, is-pl or gr-pl") }
        try UsageCheck.positive("--beta", beta)
        try UsageCheck.nonNegative("--eta-alpha", etaAlpha)
        try UsageCheck.positive("--steps", steps)
        try UsageCheck.positive("--batch-size", batchSize)
        try UsageCheck.positive("--lr", lr)
        try UsageCheck.nonNegative("--checkpoint-every", checkpointEvery)
        try runFolder.check(out: out, resume: resume)
    }

    func run() throws {
        prefixSharingOptions.apply()
        var config = AlignConfig()
        config.method = method
        config.beta = beta
        config.etaAlpha = etaAlpha
        config.steps = steps
        config.batchSize = batchSize
        config.lr = lr
        config.minLR = lr / 10
        config.seed = seed
        config.checkpointEvery = checkpointEvery
        try memory.apply(to: &config.training)
        var job = RankJob(model: URL(fileURLWithPath: model), data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out), config: config)
        job.prompt = prompt.groupPrompt
        job.truncate = !dropLong
        job.resume = resume
        job.lora = try lora.config()
        job.adapter = adapterOption.url
        job.truncation = truncationOptions.truncation
        let result = try job.run()
        print(EvalJob.table(result.metrics, groups: result.groups))
        print("model in \(out)/final; metrics in \(out)/metrics.jsonl; held-out metrics (implied pairs) in \(out)/eval.json")
        print(PeakMemory.summaryLine)
    }
}
