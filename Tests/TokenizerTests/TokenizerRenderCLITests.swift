import Foundation
import TestSupport
import XCTest

/// `tinyalign tokenizer render` through the real binary: a model folder's template and special tokens applied to a
/// messages file, `chat_template.jinja` taking precedence, `--var` extras, and one-line errors.
final class TokenizerRenderCLITests: XCTestCase {
    func testRenderPrintsWhatTheModelSees() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(try Fixture.text("tokenizer_configs/llama-style.json").utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        let messages = dir.appendingPathComponent("messages.json")
        try Data(#"[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]"#.utf8).write(to: messages)

        let plain = try TinyAlignBinary.run(["tokenizer", "render", "--model", dir.path, "--messages", messages.path])
        XCTAssertEqual(plain.status, 0, plain.err)
        XCTAssertEqual(plain.out, "<s>[INST] hi [/INST]yo</s>")

        let prefill = try TinyAlignBinary.run(["tokenizer", "render", "--model", dir.path, "--messages", messages.path,
                                               "--continue-final-message"])
        XCTAssertEqual(prefill.status, 0, prefill.err)
        XCTAssertEqual(prefill.out, "<s>[INST] hi [/INST]yo")

        // A chat_template.jinja beside the config wins, as in transformers; --var sets extra variables.
        try Data(try Fixture.text("chat_templates/qwen3.jinja").utf8).write(to: dir.appendingPathComponent("chat_template.jinja"))
        try Data(#"{"messages": [{"role": "user", "content": "hi"}]}"#.utf8).write(to: messages)
        let qwen = try TinyAlignBinary.run(["tokenizer", "render", "--model", dir.path, "--messages", messages.path,
                                            "--add-generation-prompt", "--var", "enable_thinking=false"])
        XCTAssertEqual(qwen.status, 0, qwen.err)
        XCTAssertEqual(qwen.out, "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n")

        let missing = try TinyAlignBinary.run(["tokenizer", "render", "--model", dir.path, "--messages", dir.appendingPathComponent("nope.json").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("nope.json: cannot read the messages file"), missing.err)
        XCTAssertEqual(missing.err.split(separator: "\n").count, 1, missing.err)

        try Data(#"[{"role": "system", "content": "s"}]"#.utf8).write(to: messages)
        try Data(try Fixture.text("chat_templates/gemma-2-it.jinja").utf8).write(to: dir.appendingPathComponent("chat_template.jinja"))
        let raised = try TinyAlignBinary.run(["tokenizer", "render", "--model", dir.path, "--messages", messages.path])
        XCTAssertNotEqual(raised.status, 0)
        XCTAssertTrue(raised.err.contains("System role not supported"), raised.err)

        try Data("hi\n{{ x".utf8).write(to: dir.appendingPathComponent("chat_template.jinja"))
        let broken = try TinyAlignBinary.run(["tokenizer", "render", "--model", dir.path, "--messages", messages.path])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.err.contains("\(dir.path): chat template line 2, column 1: tag is never closed"), broken.err)
        XCTAssertEqual(broken.err.split(separator: "\n").count, 1, broken.err)

        // A folder saved by transformers 5: the tool_use template is picked when the conversation has tools.
        let saved = Fixture.path("tokenizer_configs/saved-by-transformers")
        try Data(#"{"messages": [{"role": "user", "content": "q"}], "tools": [{"name": "f"}]}"#.utf8).write(to: messages)
        let tools = try TinyAlignBinary.run(["tokenizer", "render", "--model", saved, "--messages", messages.path])
        XCTAssertEqual(tools.status, 0, tools.err)
        XCTAssertEqual(tools.out, #"[{"name": "f"}]|q"#)
        let named = try TinyAlignBinary.run(["tokenizer", "render", "--model", saved, "--messages", messages.path, "--template", "nope"])
        XCTAssertTrue(named.err.contains("no chat template named 'nope' (have: default, tool_use)"), named.err)
    }
}
