import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training
import Models
import TensorCore
import Tokenizer

/// `tinyalign generate`: continues prompts with a checkpoint folder's model (KV-cached decoding), stopping at
/// `<|endoftext|>`, and prints each continuation. With `--mixture` (an `aggregate.json`) every prompt is a query
/// served by a policy drawn with the mixture's weights, and the serving policy is printed before its answer.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt with a trained model (checkpoint folder with tokenizer.json) or a policy mixture.")

    @Option(help: "Checkpoint folder (config.json, model.safetensors, tokenizer.json).") var model: String?
    @Option(help: "aggregate.json from `tinyalign aggregate`: each prompt is served by a policy drawn with its weights.")
    var mixture: String?
    @OptionGroup var adapterOption: AdapterOption
    @Option(help: "Text to continue (empty: start a new document); repeat for several queries.") var prompt: [String] = []
    @Option(help: "Most tokens to add.") var maxNewTokens = 100
    @Option(help: "Softmax temperature (0: greedy).") var temperature: Float = 0.8
    @Option(help: "Sample only among the k most likely tokens (0: all).") var topK = 0
    @Option(help: "Sample only among the most likely tokens reaching this probability (1: all).") var topP: Float = 1
    @Option(help: "Seed of the sampling (query q uses seed + q) and of the mixture draws.") var seed: UInt64 = 0
    @Flag(help: "Send each prompt as a user message through the model's chat template and print only the reply.")
    var chat = false
    @OptionGroup var decodingWeights: DecodingWeightsOption

    func validate() throws {
        guard (model == nil) != (mixture == nil) else {
            throw ValidationError("give exactly one of --model (one checkpoint) and --mixture (an aggregate.json)")
        }
        try CommandSupport.checkSampling(maxNewTokens: maxNewTokens, temperature: temperature, topK: topK, topP: topP)
    }

    func run() throws {
        try CommandSupport.oneLine {
            let queries = prompt.isEmpty ? [""] : prompt
            if let model {
                let loaded = try Self.load(model, adapter: adapterOption.url)
                try decodingWeights.apply(to: loaded.model, path: model)
                for (q, text) in queries.enumerated() { print(try continuation(text, with: loaded, seed: seed &+ UInt64(q))) }
                return
            }
            let path = mixture!
            let mix = try PolicyMixture.load(URL(fileURLWithPath: path))
            // The draws get their own stream (~seed), unrelated to the token sampling streams seeded seed + q.
            var rng = SeededGenerator(seed: ~seed)
            var loaded: [Int: ModelBundle] = [:]
            for (q, text) in queries.enumerated() {
                let j = mix.draw(using: &rng)
                if loaded[j] == nil {
                    loaded[j] = try Self.load(mix.policies[j].path)
                    try decodingWeights.apply(to: loaded[j]!.model, path: mix.policies[j].path)
                }
                print(String(format: "[policy %d of %d, w = %.4f: %@]", j, mix.policies.count, mix.weights[j], mix.policies[j].path))
                print(try continuation(text, with: loaded[j]!, seed: seed &+ UInt64(q)))
            }
        }
    }

    /// The model, tokenizer and end-of-sequence id of a checkpoint folder (any family ModelRegistry knows).
    static func load(_ model: String, adapter: URL? = nil) throws -> ModelBundle {
        let folder = URL(fileURLWithPath: model)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path)
              || PEFTAdapterFolder.exists(at: folder) else {
            throw CLIError("\(model): not a checkpoint folder (no config.json) nor a LoRA adapter folder")
        }
        return try CommandSupport.oneLine { try ModelBundle(folder, adapter: adapter) }
    }

    /// `text` continued by the model until EOS or `--max-new-tokens`, decoded.
    private func continuation(_ text: String, with loaded: ModelBundle, seed: UInt64) throws -> String {
        if chat {
            var session = try ChatSession(bundle: loaded)
            session.sampling = SamplingOptions(temperature: temperature, topK: topK, topP: topP)
            session.maxNewTokens = maxNewTokens
            return try session.reply(to: text, seed: seed)
        }
        let (gpt, tokenizer) = (loaded.model, loaded.tokenizer)
        let eos = Int(loaded.eos)
        // An empty prompt starts a fresh document, which GPT-2 marks with <|endoftext|>.
        let promptIds = text.isEmpty ? [eos] : tokenizer.encode(text)
        guard promptIds.count < gpt.contextLength else {
            throw CLIError("--prompt is \(promptIds.count) tokens; the model's context is \(gpt.contextLength), "
                           + "so it must be at most \(gpt.contextLength - 1) tokens to leave room to generate")
        }
        let sampling = SamplingOptions(temperature: temperature, topK: topK, topP: topP)
        let ids = try gpt.generate(prompt: promptIds.map(Int32.init), maxNewTokens: maxNewTokens, sampling: sampling,
                                   eos: Int32(eos), seed: seed)
        // Stops at EOS or an end-of-turn token; special tokens (a Llama-family BOS, padding) are markup, not text, as
        // `skip_special_tokens=True` in transformers; an incomplete UTF-8 tail is held back instead of printing `�`.
        return try GeneratedText.text(ids, from: promptIds.count, includePrompt: true, tokenizer: tokenizer,
                                      stops: GeneratedText.stopIds(tokenizer: tokenizer, eos: Int32(eos)))
    }
}
