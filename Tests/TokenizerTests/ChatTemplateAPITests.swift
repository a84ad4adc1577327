import Foundation
import Tokenizer
import XCTest

/// The public rendering entry points: Foundation dictionaries, typed messages, special tokens, extra variables,
/// `strftime_now`, and JSON values whose key order survives into `tojson`.
final class ChatTemplateAPITests: XCTestCase {
    let chatml = "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{{ eos_token }}\n{% endfor %}"
        + "{% if add_generation_prompt %}<|assistant|>{% endif %}{% if enable_thinking is defined %}[{{ enable_thinking }}]{% endif %}"

    func testFoundationMessagesWithTokensAndExtras() throws {
        let t = try ChatTemplate(source: chatml)
        let out = try t.render(messages: [["role": "user", "content": "hi", "name": NSNull()]], addGenerationPrompt: true,
                               bosToken: "<s>", eosToken: "</s>", extra: ["enable_thinking": false])
        XCTAssertEqual(out, "<s><|user|>hi</s>\n<|assistant|>[False]")
        // No special tokens: bos_token and eos_token are undefined and render as nothing.
        XCTAssertEqual(try t.render(messages: [["role": "user", "content": "hi"]]), "<|user|>hi\n")
    }

    func testTypedMessagesAndTools() throws {
        let t = try ChatTemplate(source: "{% for m in messages %}{{ m.role }}:{{ m.content }}{% if m.tool_calls %}"
                                   + "{{ m.tool_calls | tojson }}{% endif %};{% endfor %}{{ tools | length }}")
        let calls = try JinjaValue.parseJSON(#"[{"name": "f", "arguments": {"z": 1, "a": [true, null, 2.5]}}]"#)
        let out = try t.render(messages: [ChatMessage(role: "user", content: "q"),
                                          ChatMessage(role: "assistant", content: "", fields: [("tool_calls", calls)])],
                               tools: .list([.dict(JinjaDict([("name", .string("f"))]))]))
        XCTAssertEqual(out, #"user:q;assistant:[{"name": "f", "arguments": {"z": 1, "a": [true, null, 2.5]}}];1"#)
    }

    func testFoundationJSONNumbersKeepTheirTypes() throws {
        let data = #"{"b": true, "i": 3, "f": 0.5, "s": "x", "n": null}"#.data(using: .utf8)!
        let object = try JSONSerialization.jsonObject(with: data)
        let value = try JinjaValue(any: object)
        XCTAssertEqual(value.pythonRepr, "{'b': True, 'f': 0.5, 'i': 3, 'n': None, 's': 'x'}")
    }

    func testStrftimeNowUsesTheLocalClock() throws {
        let t = try ChatTemplate(source: "{{ strftime_now('%Y|%m') }}")
        let out = try t.render(context: [:])
        let parts = Calendar.current.dateComponents([.year, .month], from: Date())
        XCTAssertEqual(out, String(format: "%04d|%02d", parts.year!, parts.month!))
    }

    func testPythonReprsAndJSONParsing() throws {
        XCTAssertEqual(try JinjaValue.parseJSON(#"{"k": ["it's", "\u00e9\n", 1e2, -0.0]}"#).pythonRepr,
                       #"{'k': ["it's", 'é\n', 100.0, -0.0]}"#)
        XCTAssertThrowsError(try JinjaValue.parseJSON("{\"a\": }", what: "m.json")) { error in
            XCTAssertEqual("\(error)", "m.json: field 'line 1' invalid value ''")
        }
    }

    func testConversationChecksAndReasoningAliases() throws {
        let t = try ChatTemplate(source: "{% for m in messages %}{{ m | tojson }}{% endfor %}")
        XCTAssertThrowsError(try t.render(messages: [JinjaValue]())) { error in
            XCTAssertEqual("\(error)", "chat template input: cannot apply a chat template to an empty conversation")
        }
        XCTAssertThrowsError(try t.render(messages: [JinjaValue.string("hi")])) { error in
            XCTAssertEqual(error as? ChatTemplateError, .invalidInput("message 0 must be a dict, not str"))
        }
        let message = try JinjaValue.parseJSON(#"{"role": "assistant", "content": "a", "tool_calls": null, "reasoning": "r"}"#)
        XCTAssertEqual(try t.render(messages: [message]),
                       #"{"thinking": "r", "role": "assistant", "content": "a", "reasoning": "r", "reasoning_content": "r"}"#)
    }

    func testContinueFinalMessageRefusals() throws {
        let t = try ChatTemplate(source: "{% for m in messages %}{{ m.content }}{% endfor %}")
        let open = [ChatMessage(role: "user", content: "q"), ChatMessage(role: "assistant", content: "The answer ")]
        XCTAssertEqual(try t.render(messages: open, continueFinalMessage: true), "qThe answer ")
        XCTAssertThrowsError(try t.render(messages: open, addGenerationPrompt: true, continueFinalMessage: true)) { error in
            XCTAssertEqual(error as? ChatTemplateError, .invalidInput("continueFinalMessage and addGenerationPrompt cannot both be set"))
        }
        let dropsIt = try ChatTemplate(source: "{% for m in messages %}{{ m.content[:3] }}{% endfor %}")
        XCTAssertThrowsError(try dropsIt.render(messages: open, continueFinalMessage: true)) { error in
            XCTAssertTrue("\(error)".contains("does not appear in the rendered chat"), "\(error)")
        }
        let blocks = try JinjaValue.parseJSON(#"[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Say "}]}]"#)
        guard case let .list(conversation) = blocks else { return XCTFail() }
        let typed = try ChatTemplate(source: "{% for b in messages[0].content %}{{ b.text }}{% endfor %}<end>")
        XCTAssertEqual(try typed.render(messages: conversation, continueFinalMessage: true), "Say ")
        // tools and documents are always defined, as in transformers.
        XCTAssertEqual(try ChatTemplate(source: "{{ tools is defined }} {{ tools }} {{ documents }}").render(messages: open),
                       "True None None")
    }
}
