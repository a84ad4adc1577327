import Foundation
import Models
import Tokenizer

/// Generated ids as text for a screen or a report: cut at the first end-of-sequence or end-of-turn token, special
/// tokens skipped, and an incomplete UTF-8 sequence at the end held back. A byte-level BPE can stop halfway
/// through a character (one token per byte of `é`), which would otherwise print as `�`.
public enum GeneratedText {
    /// End-of-turn markers of the chat templates TinyAlign has fixtures for (ChatML, Llama 3, Gemma, Phi-3,
    /// GPT-2 / Zephyr-style EOS), stops besides EOS.
    public static let endOfTurnTokens = ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>", "</s>"]

    /// The ids that end a generation: `eos` and every end-of-turn token the tokenizer has.
    public static func stopIds(tokenizer: any TextTokenizer, eos: Int32) -> Set<Int32> {
        var stops: Set<Int32> = [eos]
        for name in endOfTurnTokens { if let id = tokenizer.id(for: name) { stops.insert(Int32(id)) } }
        return stops
    }

    /// The generated part `ids[start...]` up to (not including) the first stop id, decoded (with the prompt
    /// `ids[..<start]` in front when `includePrompt`); a trailing incomplete character is held back: up to three
    /// tokens are dropped from the end until the text no longer ends in U+FFFD. The whole sequence is decoded at
    /// once, so decoders that treat the first token specially (SentencePiece's leading space) see it as it was.
    public static func text(_ ids: [Int32], from start: Int = 0, includePrompt: Bool = false, tokenizer: any TextTokenizer,
                            stops: Set<Int32>) throws -> String {
        let start = min(start, ids.count)
        var end = ids.count
        if let stop = ids[start...].firstIndex(where: stops.contains) { end = stop }
        let replacement: Character = "\u{FFFD}"
        func decode(_ slice: ArraySlice<Int32>) throws -> String { try tokenizer.decode(slice.map(Int.init), skipSpecialTokens: true) }
        var full = try decode(ids[..<end])
        for drop in 1...3 where full.last == replacement && end - drop >= start {
            full = try decode(ids[..<(end - drop)])
        }
        while full.last == replacement { full.removeLast() }
        guard !includePrompt, start > 0 else { return full }
        let head = try decode(ids[..<start])
        return full.hasPrefix(head) ? String(full.dropFirst(head.count)) : try decode(ids[start..<max(start, end)])
    }

    /// The greedy continuation of `prompt` (at most `maxNewTokens` tokens), as `text` shows it.
    public static func greedy(model: any CausalLanguageModel, tokenizer: any TextTokenizer, eos: Int32, prompt: [Int32],
                              maxNewTokens: Int) throws -> String {
        let room = model.contextLength - prompt.count
        guard room > 0 else { return "" }
        let ids = try model.generate(prompt: prompt, maxNewTokens: min(maxNewTokens, room), sampling: SamplingOptions(), eos: eos)
        return try text(ids, from: prompt.count, tokenizer: tokenizer, stops: stopIds(tokenizer: tokenizer, eos: eos))
    }
}
