import FuzzSupport
import Foundation
import Tokenizer

// One input: a tokenizer.json of any pipeline shape (model, normalizer, pre-tokenizer, post-processor, decoder,
// added tokens). Loading must give a tokenizer or an error; a loaded one encodes fixed texts (single and pair)
// and decodes every id it produced and every id of the vocabulary's head without trapping.
let texts = ["Hello, world! It's 2026.", "  tabs\tand\nnew lines\r\n  ", "ünïcödé 😀 日本語 ﬁ", "<s>[INST] hi [/INST]</s>", ""]

runFuzzer { bytes in
    guard let tokenizer = try? HFTokenizer(json: Data(bytes), path: "tokenizer.json") else { return }
    for text in texts {
        let ids = tokenizer.encode(text)
        precondition(ids.allSatisfy { $0 >= 0 })
        _ = try? tokenizer.decode(ids)
        _ = try? tokenizer.decode(ids, skipSpecialTokens: true)
    }
    _ = tokenizer.encode(texts[0], pair: texts[2])
    _ = tokenizer.encode(texts[1], addSpecialTokens: false)
    _ = try? tokenizer.decode(Array(0..<min(tokenizer.vocabularySize, 300)))
    _ = try? tokenizer.decode([-1, tokenizer.vocabularySize, Int.max])
}
