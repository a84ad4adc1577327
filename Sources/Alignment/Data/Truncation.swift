/// Which end of a too-long prompt survives (TRL's `truncation_mode`).
public enum TruncationMode: String, Codable, CaseIterable, Sendable {
    /// Keep the prompt's start, cut its end (the group prefix survives, the question's end may not).
    case keepStart = "keep_start"
    /// Keep the prompt's end, cut its start: TRL's default, so the question's end and the answer cue survive.
    case keepEnd = "keep_end"
}

/// How sequences are fitted to a length budget, as TRL's `DPOConfig` names it: `max_length` bounds prompt +
/// response + EOS, `max_prompt_length` the prompt alone, `truncation_mode` says which end of the prompt is kept.
/// The model's context bounds everything as well; the response is never cut (a pair whose response alone does
/// not fit is dropped).
public struct Truncation: Codable, Equatable, Sendable {
    /// TRL's default `max_length`.
    public static let defaultMaxLength = 1024
    /// TRL's default `max_prompt_length`.
    public static let defaultMaxPromptLength = 512

    /// Longest prompt + response + EOS, in tokens (also capped by the model's context).
    public var maxLength: Int
    /// Longest prompt, in tokens.
    public var maxPromptLength: Int
    /// Which end of a too-long prompt is kept.
    public var mode: TruncationMode

    /// TRL's defaults unless given.
    public init(maxLength: Int = Truncation.defaultMaxLength, maxPromptLength: Int = Truncation.defaultMaxPromptLength,
                mode: TruncationMode = .keepEnd) {
        self.maxLength = maxLength
        self.maxPromptLength = maxPromptLength
        self.mode = mode
    }

    enum CodingKeys: String, CodingKey {
        case maxLength = "max_length", maxPromptLength = "max_prompt_length", mode = "truncation_mode"
    }

    /// `ids` cut to at most `count` tokens at the end this mode drops.
    func cut<T>(_ ids: [T], to count: Int) -> [T] {
        guard ids.count > count else { return ids }
        return mode == .keepStart ? Array(ids.prefix(count)) : Array(ids.suffix(max(count, 0)))
    }
}
