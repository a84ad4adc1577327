import FuzzSupport
import Foundation
import Tokenizer

// One input: a tokenizer_config.json. Parsing gives the special tokens, added tokens and every chat template or
// an error; each template is then compiled and rendered on a fixed conversation with the config's special tokens,
// as `tinyalign tokenizer render` does. A template fault must be a thrown error, never a trap or a hang (rendered with the fuzz
// targets' smaller work bounds, `fuzzTemplateLimits`).
let conversation = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi there"),
                    ChatMessage(role: "assistant", content: "Hello!"), ChatMessage(role: "user", content: "2+2?")]

runFuzzer { bytes in
    guard let config = try? TokenizerConfig(json: String(decoding: bytes, as: UTF8.self), path: "tokenizer_config.json") else { return }
    for name in config.chatTemplates.keys.sorted() {
        guard let source = config.chatTemplates[name], let template = try? ChatTemplate(source: source, limits: fuzzTemplateLimits) else { continue }
        _ = try? template.render(messages: conversation, addGenerationPrompt: true, bosToken: config.bosToken,
                                 eosToken: config.eosToken, extra: config.templateVariables)
    }
}
