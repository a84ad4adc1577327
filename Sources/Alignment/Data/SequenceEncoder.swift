import Datasets
import Tokenizer

/// A tokenised prompt + response (+ EOS): `ids[responseStart...]` is the response with its EOS, the only part
/// whose log-probability counts.
public struct EncodedSequence: Equatable, Sendable {
    /// Prompt ids then response ids then EOS.
    public var ids: [Int32]
    /// Index of the first response token.
    public var responseStart: Int
    /// True when the end of the prompt was cut to fit the context.
    public var promptCut = false
    /// Which positions count when the scored tokens are not one run at the end (a multi-turn conversation trained
    /// on its assistant turns only); nil means `ids[responseStart...]`.
    public var lossMask: [Bool]?
    /// Number of response tokens, EOS included (|y| for length-normalised losses and SFT's token mean).
    public var responseLength: Int { lossMask.map { $0.filter { $0 }.count } ?? ids.count - responseStart }

    /// A sequence whose response starts at `responseStart`.
    public init(ids: [Int32], responseStart: Int, promptCut: Bool = false) {
        self.ids = ids
        self.responseStart = responseStart
        self.promptCut = promptCut
    }

    /// A sequence scored where `lossMask` is true (same length as `ids`).
    public init(ids: [Int32], lossMask: [Bool]) {
        self.ids = ids
        self.responseStart = lossMask.firstIndex(of: true) ?? ids.count
        self.lossMask = lossMask
    }
}

/// Tokenises sequences as ALGORITHMS.md §1 says: the response is cut in token space from `ids(prompt + response)`,
/// EOS is appended and no BOS is added.
///
/// Where the prompt ends on a token boundary (the usual case: responses start with a space or a newline), the
/// response is exactly `ids(prompt + response)` minus the prompt's tokens. Where a merge crosses the boundary, the
/// cut is placed at the end of the longest common prefix of `ids(prompt)` and `ids(prompt + response)` — as TRL
/// does — so no response text is lost. Too-long sequences keep the whole response and the end of the prompt
/// (`truncation`, TRL's defaults and `keep_end`), or are dropped.
public struct SequenceEncoder {
    /// The tokenizer.
    public let tokenizer: any TextTokenizer
    /// End-of-sequence id appended to every response.
    public let eos: Int32
    /// Longest sequence the model takes.
    public let context: Int
    /// Whether too-long prompts are cut (true) or the example dropped (false).
    public let truncate: Bool
    /// The model's chat template, used for conversational examples (nil: the model has none, and such examples
    /// are refused).
    public var chat: ChatFormat?
    /// Fewest prompt tokens a truncated sequence keeps; shorter means the example is dropped.
    public let minimumPromptTokens = 1
    /// The most text bytes one token can stand for (nil when unbounded, e.g. fused unknown tokens): a response
    /// of more than `context × maxTokenBytes` bytes cannot fit and is dropped before it is tokenised.
    let maxTokenBytes: Int?
    /// The length budget and which end of a too-long prompt survives (TRL's defaults unless set).
    public var truncation = Truncation()

    /// An encoder for a model with `context` positions.
    public init(tokenizer: any TextTokenizer, eos: Int32, context: Int, truncate: Bool = true) {
        self.tokenizer = tokenizer
        self.eos = eos
        self.context = context
        self.truncate = truncate
        // Known only for the byte-level BPE (every token stands for the bytes of its vocabulary entry); other
        // pipelines may normalise text first, so they get no early cut.
        if let bpe = tokenizer as? BPETokenizer, !bpe.options.fuseUnk {
            maxTokenBytes = max(bpe.vocab.keys.map(\.utf8.count).max() ?? 1, bpe.addedTokens.map(\.content.utf8.count).max() ?? 1)
        } else {
            maxTokenBytes = nil
        }
    }

    /// The encoded sequence, or nil when it cannot fit the context.
    public func encode(prompt: String, response: String) -> EncodedSequence? {
        // Exact early cut: the response's tokens cover all its bytes, at most `maxTokenBytes` each, so a
        // response that long needs more positions than the context has, whatever the prompt; a 200 MB line
        // is refused here instead of being tokenised twice.
        let limit = min(context, truncation.maxLength)
        if let maxTokenBytes, response.utf8.count > (limit - minimumPromptTokens) * maxTokenBytes { return nil }
        let promptIds = tokenizer.encode(prompt).map { Int32($0) }
        let full = tokenizer.encode(prompt + response).map { Int32($0) }
        var cut = 0
        while cut < min(promptIds.count, full.count) && promptIds[cut] == full[cut] { cut += 1 }
        var responseIds = Array(full[cut...])
        responseIds.append(eos)
        var head = Array(full[..<cut])
        var promptCut = false
        let room = min(limit - responseIds.count, truncation.maxPromptLength)
        if head.count > room {
            guard truncate, room >= minimumPromptTokens else { return nil }
            head = truncation.cut(head, to: room)
            promptCut = true
        }
        return EncodedSequence(ids: head + responseIds, responseStart: head.count, promptCut: promptCut)
    }
}
