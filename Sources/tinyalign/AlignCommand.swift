import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign align`: DPO-family preference optimisation with group weighting.
struct AlignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "align",
        abstract: "Align an SFT checkpoint on preference pairs (dpo, ipo, is-dpo, is-ipo, gr-dpo, gr-ipo, hinge, cdpo, simpo).",
        discussion: TrainingOptions.defaults(AlignConfig().training))

    @Option(help: "SFT checkpoint folder: the starting policy (and the reference model unless --reference is given).") var model: String
    @Option(help: "Separate reference checkpoint (default: --model); its tokenizer files must be the policy's.") var reference: String?
    @Option(help: "Preference JSONL (prompt, chosen, rejected, group); split 80/10/10 per group unless --validation is given.") var data: String
    @Option(help: "Optional validation JSONL.") var validation: String?
    @Option(help: "Run folder to write.") var out: String
    @Option(help: "Folder for cached reference log-probs (default: $TINYALIGN_CACHE_DIR or ~/.cache/tinyalign).") var cacheDir: String?
    @Option(help: "[is-|gr-]<loss>; losses: \(PreferenceLosses.all.keys.sorted().joined(separator: ", ")).") var method = "dpo"
    @Option(parsing: .unconditional, help: "β of the loss.") var beta: Float = 0.1
    @Option(parsing: .unconditional, help: "Mirror-ascent step η_α of the group weights (gr- methods).") var etaAlpha: Float = 0.01
    @Option(parsing: .unconditional, help: "χ: 1 = GRPO, 0 = equal-weight average of group losses (gr- methods).") var chi: Float = 1
    @Option(parsing: .unconditional, help: "Group-DRO adjustment C (adds C/√N_g in the α update; 0 = off).") var adjustment: Float = 0
    @Option(parsing: .unconditional, help: "Weight of an extra SFT term on the chosen responses (TRL's RPO α).") var sftWeight: Float = 0
    @Option(parsing: .unconditional, help: "Label smoothing ε of cdpo.") var labelSmoothing: Float = 0.1
    @Option(parsing: .unconditional, help: "Target margin γ of simpo.") var gamma: Float = 0.5
    @OptionGroup var training: TrainingOptions
    @OptionGroup var distributed: DistributedOptions
    @OptionGroup var memory: MemoryOptions
    @OptionGroup var lora: LoRAOptions
    @OptionGroup var adapterOption: AdapterOption
    @Option(parsing: .upToNextOption, help: "Groups to train on, comma-separated (default: all in the data).") var groups: [String] = []
    @OptionGroup var truncationOptions: TruncationOptions
    @OptionGroup var runFolder: RunFolderOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var chat: ChatOptions
    @OptionGroup var lossForm: LossFormOptions
    @OptionGroup var robustSchedule: RobustScheduleOptions
    @Flag(help: "Drop pairs that do not fit the context instead of cutting the prompt.") var dropLong = false
    @Flag(help: "Continue from <out>/checkpoint.") var resume = false
    @OptionGroup var prefixSharingOptions: PrefixSharingOptions
    @OptionGroup var seedsOption: SeedsOption

    /// Every option checked before a file is read (exit status 2, no run folder).
    func validate() throws {
        _ = try config()
        for folder in seedsOption.folders(out) { try runFolder.check(out: folder, resume: resume) }
    }

    /// The run settings from the options, refusing values no run can use.
    private func config() throws -> AlignConfig {
        var config = AlignConfig()
        config.method = method
        config.beta = beta
        config.etaAlpha = etaAlpha
        config.chi = chi
        config.adjustment = adjustment
        config.sftWeight = sftWeight
        config.labelSmoothing = labelSmoothing
        config.simpoGamma = gamma
        try training.apply(to: &config.training)
        try distributed.apply(to: &config.training)
        try memory.apply(to: &config.training)
        lossForm.apply(to: &config)
        robustSchedule.apply(to: &config)
        guard (try? PreferenceLosses.loss(for: config)) != nil else {
            throw ValidationError("unknown --method \(method); losses: \(PreferenceLosses.all.keys.sorted().joined(separator: ", ")), optionally prefixed by is- or gr-")
        }
        try UsageCheck.positive("--beta", beta)
        try UsageCheck.nonNegative("--eta-alpha", etaAlpha)
        try UsageCheck.within("--chi", chi, 0...1)
        try UsageCheck.nonNegative("--adjustment", adjustment)
        try UsageCheck.nonNegative("--sft-weight", sftWeight)
        try UsageCheck.within("--label-smoothing", labelSmoothing, 0...0.5)
        try UsageCheck.finite("--gamma", gamma)
        return config
    }

    func run() throws {
        prefixSharingOptions.apply()
        let config = try config()
        var job = AlignJob(model: URL(fileURLWithPath: model), data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out), config: config)
        job.validationData = validation.map { URL(fileURLWithPath: $0) }
        job.prompt = chat.apply(to: prompt.groupPrompt)
        job.groups = GroupList.parse(groups)
        job.truncation = truncationOptions.truncation
        job.referenceModel = reference.map { URL(fileURLWithPath: $0) }
        job.truncate = !dropLong
        job.epochs = training.epochs
        job.resume = resume
        job.lora = try lora.config()
        job.adapter = adapterOption.url
        job.cacheDirectory = cacheDir.map { URL(fileURLWithPath: $0) }
        let folders = seedsOption.folders(out)
        var perSeed: [[DemoJob.Result]] = [], groups: [String] = [], split = "test"
        for (s, folder) in folders.enumerated() {
            job.out = URL(fileURLWithPath: folder)
            job.config.seed = config.seed &+ UInt64(s)
            if folders.count > 1 { print("\n===== seed \(job.config.seed) -> \(folder)") }
            let result = try job.run()
            print(EvalJob.table(result.metrics, groups: result.groups))
            print("model in \(folder)/final; metrics in \(folder)/metrics.jsonl; held-out metrics in \(folder)/eval.json")
            perSeed.append([DemoJob.Result(method: config.method, metrics: result.metrics,
                                           alpha: Dictionary(uniqueKeysWithValues: zip(result.groups, result.alpha.map(Double.init))))])
            groups = result.groups
            split = result.split
        }
        if folders.count > 1 { try SeedsOption.summarise(perSeed, groups: groups, folders: folders, out: out, split: split) }
        print(PeakMemory.summaryLine)
    }
}
