import Alignment
import ArgumentParser
import Foundation

/// `tinyalign sft`: supervised fine-tuning on completions (prompt loss masked out).
struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sft",
        abstract: "Completion-only supervised fine-tuning from a base checkpoint.")

    @Option(help: "Base checkpoint folder (config.json, model.safetensors, tokenizer.json).") var model: String
    @Option(help: "JSONL with prompt + completion (or chosen) + optional group.") var data: String
    @Option(help: "Optional validation JSONL (default: 10% of each group of --data).") var validation: String?
    @Option(help: "Run folder to write.") var out: String
    @Option(help: "Optimizer steps.") var steps = 200
    @Option(help: "Passes over the training data (overrides --steps).") var epochs: Double?
    @Option(help: "Sequences per step.") var batchSize = 8
    @Option(help: "Peak learning rate.") var lr: Float = 3e-4
    @Option(help: "Seed of the data order.") var seed: UInt64 = 0
    @Option(help: "Steps between validation losses.") var evalEvery = 50
    @Option(help: "Steps between resumable checkpoints (0 = end only).") var checkpointEvery = 0
    @OptionGroup var prompt: PromptOptions
    @Flag(help: "Continue from <out>/checkpoint.") var resume = false

    func run() throws {
        var config = SFTConfig()
        config.steps = steps
        config.batchSize = batchSize
        config.lr = lr
        config.minLR = lr / 10
        config.seed = seed
        config.evalEvery = evalEvery
        config.checkpointEvery = checkpointEvery
        var job = SFTJob(model: URL(fileURLWithPath: model), data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out), config: config)
        job.validationData = validation.map { URL(fileURLWithPath: $0) }
        job.prompt = prompt.groupPrompt
        job.epochs = epochs
        job.resume = resume
        let loss = try job.run()
        print("sft done: validation loss \(String(format: "%.4f", loss)); model in \(out)/final")
    }
}

/// Options shared by commands that build group-prefixed prompts.
struct PromptOptions: ParsableArguments {
    @Option(help: "Group prompt template with {group} and {prompt}.") var groupTemplate = GroupPrompt.defaultTemplate
    @Flag(help: "Leave the group out of the prompt (unconditioned baseline).") var noGroupPrefix = false

    var groupPrompt: GroupPrompt { GroupPrompt(template: noGroupPrefix ? nil : groupTemplate) }
}
