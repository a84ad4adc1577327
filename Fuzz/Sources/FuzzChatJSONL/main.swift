import FuzzSupport
import Foundation
@testable import Alignment
@testable import Datasets
import Tokenizer

// One input: a JSONL file in any of TRL's formats, conversational (`messages`, `prompt`/`completion` or
// `prompt`/`chosen`/`rejected` as message lists, implicit prompts) or flat. It is read as preference pairs and as
// SFT examples; every example read is then encoded as training encodes it, with a fixed small tokenizer (the
// ChatML byte-level BPE of the TRL parity fixture) and two chat templates: SmolLM2's, whose assistant turns are
// found by rendering prefixes, and the same with `{% generation %}` blocks. Reading and encoding must give
// sequences or an error naming the line; an encoded sequence must fit the context and score at least one token.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Tests/AlignmentTests/Fixtures/chat_parity")
let encoders: [SequenceEncoder] = keptForTheWholeRun {
    let tokenizer = try! HFTokenizer(json: Data(contentsOf: fixtures.appendingPathComponent("tokenizer.json")))
    return ["smollm2", "smollm2-generation"].map { name in
        let config = try! TokenizerConfig(modelFolder: fixtures.appendingPathComponent(name).path)
        var encoder = SequenceEncoder(tokenizer: tokenizer, eos: Int32(tokenizer.id(for: "<|im_end|>")!), context: 48)
        encoder.chat = try! ChatFormat(config: config, path: name)
        return encoder
    }
}
let file = URL(fileURLWithPath: "chat.jsonl")

func check(_ s: EncodedSequence?, _ context: Int) {
    guard let s else { return }
    precondition(s.ids.count <= context && s.responseLength >= 1)
    if let mask = s.lossMask { precondition(mask.count == s.ids.count) } else { precondition(s.responseStart < s.ids.count) }
}

runFuzzer { bytes in
    let data = Data(bytes)
    let pairs = (try? PreferenceExample.decode(data, file: file)) ?? []
    let sft = (try? SFTExample.decode(data, file: file)) ?? []
    for encoder in encoders {
        for e in pairs {
            if let pair = e.conversation {
                if let (c, r) = try? encoder.encode(chat: pair) { check(c, encoder.context); check(r, encoder.context) }
            } else {
                check(encoder.encode(prompt: e.prompt, response: e.chosen), encoder.context)
            }
        }
        for e in sft {
            if let chat = e.conversation { check(try? encoder.encode(chat: chat), encoder.context) }
        }
    }
}
