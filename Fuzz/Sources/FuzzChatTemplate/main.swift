import FuzzSupport
import Foundation
import Tokenizer

// One input: chat template source (Jinja). Compiling and rendering on fixed conversations — plain, with a
// generation prompt, continuing the final message, with tools — must give text or a thrown error; loops, recursion
// and output are bounded by `ChatTemplateLimits`, so no input traps, overflows the stack or runs away.
// Kept for the whole run, outside LeakSanitizer's accounting (see `keptForTheWholeRun`).
let (plain, tools): ([ChatMessage], JinjaValue) = keptForTheWholeRun {
    ([ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi <b>there</b>"),
      ChatMessage(role: "assistant", content: "Hello!", fields: [("reasoning_content", .string("greet"))]),
      ChatMessage(role: "user", content: "2+2?")],
     .list([.dict(JinjaDict([("type", .string("function")),
                             ("function", .dict(JinjaDict([("name", .string("add")), ("parameters", .dict(JinjaDict()))])))]))]))
}

runFuzzer { bytes in
    guard let template = try? ChatTemplate(source: String(decoding: bytes, as: UTF8.self), limits: fuzzTemplateLimits) else { return }
    _ = try? template.render(messages: plain, bosToken: "<s>", eosToken: "</s>")
    _ = try? template.render(messages: plain, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>", tools: tools)
    _ = try? template.render(messages: Array(plain.prefix(3)), continueFinalMessage: true)
}
