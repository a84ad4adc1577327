import Alignment
@testable import Datasets
import Foundation
import Tokenizer
import XCTest

/// Conversational data tokenised as TRL 1.16 tokenises it (fixture: Fixtures/chat_parity/make_chat_parity_fixture.py,
/// which ran DPOTrainer and SFTTrainer on the same rows with the same tokenizer and templates): the DPO prompt,
/// chosen and rejected ids for explicit and implicit prompts, SFT prompt/completion ids with the completion mask,
/// and SFT `messages` ids with the assistant mask — all equal, token for token, for the SmolLM2, Qwen2.5 and Qwen3
/// templates and one whose generation prompt is not a prefix of the conversation.
final class ChatTRLParityTests: XCTestCase {
    private static let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/chat_parity")

    private struct Expected {
        let dpo: [[String: Any]], sftPromptCompletion: [[String: Any]], sftMessages: [[String: Any]]
    }

    private func expected() throws -> Expected {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("expected.json"))
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Expected(dpo: root["dpo"] as! [[String: Any]], sftPromptCompletion: root["sft_prompt_completion"] as! [[String: Any]],
                        sftMessages: root["sft_messages"] as! [[String: Any]])
    }

    /// An encoder for the fixture tokenizer with the chat template of `template`'s folder.
    private func encoder(_ template: String) throws -> SequenceEncoder {
        let dir = Self.folder.appendingPathComponent(template)
        let tokenizer = try TokenizerLoader.load(dir.appendingPathComponent("tokenizer.json"))
        let config = try TokenizerConfig(modelFolder: dir.path)
        var encoder = SequenceEncoder(tokenizer: tokenizer, eos: Int32(tokenizer.id(for: "<|im_end|>")!), context: 512)
        encoder.chat = try XCTUnwrap(try ChatFormat(config: config, path: dir.path))
        return encoder
    }

    /// The row written as one JSONL line and read back, so the parser is part of what is checked.
    private func line(_ row: Any) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chat-row-\(UUID().uuidString).jsonl")
        try JSONSerialization.data(withJSONObject: row).write(to: url)
        return url
    }

    private func ints(_ v: Any?) -> [Int32] { (v as! [NSNumber]).map { Int32($0.intValue) } }

    func testDPOPromptChosenRejectedIdsEqualTRLs() throws {
        let rows = try expected().dpo
        XCTAssertEqual(rows.count, 20)
        var divergentCuts = 0
        for row in rows {
            let template = row["template"] as! String
            let url = try line(row["row"]!)
            defer { try? FileManager.default.removeItem(at: url) }
            let example = try XCTUnwrap(try PreferenceExample.load(url).first)
            let pair = try XCTUnwrap(example.conversation)
            let (c, r) = try XCTUnwrap(try encoder(template).encode(chat: pair))
            let prompt = ints(row["prompt_ids"]), chosen = ints(row["chosen_ids"]), rejected = ints(row["rejected_ids"])
            XCTAssertEqual(c.ids, prompt + chosen, "\(template) \(example.prompt)")
            XCTAssertEqual(r.ids, prompt + rejected, "\(template) \(example.prompt)")
            XCTAssertEqual(c.responseStart, prompt.count)
            XCTAssertEqual(r.responseStart, prompt.count)
            if template == "divergent" { divergentCuts += 1 }
        }
        XCTAssertEqual(divergentCuts, 5, "the divergent template's rows (cut at the common prefix) are checked too")
    }

    func testSFTPromptCompletionIdsAndCompletionMaskEqualTRLs() throws {
        for row in try expected().sftPromptCompletion {
            let template = row["template"] as! String
            let url = try line(row["row"]!)
            defer { try? FileManager.default.removeItem(at: url) }
            let example = try XCTUnwrap(try SFTExample.load(url).first)
            let s = try XCTUnwrap(try encoder(template).encode(chat: XCTUnwrap(example.conversation)))
            XCTAssertEqual(s.ids, ints(row["input_ids"]), template)
            let mask = ints(row["mask"]).map { $0 == 1 }
            XCTAssertEqual((0..<s.ids.count).map { $0 >= s.responseStart }, mask, template)
        }
    }

    /// TRL's assistant masks come from the `{% generation %}` blocks of smollm2-generation; TinyAlign gets the same
    /// mask from those blocks and, for the real SmolLM2 template (no blocks, same text), by rendering turn by turn.
    func testSFTMessagesAssistantMaskEqualsTRLs() throws {
        let rows = try expected().sftMessages
        XCTAssertEqual(rows.count, 2)
        for row in rows {
            let url = try line(row["row"]!)
            defer { try? FileManager.default.removeItem(at: url) }
            let example = try XCTUnwrap(try SFTExample.load(url).first)
            let mask = ints(row["mask"]).map { $0 == 1 }
            XCTAssertTrue(mask.contains(false) && mask.contains(true))
            for template in ["smollm2-generation", "smollm2"] {
                let s = try XCTUnwrap(try encoder(template).encode(chat: XCTUnwrap(example.conversation)))
                XCTAssertEqual(s.ids, ints(row["input_ids"]), template)
                XCTAssertEqual(s.lossMask, mask, template)
                XCTAssertEqual(s.responseLength, mask.filter { $0 }.count)
            }
        }
    }

    /// The loss counts exactly the masked positions: logits at p predict ids[p+1] when mask[p+1].
    func testMaskedSequenceScoresOnlyAssistantTokens() {
        let s = EncodedSequence(ids: [5, 6, 7, 8, 9, 10], lossMask: [false, false, true, false, true, true])
        let (_, targets, t) = SequenceLogProbs.batch([s], padId: 0)
        XCTAssertEqual(t, 6)
        XCTAssertEqual(targets, [-100, 7, -100, 9, 10, -100])
        XCTAssertEqual(s.responseStart, 2)
        XCTAssertEqual(s.responseLength, 3)
    }
}
