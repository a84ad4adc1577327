import Foundation
import Tokenizer
import XCTest

/// Every committed real chat template, over every case, renders exactly what transformers' `apply_chat_template`
/// rendered (Fixtures/chat_template_cases.json, made by Fixtures/make_chat_template_fixtures.py), including
/// `continue_final_message`; a case where transformers raised must raise the same message.
final class ChatTemplateParityTests: XCTestCase {
    func testEveryTemplateMatchesTransformersByteForByte() throws {
        let root = try JinjaValue.parseJSON(try Fixture.text("chat_template_cases.json"), what: "chat_template_cases.json")
        guard case let .dict(top) = root, case let .list(cases)? = top["cases"] else { return XCTFail("bad fixture") }
        XCTAssertGreaterThanOrEqual(cases.count, 100)
        var templates: [String: ChatTemplate] = [:]
        var checked = Set<String>()
        for item in cases {
            guard case let .dict(c) = item, case let .string(name)? = c["template"], case let .string(caseName)? = c["name"],
                  case let .dict(extra)? = c["extra"], let messages = c["messages"] else { return XCTFail("bad case") }
            if templates[name] == nil {
                templates[name] = try ChatTemplate(source: try Fixture.text("chat_templates/\(name).jinja"))
            }
            guard case let .list(conversation) = messages else { return XCTFail("bad messages") }
            var variables: [String: JinjaValue] = [:]
            for e in extra.entries where e.key != "tools" { variables[e.key] = e.value }
            func token(_ key: String) -> String? { if case let .string(s)? = c[key] { return s } else { return nil } }
            let render = {
                try templates[name]!.render(messages: conversation, addGenerationPrompt: c["add_generation_prompt"]?.isTruthy ?? false,
                                            continueFinalMessage: c["continue_final_message"]?.isTruthy ?? false,
                                            bosToken: token("bos_token"), eosToken: token("eos_token"), tools: extra["tools"],
                                            extra: variables)
            }
            if case let .string(expected)? = c["expected"] {
                let got = try render()
                XCTAssertEqual(got, expected, "\(name) / \(caseName)")
            } else if case let .string(message)? = c["error"] {
                XCTAssertThrowsError(try render(), "\(name) / \(caseName)") { error in
                    XCTAssertEqual(error as? ChatTemplateError, .raised(message), "\(name) / \(caseName)")
                }
            } else {
                XCTFail("\(name) / \(caseName) has neither expected nor error")
            }
            checked.insert(name)
        }
        XCTAssertEqual(checked, ["smollm2-instruct", "qwen2.5-instruct", "qwen3", "llama-3.1-instruct", "llama-3.2-instruct", "gemma-2-it",
                                 "mistral-instruct-v0.1", "mistral-nemo-instruct-2407", "zephyr-tinyllama", "phi-3.5-mini-instruct",
                                 "hermes-3-llama-3.1-tool-use"])
    }
}
