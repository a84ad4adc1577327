import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign sft`: supervised fine-tuning on completions (prompt loss masked out).
struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sft",
        abstract: "Completion-only supervised fine-tuning from a base checkpoint.",
        discussion: TrainingOptions.defaults(SFTConfig().training))

    @Option(help: "Base checkpoint folder (config.json, model.safetensors, tokenizer.json).") var model: String
    @Option(help: "JSONL with prompt + completion (or chosen) + optional group.") var data: String
    @Option(help: "Optional validation JSONL (default: 10% of each group of --data).") var validation: String?
    @Option(help: "Run folder to write.") var out: String
    @OptionGroup var training: TrainingOptions
    @OptionGroup var distributed: DistributedOptions
    @OptionGroup var memory: MemoryOptions
    @OptionGroup var lora: LoRAOptions
    @OptionGroup var adapterOption: AdapterOption
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var chat: ChatOptions
    @OptionGroup var truncationOptions: TruncationOptions
    @OptionGroup var runFolder: RunFolderOptions
    @Flag(help: "Continue from <out>/checkpoint.") var resume = false

    /// Every option checked before a file is read (exit status 2, no run folder).
    func validate() throws {
        var config = SFTConfig()
        try training.apply(to: &config.training)
        try runFolder.check(out: out, resume: resume)
    }

    func run() throws {
        var config = SFTConfig()
        try training.apply(to: &config.training)
        try distributed.apply(to: &config.training)
        try memory.apply(to: &config.training)
        var job = SFTJob(model: URL(fileURLWithPath: model), data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out), config: config)
        job.validationData = validation.map { URL(fileURLWithPath: $0) }
        job.prompt = chat.apply(to: prompt.groupPrompt)
        job.epochs = training.epochs
        job.resume = resume
        job.lora = try lora.config()
        job.adapter = adapterOption.url
        job.truncation = truncationOptions.truncation
        let loss = try job.run()
        print("sft done: validation loss \(String(format: "%.4f", loss)); model in \(out)/final")
        print(PeakMemory.summaryLine)
    }
}

/// Options shared by commands that build group-prefixed prompts.
struct PromptOptions: ParsableArguments {
    @Option(help: "Group prompt template with {group} and {prompt}.") var groupTemplate = GroupPrompt.defaultTemplate
    @Flag(help: "Leave the group out of the prompt (unconditioned baseline).") var noGroupPrefix = false

    var groupPrompt: GroupPrompt { GroupPrompt(template: noGroupPrefix ? nil : groupTemplate) }
}
