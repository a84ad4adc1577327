import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training
import Models
import Tokenizer

/// `tinyalign pretrain`: next-token training of a GPT on a text file, with a resumable checkpoint in
/// `<out>/checkpoint`, the final model in `<out>/final`, `metrics.jsonl` and `run_config.json`.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain", abstract: "Train a GPT from scratch on a text file (next-token prediction).")

    @Option(help: "UTF-8 text file to train on (the last 10% is held out for the eval loss).") var data: String
    @Option(help: "tokenizer.json of a byte-level BPE with an <|endoftext|> token.") var tokenizer: String
    @Option(help: "tiny, small, or a Hugging Face config.json (vocab size and EOS come from the tokenizer). Not needed with --resume.")
    var config: String?
    @Option(help: "Run folder (metrics.jsonl, run_config.json, checkpoint/, final/).") var out: String
    @Option(parsing: .unconditional, help: "Optimizer steps.") var steps = 1000
    @Option(parsing: .unconditional, help: "Sequences per step.") var batchSize = 8
    @Option(parsing: .unconditional, help: "Peak learning rate (cosine decay to a tenth of it).") var lr: Float = 1e-3
    @Option(parsing: .unconditional, help: "Seed of the initial weights and of the data order.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Tokens per sequence (default: the model's context).") var context: Int?
    @Option(parsing: .unconditional, help: "Linear warmup steps (default: a tenth of the steps, at most 50).") var warmup: Int?
    @Option(parsing: .unconditional, help: "AdamW weight decay on weight matrices.") var weightDecay: Float = 0.1
    @Option(parsing: .unconditional, help: "Steps between eval losses (0: only at the end).") var evalEvery = 100
    @Option(parsing: .unconditional, help: "Steps between checkpoints (0: only at the end).") var checkpointEvery = 0
    @Flag(help: "Continue from <out>/checkpoint with the same settings.") var resume = false
    @OptionGroup var distributed: DistributedOptions

    @OptionGroup var runFolder: RunFolderOptions

    /// Every option checked before a file is read (exit status 2, no run folder).
    func validate() throws {
        do { _ = try trainingSettings() } catch let error as CLIError { throw ValidationError(error.description) }
        try runFolder.check(out: out, resume: resume)
    }

    func run() throws {
        try CommandSupport.oneLine(train)
    }

    /// Everything is read and checked before the run folder is touched, so a bad option leaves no output.
    private func train() throws {
        let settings = try trainingSettings()
        let tokenizerURL = URL(fileURLWithPath: tokenizer)
        let bpe = try CommandSupport.loadTokenizer(tokenizer)
        let eos = try CommandSupport.endOfTextId(bpe, path: tokenizer)
        let outURL = URL(fileURLWithPath: out)
        let model: any CausalLanguageModel = try resume ? resumedModel(outURL, vocabSize: bpe.vocabularySize, eos: eos)
                                                        : newModel(vocabSize: bpe.vocabularySize, eos: eos)
        if let context, context > model.contextLength {
            throw CLIError("--context \(context) is longer than the model's context of \(model.contextLength)")
        }
        guard FileManager.default.fileExists(atPath: data) else { throw CLIError("\(data): data file not found") }
        let tokens = try TokenDataset.load(text: URL(fileURLWithPath: data), tokenizer: bpe, tokenizerFile: tokenizerURL)
        let dataset = TokenDataset(tokens: tokens)
        let tokenizerJSON = try Data(contentsOf: tokenizerURL)
        let trainer: Pretrainer
        do {
            trainer = try Pretrainer(model: model, config: settings, data: dataset, out: outURL, tokenizerJSON: tokenizerJSON, resume: resume)
        } catch let e as TrainingError {
            if case .invalidInput = e { throw CLIError("\(data): \(e)") }
            throw e
        }
        let evalLoss = try trainer.run(progressLabel: "pretrain")
        print("eval loss \(String(format: "%.4f", evalLoss)); model saved to \(outURL.appendingPathComponent("final").path)")
        print(PeakMemory.summaryLine)
    }

    /// The trainer settings from the options, rejecting values no run can use.
    private func trainingSettings() throws -> PretrainConfig {
        var s = PretrainConfig()
        for (name, value) in [("--steps", steps), ("--batch-size", batchSize)] where value <= 0 {
            throw CLIError("\(name) must be positive, got \(value)")
        }
        for (name, value) in [("--eval-every", evalEvery), ("--checkpoint-every", checkpointEvery)] where value < 0 {
            throw CLIError("\(name) must be 0 or positive, got \(value)")
        }
        guard lr.isFinite, lr > 0 else { throw CLIError("--lr must be a positive number, got \(lr)") }
        guard weightDecay.isFinite, weightDecay >= 0 else { throw CLIError("--weight-decay must be >= 0, got \(weightDecay)") }
        if let context, context <= 0 { throw CLIError("--context must be positive, got \(context)") }
        let warmupSteps = warmup ?? min(50, steps / 10)
        guard (0...steps).contains(warmupSteps) else { throw CLIError("--warmup \(warmupSteps) must lie between 0 and --steps (\(steps))") }
        s.steps = steps
        s.batchSize = batchSize
        try distributed.apply(to: &s.training)
        s.context = context
        s.lr = lr
        s.minLR = lr / 10
        s.warmupSteps = warmupSteps
        s.weightDecay = weightDecay
        s.evalEvery = evalEvery
        s.checkpointEvery = checkpointEvery
        s.seed = seed
        return s
    }

    /// A fresh model: GPT-2 for `tiny`, `small` or a GPT-2 config.json; any other family ModelRegistry knows for a
    /// config.json with its `model_type` (e.g. `llama`, `qwen2`), with the tokenizer's vocabulary size and EOS.
    private func newModel(vocabSize: Int, eos: Int) throws -> any CausalLanguageModel {
        if let config, GPTConfig.named(config) == nil, let data = FileManager.default.contents(atPath: config),
           var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let type = object["model_type"] as? String, type != "gpt2" {
            object["vocab_size"] = vocabSize
            object["eos_token_id"] = eos
            object["bos_token_id"] = eos
            let patched = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try ModelSizeCheck.ensureTrainable(configJSON: patched, config: config)
            do { return try ModelRegistry.make(configJSON: patched, path: config, seed: seed) } catch { throw CLIError("\(error)") }
        }
        let gpt = try newModelConfig(vocabSize: vocabSize, eos: eos)
        try ModelSizeCheck.ensureTrainable(gpt.tensorShapes, config: config ?? "--config")
        return try GPT(gpt, seed: seed)
    }

    /// `--config` with the tokenizer's vocabulary size and `<|endoftext|>` id (also used as BOS, as GPT-2 does).
    private func newModelConfig(vocabSize: Int, eos: Int) throws -> GPTConfig {
        guard let config else { throw CLIError("--config is required (tiny, small or a config.json) unless --resume is given") }
        var c = try CommandSupport.modelConfig(config)
        c.vocabSize = vocabSize
        c.eosTokenId = eos
        c.bosTokenId = eos
        do { try c.validate() } catch { throw CLIError("\(config): \(error)") }
        return c
    }

    /// The model saved in `<out>/checkpoint`, which must fit the tokenizer (and `--config`, when given).
    private func resumedModel(_ outURL: URL, vocabSize: Int, eos: Int) throws -> any CausalLanguageModel {
        let folder = outURL.appendingPathComponent("checkpoint")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("trainer_state.json").path) else {
            throw CLIError("--resume: no training checkpoint in \(folder.path)")
        }
        let model = try Checkpoint.load(from: folder)
        guard model.vocabularySize == vocabSize else {
            throw CLIError("--resume: the checkpoint has a vocabulary of \(model.vocabularySize), the tokenizer \(vocabSize)")
        }
        if config != nil, try newModel(vocabSize: vocabSize, eos: eos).configJSON() != model.configJSON() {
            throw CLIError("--resume: --config \(config!) does not match the checkpoint's config.json")
        }
        return model
    }
}
