import Alignment
import Datasets
import Foundation
import Models
import TensorCore
import Tokenizer

/// A conversation with a chat model: the history rendered by the model's own chat template with the generation
/// prompt, sampled with a KV cache until an end-of-turn or end-of-sequence token, decoded without special tokens
/// and without a broken UTF-8 tail. `tinyalign chat` and `generate --chat` use it.
public struct ChatSession {
    /// The model folder.
    public let bundle: ModelBundle
    /// The model's chat format.
    public let chat: ChatFormat
    /// The messages so far (a system message first when given).
    public private(set) var history: [ChatTurn]
    /// Token ids that end a reply: the folder's EOS and the end-of-turn tokens of the common templates that the
    /// vocabulary has.
    public let stopIds: Set<Int32>
    /// How tokens are drawn.
    public var sampling = SamplingOptions(temperature: 0.8)
    /// Most tokens per reply.
    public var maxNewTokens = 100

    /// A session with `bundle`, refused with a one-line error when the folder has no chat template.
    public init(bundle: ModelBundle, system: String? = nil) throws {
        guard let chat = bundle.chat else {
            throw AlignmentError.invalidInput("\(bundle.directory.path): the model has no chat template (tokenizer_config.json's chat_template or chat_template.jinja)")
        }
        self.bundle = bundle
        self.chat = chat
        history = system.map { [.system($0)] } ?? []
        stopIds = GeneratedText.stopIds(tokenizer: bundle.tokenizer, eos: Int32(bundle.eos))
    }

    /// Forgets the conversation (keeps a system message).
    public mutating func reset() { history = history.first?.role == "system" ? [history[0]] : [] }

    /// The model's reply to `message`, added to the history with it. When the conversation no longer fits the
    /// context, the oldest exchanges are dropped (a system message stays); a message that alone does not fit is an
    /// error.
    public mutating func reply(to message: String, seed: UInt64) throws -> String {
        var turns = history + [.user(message)]
        let encoder = bundle.encoder()
        var prompt = encoder.chatIds(try chat.render(turns, addGenerationPrompt: true))
        let context = bundle.model.contextLength
        while prompt.count >= context {
            let first = turns.first?.role == "system" ? 1 : 0
            guard turns.count - first > 1 else {
                throw AlignmentError.invalidInput("the message is \(prompt.count) tokens with the template; the model's context is \(context)")
            }
            turns.remove(at: first)
            while turns.count - first > 1, turns[first].role != "user" { turns.remove(at: first) }
            prompt = encoder.chatIds(try chat.render(turns, addGenerationPrompt: true))
        }
        let ids = try sample(prompt: prompt, seed: seed)
        let text = try GeneratedText.text(ids, tokenizer: bundle.tokenizer, stops: stopIds)
        history = turns + [.assistant(text)]
        return text
    }

    /// The new tokens after `prompt`, up to a stop token (left out) or `maxNewTokens` or the context's end.
    func sample(prompt: [Int32], seed: UInt64) throws -> [Int32] {
        let model = bundle.model
        var rng = SeededGenerator(seed: seed)
        var cache = model.makeKVCache()
        var logits = try model.forwardCached(prompt, cache: &cache)
        var out: [Int32] = []
        while out.count < maxNewTokens && prompt.count + out.count < model.contextLength {
            let next = Sampler.pick(logits, options: sampling, rng: &rng)
            if stopIds.contains(next) { break }
            out.append(next)
            logits = try model.forwardCached([next], cache: &cache)
        }
        return out
    }
}
