import Datasets
import Tokenizer

/// Tokenising conversational examples as TRL 1.x does: the chat text is tokenised without the tokenizer's own
/// special tokens (the template writes them), the prompt is rendered with the generation prompt, each response is
/// what rendering prompt + response adds, cut in token space where the tokenised prompt and prompt + response stop
/// agreeing (for a pair, the earlier of the two cuts, so both responses follow the same prompt tokens), and no EOS
/// is appended: the template's end-of-turn token ends the response.
extension SequenceEncoder {
    /// The ids of chat text: no BOS/EOS from the tokenizer's post-processor (transformers' `apply_chat_template`
    /// tokenises with `add_special_tokens=False`).
    public func chatIds(_ text: String) -> [Int32] {
        let ids = (tokenizer as? HFTokenizer)?.encode(text, pair: nil, addSpecialTokens: false) ?? tokenizer.encode(text)
        return ids.map { Int32($0) }
    }

    /// The model's chat format, or an error saying that conversational data needs one.
    func requireChat() throws -> ChatFormat {
        guard let chat else {
            throw AlignmentError.invalidInput("conversational data (lists of messages) needs a model folder with a chat template (tokenizer_config.json's chat_template or chat_template.jinja)")
        }
        return chat
    }

    /// The chosen and rejected sequences of a conversational pair (nil when they cannot fit the context);
    /// template errors (`raise_exception`, …) are thrown.
    public func encode(chat pair: ChatPreference) throws -> (chosen: EncodedSequence, rejected: EncodedSequence)? {
        let chat = try requireChat()
        let prompt = chatIds(try chat.render(pair.prompt, addGenerationPrompt: true))
        let withChosen = chatIds(try chat.render(pair.prompt + pair.chosen))
        let withRejected = chatIds(try chat.render(pair.prompt + pair.rejected))
        let cut = min(ChatFormat.commonPrefix(prompt, withChosen), ChatFormat.commonPrefix(prompt, withRejected))
        guard let c = fit(head: Array(withChosen[..<cut]), response: Array(withChosen[cut...])),
              let r = fit(head: Array(withRejected[..<cut]), response: Array(withRejected[cut...])) else { return nil }
        return (c, r)
    }

    /// A conversational SFT example: `messages` scored on the assistant turns, or a prompt + completion scored on
    /// the completion. Nil when it cannot fit the context.
    public func encode(chat example: ChatSFT) throws -> EncodedSequence? {
        let chat = try requireChat()
        switch example {
        case let .promptCompletion(prompt, completion):
            let p = chatIds(try chat.render(prompt, addGenerationPrompt: true))
            let full = chatIds(try chat.render(prompt + completion))
            let cut = ChatFormat.commonPrefix(p, full)
            return fit(head: Array(full[..<cut]), response: Array(full[cut...]))
        case let .messages(turns):
            let (text, spans) = try chat.assistantSpans(turns)
            let ids = chatIds(text)
            let mask = tokenMask(text: text, ids: ids, spans: spans)
            guard mask.contains(true) else { return nil }
            // Too long: keep the start (TRL's keep_start truncation), as long as an assistant token survives.
            let n = min(ids.count, context)
            guard n == ids.count || truncate, mask[..<n].contains(true) else { return nil }
            var s = EncodedSequence(ids: Array(ids[..<n]), lossMask: Array(mask[..<n]))
            s.promptCut = n < ids.count
            return s
        }
    }

    /// Which tokens of `ids` (the tokens of `text`) overlap one of `spans` (UTF-8 byte ranges), found in token
    /// space: a span starts at the first token where ids(text before it) and `ids` differ and ends after the last
    /// token of ids(text up to its end) that `ids` shares, plus the token that straddles its end, if any.
    func tokenMask(text: String, ids: [Int32], spans: [Range<Int>]) -> [Bool] {
        let bytes = Array(text.utf8)
        var mask = [Bool](repeating: false, count: ids.count)
        for span in spans where !span.isEmpty {
            let before = chatIds(String(decoding: bytes[..<span.lowerBound], as: UTF8.self))
            let through = span.upperBound >= bytes.count ? ids : chatIds(String(decoding: bytes[..<span.upperBound], as: UTF8.self))
            let start = ChatFormat.commonPrefix(before, ids)
            let shared = ChatFormat.commonPrefix(through, ids)
            let end = min(ids.count, shared < through.count ? shared + 1 : shared)
            if start < end { for i in start..<end { mask[i] = true } }
        }
        return mask
    }

    /// `head + response`, the end of the head cut when too long (or nil without truncation), nil when the
    /// response is empty or cannot fit with at least one head token.
    func fit(head: [Int32], response: [Int32]) -> EncodedSequence? {
        guard !response.isEmpty else { return nil }
        var head = head
        var promptCut = false
        if head.count + response.count > context {
            guard truncate else { return nil }
            let room = context - response.count
            guard room >= minimumPromptTokens else { return nil }
            head = Array(head.prefix(room))
            promptCut = true
        }
        return EncodedSequence(ids: head + response, responseStart: head.count, promptCut: promptCut)
    }
}

/// Errors met while rendering or tokenising a conversational example, turned into one line naming its data file
/// and line.
public enum ChatEncodingErrors {
    /// Runs `body`, prefixing any error with `file:line`.
    public static func located<T>(file: String, line: Int, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as AlignmentError {
            if case .badData = error { throw error }
            throw AlignmentError.badData(file: file, line: line, error.description)
        } catch {
            let text = "\(error)"
            throw AlignmentError.badData(file: file, line: line, text.hasPrefix("chat template") ? text : "chat template: \(text)")
        }
    }
}
