import ArgumentParser
import Foundation
import Models
import Tokenizer

/// `tinyalign generate`: continues a prompt with a checkpoint folder's model (KV-cached decoding), stopping at
/// `<|endoftext|>`, and prints the prompt and its continuation.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Continue a prompt with a trained model (checkpoint folder with tokenizer.json).")

    @Option(help: "Checkpoint folder (config.json, model.safetensors, tokenizer.json).") var model: String
    @Option(help: "Text to continue (empty: start a new document).") var prompt = ""
    @Option(help: "Most tokens to add.") var maxNewTokens = 100
    @Option(help: "Softmax temperature (0: greedy).") var temperature: Float = 0.8
    @Option(help: "Sample only among the k most likely tokens (0: all).") var topK = 0
    @Option(help: "Sample only among the most likely tokens reaching this probability (1: all).") var topP: Float = 1
    @Option(help: "Seed of the sampling.") var seed: UInt64 = 0

    func run() throws {
        let text = try CommandSupport.oneLine(generate)
        print(text)
    }

    private func generate() throws -> String {
        guard maxNewTokens >= 0 else { throw CLIError("--max-new-tokens must be 0 or positive, got \(maxNewTokens)") }
        guard temperature.isFinite, temperature >= 0 else { throw CLIError("--temperature must be >= 0, got \(temperature)") }
        guard topK >= 0 else { throw CLIError("--top-k must be 0 or positive, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw CLIError("--top-p must lie in (0, 1], got \(topP)") }
        let folder = URL(fileURLWithPath: model)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
            throw CLIError("\(model): not a checkpoint folder (no config.json)")
        }
        let tokenizerPath = folder.appendingPathComponent("tokenizer.json").path
        let tokenizer = try CommandSupport.loadTokenizer(tokenizerPath)
        let gpt = try Checkpoint.load(from: folder)
        let eos = tokenizer.id(for: CommandSupport.endOfText) ?? gpt.config.eosTokenId
        // An empty prompt starts a fresh document, which GPT-2 marks with <|endoftext|>.
        let promptIds = prompt.isEmpty ? [eos] : tokenizer.encode(prompt)
        guard promptIds.count < gpt.config.nPositions else {
            throw CLIError("--prompt is \(promptIds.count) tokens; the model's context is \(gpt.config.nPositions), "
                           + "so it must be at most \(gpt.config.nPositions - 1) tokens to leave room to generate")
        }
        let sampling = SamplingOptions(temperature: temperature, topK: topK, topP: topP)
        var ids = try gpt.generate(prompt: promptIds.map(Int32.init), maxNewTokens: maxNewTokens, sampling: sampling,
                                   eos: Int32(eos), seed: seed).map(Int.init)
        if ids.last == eos, ids.count > promptIds.count { ids.removeLast() }
        if prompt.isEmpty { ids.removeFirst() }
        return try tokenizer.decode(ids)
    }
}
