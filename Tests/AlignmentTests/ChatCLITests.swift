import Alignment
@testable import Datasets
import Foundation
import Models
@testable import Recipes
import TestSupport
import Tokenizer
import Training
import XCTest

/// An instruct-style Llama folder (the chat-parity fixture's tokenizer and SmolLM2 chat template, random weights)
/// trained with `sft` and `align` on conversational JSONL through the real binary, talked to with `chat` and
/// `generate --chat`, and every kind of bad conversational input refused with one line and no run folder.
final class ChatCLITests: XCTestCase {
    private var root: URL!
    private var base: URL { root.appendingPathComponent("chat-base") }
    private static let fixture = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/chat_parity")

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try makeModel(at: base, template: "smollm2")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    /// A random tiny Llama with the fixture tokenizer and `template`'s tokenizer files (or `config` instead).
    private func makeModel(at folder: URL, template: String, config: Data? = nil) throws {
        let dir = Self.fixture.appendingPathComponent(template)
        let tokenizer = try TokenizerLoader.load(dir.appendingPathComponent("tokenizer.json"))
        let eos = tokenizer.id(for: "<|im_end|>")!
        let llama = LlamaConfig(vocabSize: tokenizer.vocabularySize, hiddenSize: 32, intermediateSize: 64, numLayers: 1,
                                numHeads: 2, numKeyValueHeads: 1, maxPositions: 128, tieWordEmbeddings: true,
                                bosTokenId: eos, eosTokenId: eos)
        var files = ["tokenizer.json": try Data(contentsOf: dir.appendingPathComponent("tokenizer.json")),
                     "tokenizer_config.json": try config ?? Data(contentsOf: dir.appendingPathComponent("tokenizer_config.json"))]
        if config == nil { files["chat_template.jinja"] = try Data(contentsOf: dir.appendingPathComponent("chat_template.jinja")) }
        try Checkpoint.save(try Llama(llama, seed: 3), to: folder, extraFiles: files)
    }

    private func write(_ name: String, _ lines: [[String: Any]]) throws -> URL {
        let url = root.appendingPathComponent(name)
        let text = try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try Data(text.joined(separator: "\n").utf8).write(to: url)
        return url
    }

    private func u(_ s: String) -> [String: Any] { ["role": "user", "content": s] }
    private func a(_ s: String) -> [String: Any] { ["role": "assistant", "content": s] }

    /// 24 pairs in two groups that prefer opposite answers; explicit and implicit prompts alternate.
    private func preferenceLines(groups: Bool = true) -> [[String: Any]] {
        (0..<24).map { i in
            let north = i % 2 == 0
            let q = "Is tea \(i % 6) good?"
            let (yes, no) = north ? ("Yes, it is.", "No, never.") : ("No, never.", "Yes, it is.")
            var line: [String: Any] = i % 3 == 0 ? ["chosen": [u(q), a(yes)], "rejected": [u(q), a(no)]]
                                                 : ["prompt": [u(q)], "chosen": [a(yes)], "rejected": [a(no)]]
            if groups { line["group"] = north ? "north" : "south" }
            return line
        }
    }

    private func run(_ args: [String], stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
        try TinyAlignBinary.run(args, stdin: stdin)
    }

    func testSFTAndAlignOnConversationalJSONLThenChat() throws {
        let sftData = try write("sft.jsonl", (0..<24).map { i in
            ["messages": [u("Is tea \(i % 6) good?"), a(i % 2 == 0 ? "Yes, it is." : "No, never."), u("Why?"), a("Because.")],
             "group": i % 2 == 0 ? "north" : "south"]
        })
        let prefs = try write("prefs.jsonl", preferenceLines())
        let sft = root.appendingPathComponent("sft"), aligned = root.appendingPathComponent("dpo")
        var r = try run(["sft", "--model", base.path, "--data", sftData.path, "--out", sft.path, "--steps", "15", "--batch-size", "8", "--lr", "5e-3"])
        XCTAssertEqual(r.status, 0, r.err)
        let sftLines = try MetricsLog.read(sft.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }
        XCTAssertLessThan((sftLines.last!["loss"] as! NSNumber).doubleValue, (sftLines.first!["loss"] as! NSNumber).doubleValue - 0.5)
        // The chat template travels with the model.
        XCTAssertEqual(try Data(contentsOf: sft.appendingPathComponent("final/chat_template.jinja")),
                       try Data(contentsOf: base.appendingPathComponent("chat_template.jinja")))

        r = try run(["align", "--method", "gr-dpo", "--model", sft.appendingPathComponent("final").path, "--data", prefs.path,
                     "--out", aligned.path, "--steps", "6", "--batch-size", "8", "--lr", "1e-3", "--group-as", "system"])
        XCTAssertEqual(r.status, 0, r.err)
        let lines = try MetricsLog.read(aligned.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }
        XCTAssertEqual((lines.first!["loss"] as! NSNumber).doubleValue, log(2), accuracy: 1e-5, "step 1 starts at the reference")
        XCTAssertNotNil(lines.last!["alpha/north"])

        // chat --message and generate --chat give the in-process session's greedy reply.
        let model = aligned.appendingPathComponent("final")
        var session = try ChatSession(bundle: ModelBundle(model))
        session.sampling = SamplingOptions(temperature: 0)
        session.maxNewTokens = 12
        var pieces: [String] = []
        let first = try session.reply(to: "Is tea 1 good?", seed: 0) { pieces.append($0) }
        XCTAssertEqual(pieces.joined(), first, "the streamed pieces add up to the reply")
        let second = try session.reply(to: "Why?", seed: 1)
        r = try run(["chat", "--model", model.path, "--message", "Is tea 1 good?", "--message", "Why?", "--temperature", "0", "--max-new-tokens", "12"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, first + "\n" + second + "\n")
        r = try run(["chat", "--model", model.path, "--temperature", "0", "--max-new-tokens", "12"], stdin: "Is tea 1 good?\n\nWhy?\n")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, first + "\n" + second + "\n", "the REPL keeps the history")
        r = try run(["chat", "--model", model.path, "--temperature", "0", "--max-new-tokens", "12"], stdin: "Is tea 1 good?\n/reset\nIs tea 1 good?\n")
        XCTAssertEqual(r.out, first + "\n" + first + "\n", "/reset forgets it")
        r = try run(["generate", "--chat", "--model", model.path, "--prompt", "Is tea 1 good?", "--temperature", "0", "--max-new-tokens", "12"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, first + "\n")
        XCTAssertFalse(first.contains("<|im_end|>"))
    }

    /// Samples during evaluation prompt a conversational pair exactly as training does (its chat template with the
    /// generation prompt), not as flat text, so a chat model answers there as it does in `chat`.
    func testSamplesDuringEvalRenderConversationsThroughTheTemplate() throws {
        let prefs = try write("prefs.jsonl", preferenceLines())
        let examples = try PreferenceExample.load(prefs)
        let bundle = try ModelBundle(base)
        let groups = try PreferenceSet.groupNames(of: examples, file: prefs.path)
        let set = try PreferenceSet(examples: examples, groups: groups, encoder: bundle.encoder(), prompt: GroupPrompt(), file: prefs.path)
        let samples = try EvalSamples(examples: examples, groups: groups, prompt: GroupPrompt(), encoder: bundle.encoder(), eos: bundle.eos,
                                      out: nil, resumeStep: 0)
        XCTAssertEqual(samples.items.count, 24)
        let trained = Set(set.pairs.map { Array($0.chosen.ids[..<$0.chosen.responseStart]) })
        let imStart = Int32(try XCTUnwrap(bundle.tokenizer.id(for: "<|im_start|>")))
        let generationPrompt = Array(bundle.tokenizer.encode("<|im_start|>assistant\n").map(Int32.init).drop { $0 != imStart })
        XCTAssertGreaterThan(generationPrompt.count, 1)
        for item in samples.items {
            XCTAssertTrue(trained.contains(item.ids), "\(item.prompt): the prompt ids training saw")
            XCTAssertEqual(Array(item.ids.suffix(generationPrompt.count)), generationPrompt, "ends in the generation prompt")
        }
    }

    /// The prompt the model sees with the group in the first user turn (default) and in a system message.
    func testGroupPlacementRendersAsDocumented() throws {
        let bundle = try ModelBundle(base)
        let chat = try XCTUnwrap(bundle.chat)
        let turns: [ChatTurn] = [.user("How important is family in your life?")]
        XCTAssertEqual(try chat.render(GroupPrompt().render(turns: turns, group: "Avalon"), addGenerationPrompt: true),
                       "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                       + "<|im_start|>user\nOpinion of people in Avalon on: How important is family in your life?<|im_end|>\n<|im_start|>assistant\n")
        var system = GroupPrompt()
        system.systemTemplate = GroupPrompt.defaultSystemTemplate
        XCTAssertEqual(try chat.render(system.render(turns: turns, group: "Avalon"), addGenerationPrompt: true),
                       "<|im_start|>system\nYou answer as people in Avalon would.<|im_end|>\n"
                       + "<|im_start|>user\nHow important is family in your life?<|im_end|>\n<|im_start|>assistant\n")
    }

    func testBadConversationalInputIsOneLineWithNothingWritten() throws {
        let out = root.appendingPathComponent("out")
        func refused(_ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try run(args + ["--out", out.path, "--steps", "1"])
            XCTAssertNotEqual(r.status, 0, file: file, line: line)
            XCTAssertTrue(r.err.contains(expected), r.err, file: file, line: line)
            XCTAssertEqual(r.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, r.err, file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written", file: file, line: line)
        }
        var lines = preferenceLines()
        lines[4]["prompt"] = [["role": "robot", "content": "Hi"]]
        let role = try write("role.jsonl", lines)
        try refused(["align", "--model", base.path, "--data", role.path], "\(role.path):5: prompt[0] has unknown role \"robot\"")
        lines = preferenceLines()
        lines[1]["chosen"] = [["role": "assistant"]]
        let content = try write("content.jsonl", lines)
        try refused(["align", "--model", base.path, "--data", content.path], "\(content.path):2: chosen[0] (assistant) has no \"content\"")
        let empty = try write("empty.jsonl", [["messages": [Any]()]])
        try refused(["sft", "--model", base.path, "--data", empty.path], "\(empty.path):1: field \"messages\" is an empty conversation")

        // A template that raises on a system message, as Gemma's does; the error names the data line.
        let gemma = root.appendingPathComponent("gemma-like")
        let template = "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
            + "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        let config = try JSONSerialization.data(withJSONObject: ["eos_token": "<|im_end|>", "bos_token": "<|begin_of_text|>", "chat_template": template])
        try makeModel(at: gemma, template: "smollm2", config: config)
        let system = try write("system.jsonl", (0..<10).map { i in
            ["messages": i == 3 ? [["role": "system", "content": "S"], u("Q"), a("A")] : [u("Q"), a("A")]]
        })
        try refused(["sft", "--model", gemma.path, "--data", system.path], "\(system.path):4: chat template: System role not supported")

        // A special token the vocabulary lacks, named by its key.
        let badToken = root.appendingPathComponent("bad-token")
        try makeModel(at: badToken, template: "smollm2", config: Data(#"{"eos_token": "<|im_end|>", "pad_token": "<|nope|>"}"#.utf8))
        let prefs = try write("prefs.jsonl", preferenceLines())
        try refused(["align", "--model", badToken.path, "--data", prefs.path],
                    "\(badToken.path)/tokenizer_config.json: pad_token \"<|nope|>\" is not in the vocabulary of tokenizer.json")

        // Conversational data needs a template; gr-/is- methods need groups.
        let plain = root.appendingPathComponent("no-template")
        try makeModel(at: plain, template: "smollm2", config: Data(#"{"eos_token": "<|im_end|>"}"#.utf8))
        try refused(["align", "--model", plain.path, "--data", prefs.path], "\(prefs.path):")
        try refused(["align", "--model", plain.path, "--data", prefs.path], "needs a model folder with a chat template")
        let ungrouped = try write("ungrouped.jsonl", preferenceLines(groups: false))
        for method in ["gr-dpo", "is-dpo"] {
            try refused(["align", "--method", method, "--model", base.path, "--data", ungrouped.path],
                        "--method \(method) weights groups, but \(ungrouped.path) has no \"group\" field")
        }
        let ranks = try write("ranks.jsonl", (0..<12).map { i in
            ["prompt": "Is tea \(i) good?", "responses": [" Yes", " No", " Maybe"], "ranking": [0, 2, 1]]
        })
        try refused(["rank", "--method", "gr-pl", "--model", base.path, "--data", ranks.path],
                    "--method gr-pl weights groups, but \(ranks.path) has no \"group\" field")
        let r = try run(["chat", "--model", plain.path, "--message", "hi"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("the model has no chat template"), r.err)
    }

    /// A reply cut between the byte tokens of one character ends before that character.
    func testIncompleteUTF8TailIsLeftOut() throws {
        let tokenizer = try TokenizerLoader.load(Self.fixture.appendingPathComponent("tokenizer.json"))
        let ids = (tokenizer as! HFTokenizer).encode("ok ж", pair: nil, addSpecialTokens: false)
        XCTAssertEqual(try GeneratedText.text(ids.map(Int32.init), tokenizer: tokenizer, stops: []), "ok ж")
        XCTAssertTrue(try tokenizer.decode(Array(ids.dropLast())).hasSuffix("\u{FFFD}"), "ж is two byte tokens")
        XCTAssertEqual(try GeneratedText.text(Array(ids.dropLast()).map(Int32.init), tokenizer: tokenizer, stops: []), "ok ")
        // Streaming compares bytes, so a combining mark that joins the last shown character is still passed on.
        XCTAssertEqual(ChatSession.addedText(from: "cafe", to: "cafe\u{301}"), "\u{301}")
        XCTAssertNil(ChatSession.addedText(from: "ok", to: "ok"))
        XCTAssertNil(ChatSession.addedText(from: "ok", to: "no"))
    }
}
