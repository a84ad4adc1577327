import Foundation
import Tokenizer
import XCTest

/// `tokenizer_config.json` reads the way transformers reads it (Fixtures/tokenizer_configs/expected.json, made by
/// Fixtures/make_tokenizer_config_fixtures.py with `AutoTokenizer.from_pretrained`), and wrong types name the key.
final class TokenizerConfigTests: XCTestCase {
    func testConfigsMatchWhatTransformersLoads() throws {
        guard case let .dict(all) = try JinjaValue.parseJSON(try Fixture.text("tokenizer_configs/expected.json")) else {
            return XCTFail("bad fixture")
        }
        XCTAssertEqual(all.count, 4)
        for entry in all.entries where entry.key != "saved-by-transformers" {
            guard case let .dict(want) = entry.value else { return XCTFail("bad fixture entry") }
            let config = try TokenizerConfig(contentsOfFile: Fixture.path("tokenizer_configs/" + entry.key))
            func text(_ key: String) -> String? { if case let .string(s)? = want[key] { return s } else { return nil } }
            XCTAssertEqual(config.bosToken, text("bos_token"), entry.key)
            XCTAssertEqual(config.eosToken, text("eos_token"), entry.key)
            XCTAssertEqual(config.padToken, text("pad_token"), entry.key)
            XCTAssertEqual(config.unkToken, text("unk_token"), entry.key)
            switch want["model_max_length"] {
            case let .int(n)?: XCTAssertEqual(config.modelMaxLength, n, entry.key)
            case let .float(d)?: XCTAssertGreaterThan(d, Double(Int.max)); XCTAssertEqual(config.modelMaxLength, Int.max, entry.key)
            default: XCTFail("model_max_length missing in the fixture")
            }
            guard case let .dict(templates)? = want["chat_templates"], case let .dict(added)? = want["added_tokens_decoder"] else {
                return XCTFail("bad fixture entry")
            }
            XCTAssertEqual(config.chatTemplates, Dictionary(uniqueKeysWithValues: templates.entries.map { ($0.key, $0.value.pythonString) }),
                           entry.key)
            XCTAssertEqual(config.chatTemplate, templates["default"]?.pythonString, entry.key)
            XCTAssertEqual(config.addedTokens.map(\.id), added.keys.map { Int($0)! }.sorted(), entry.key)
            for token in config.addedTokens {
                guard case let .dict(t)? = added[String(token.id)] else { return XCTFail("id \(token.id)") }
                XCTAssertEqual(token.content, t["content"]?.pythonString)
                XCTAssertEqual(token.special, t["special"]?.isTruthy)
                XCTAssertEqual(token.lstrip, t["lstrip"]?.isTruthy)
                XCTAssertEqual(token.rstrip, t["rstrip"]?.isTruthy)
                XCTAssertEqual(token.singleWord, t["single_word"]?.isTruthy)
                XCTAssertEqual(token.normalized, t["normalized"]?.isTruthy)
            }
        }
    }

    func testModelFolderSavedByTransformers5() throws {
        guard case let .dict(all) = try JinjaValue.parseJSON(try Fixture.text("tokenizer_configs/expected.json")),
              case let .dict(want)? = all["saved-by-transformers"], case let .dict(templates)? = want["chat_templates"]
        else { return XCTFail("bad fixture") }
        let config = try TokenizerConfig(modelFolder: Fixture.path("tokenizer_configs/saved-by-transformers"))
        XCTAssertEqual(config.bosToken, want["bos_token"]?.pythonString)
        XCTAssertEqual(config.eosToken, want["eos_token"]?.pythonString)
        guard case let .int(maxLength)? = want["model_max_length"] else { return XCTFail("model_max_length") }
        XCTAssertEqual(config.modelMaxLength, maxLength)
        XCTAssertEqual(config.chatTemplates, Dictionary(uniqueKeysWithValues: templates.entries.map { ($0.key, $0.value.pythonString) }))
        XCTAssertEqual(config.chatTemplate(withTools: true), templates["tool_use"]?.pythonString)
        XCTAssertEqual(config.chatTemplate(withTools: false), templates["default"]?.pythonString)
        let rendered = try config.makeChatTemplate(withTools: true)!.render(
            messages: [ChatMessage(role: "user", content: "q")], tools: .list([.string("t")]))
        XCTAssertEqual(rendered, #"["t"]|q"#)
    }

    func testFlagsNamedTemplatesAndRendering() throws {
        let llama = try TokenizerConfig(contentsOfFile: Fixture.path("tokenizer_configs/llama-style.json"))
        XCTAssertEqual(llama.addBosToken, true)
        XCTAssertEqual(llama.addEosToken, false)
        XCTAssertEqual(llama.templateVariables.mapValues(\.pythonString), ["bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"])
        let rendered = try llama.makeChatTemplate()!.render(
            messages: [ChatMessage(role: "user", content: "hi"), ChatMessage(role: "assistant", content: "yo")],
            bosToken: llama.bosToken, eosToken: llama.eosToken)
        XCTAssertEqual(rendered, "<s>[INST] hi [/INST]yo</s>")

        let named = try TokenizerConfig(contentsOfFile: Fixture.path("tokenizer_configs/named-templates.json"))
        XCTAssertNil(named.addBosToken)
        let tool = try named.makeChatTemplate(named: "tool_use")!
        XCTAssertEqual(try tool.render(messages: [ChatMessage(role: "user", content: "q")], tools: .list([.int(1)])), "[1]q")
        XCTAssertNil(try named.makeChatTemplate(named: "missing"))

        let qwen = try TokenizerConfig(contentsOfFile: Fixture.path("tokenizer_configs/qwen-style.json"))
        XCTAssertEqual(qwen.additionalSpecialTokens, ["<|im_start|>", "<|im_end|>"])
        XCTAssertEqual(try qwen.makeChatTemplate()!.render(messages: [ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true),
                       "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    }

    func testWrongTypesNameTheKey() {
        let cases: [(String, String)] = [
            (#"{"bos_token": 5}"#, "field 'bos_token' must be a string or an object with a string 'content', not a number"),
            (#"{"eos_token": {"text": "x"}}"#, "field 'eos_token' must be a string or an object"),
            (#"{"add_bos_token": "yes"}"#, "field 'add_bos_token' must be true or false, not a string"),
            (#"{"model_max_length": "big"}"#, "field 'model_max_length' must be a number, not a string"),
            (#"{"chat_template": 3}"#, "field 'chat_template' must be a string or a list of {name, template} objects, not a number"),
            (#"{"chat_template": [{"name": "default"}]}"#, "field 'chat_template[0]' must be an object with string 'name' and 'template'"),
            (#"{"added_tokens_decoder": {"x": {"content": "a"}}}"#, "field 'added_tokens_decoder.x' key must be a non-negative token id"),
            (#"{"added_tokens_decoder": {"4": {"content": 1}}}"#, "field 'added_tokens_decoder.4' must be an object with a string 'content'"),
            (#"{"added_tokens_decoder": {"4": {"content": "a", "special": 1}}}"#, "field 'added_tokens_decoder.4.special' must be true or false"),
            (#"[1]"#, "field '(root)' must be a JSON object"),
            (#"{"bos_token": "<s>",}"#, "cfg.json: field 'line 1'"),
        ]
        for (json, message) in cases {
            XCTAssertThrowsError(try TokenizerConfig(json: json, path: "cfg.json"), json) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("cfg.json: "), text)
                XCTAssertTrue(text.contains(message), "'\(text)' lacks '\(message)'")
                XCTAssertFalse(text.contains("\n"))
            }
        }
    }
}
