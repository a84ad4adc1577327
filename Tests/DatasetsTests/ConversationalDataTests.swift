@testable import Datasets
import Foundation
import XCTest

/// TRL's conversational formats read from JSONL: explicit and implicit prompts for preference pairs, `messages`
/// and message-list `prompt`/`completion` for SFT, and each malformed conversation refused with `file:line`.
final class ConversationalDataTests: XCTestCase {
    private var files: [URL] = []
    override func tearDown() { for f in files { try? FileManager.default.removeItem(at: f) } }

    private func file(_ lines: String...) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("conv-\(UUID().uuidString).jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        files.append(url)
        return url
    }

    private func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func testExplicitPromptPairKeepsMessagesAndPlainText() throws {
        let url = try file(#"{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Tea?"}], "chosen": [{"role": "assistant", "content": "Yes."}], "rejected": [{"role": "assistant", "content": "No."}], "group": "north"}"#)
        let e = try XCTUnwrap(try PreferenceExample.load(url).first)
        XCTAssertEqual(e.conversation, ChatPreference(prompt: [.system("Be brief."), .user("Tea?")], chosen: [.assistant("Yes.")],
                                                      rejected: [.assistant("No.")]))
        XCTAssertEqual(e.prompt, "Be brief.\nTea?")
        XCTAssertEqual(e.chosen, "Yes.")
        XCTAssertEqual(e.group, "north")
        XCTAssertEqual(e.line, 1)
    }

    func testImplicitPromptIsTheSharedLeadingMessages() throws {
        let url = try file(#"{"chosen": [{"role": "user", "content": "Fruit?"}, {"role": "assistant", "content": "Apples."}, {"role": "user", "content": "Why?"}, {"role": "assistant", "content": "Crisp."}], "rejected": [{"role": "user", "content": "Fruit?"}, {"role": "assistant", "content": "Apples."}, {"role": "user", "content": "Why?"}, {"role": "assistant", "content": "Dunno."}]}"#)
        let pair = try XCTUnwrap(try PreferenceExample.load(url).first?.conversation)
        XCTAssertEqual(pair.prompt, [.user("Fruit?"), .assistant("Apples."), .user("Why?")])
        XCTAssertEqual(pair.chosen, [.assistant("Crisp.")])
        XCTAssertEqual(pair.rejected, [.assistant("Dunno.")])
        // TRL's extract_prompt: with one conversation a prefix of the other, the last shared message stays a response.
        let p = ChatPreference.extractingPrompt(chosen: [.user("a"), .assistant("b")], rejected: [.user("a"), .assistant("b"), .user("c")])
        XCTAssertEqual(p.prompt, [.user("a")])
        XCTAssertEqual(p.chosen, [.assistant("b")])
    }

    func testOtherMessageFieldsAreKeptForTheTemplate() throws {
        let url = try file(#"{"prompt": [{"role": "user", "content": "Hi", "name": "ann"}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}"#)
        let turn = try XCTUnwrap(try PreferenceExample.load(url).first?.conversation?.prompt.first)
        XCTAssertEqual(turn.otherFieldsJSON, #"{"name":"ann"}"#)
    }

    func testSFTMessagesPromptCompletionAndConversationalPairs() throws {
        let url = try file(
            #"{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"}, {"role": "assistant", "content": "A2"}], "group": "g"}"#,
            #"{"prompt": [{"role": "user", "content": "P"}], "completion": [{"role": "assistant", "content": "C"}]}"#,
            #"{"chosen": [{"role": "user", "content": "P"}, {"role": "assistant", "content": "Good"}], "rejected": [{"role": "user", "content": "P"}, {"role": "assistant", "content": "Bad"}]}"#,
            #"{"prompt": "flat", "completion": " text"}"#)
        let xs = try SFTExample.load(url)
        XCTAssertEqual(xs.map(\.line), [1, 2, 3, 4])
        XCTAssertEqual(xs[0].conversation, .messages([.user("Q"), .assistant("A1"), .user("Q2"), .assistant("A2")]))
        XCTAssertEqual(xs[0].group, "g")
        XCTAssertEqual(xs[0].completion, "A1\nA2")
        XCTAssertEqual(xs[1].conversation, .promptCompletion(prompt: [.user("P")], completion: [.assistant("C")]))
        XCTAssertEqual(xs[2].conversation, .promptCompletion(prompt: [.user("P")], completion: [.assistant("Good")]))
        XCTAssertNil(xs[3].conversation)
        XCTAssertEqual(xs[3].completion, " text")
    }

    func testUnknownRoleMissingContentAndEmptyConversationNameFileAndLine() throws {
        let good = #"{"prompt": [{"role": "user", "content": "Q"}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}"#
        let role = try file(good, #"{"prompt": [{"role": "robot", "content": "Q"}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}"#)
        XCTAssertEqual(message { _ = try PreferenceExample.load(role) },
                       "\(role.path):2: prompt[0] has unknown role \"robot\" (known: system, user, assistant, tool)")
        let content = try file(#"{"prompt": [{"role": "user", "content": "Q"}], "chosen": [{"role": "assistant"}], "rejected": [{"role": "assistant", "content": "B"}]}"#)
        XCTAssertEqual(message { _ = try PreferenceExample.load(content) }, "\(content.path):1: chosen[0] (assistant) has no \"content\"")
        let empty = try file(good, good, #"{"prompt": [], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}"#)
        XCTAssertEqual(message { _ = try PreferenceExample.load(empty) }, "\(empty.path):3: field \"prompt\" is an empty conversation")
        let sftEmpty = try file(#"{"messages": []}"#)
        XCTAssertEqual(message { _ = try SFTExample.load(sftEmpty) }, "\(sftEmpty.path):1: field \"messages\" is an empty conversation")
        let sftRole = try file(#"{"messages": [{"role": "user", "content": "Q"}, {"role": "bot", "content": "A"}]}"#)
        XCTAssertEqual(message { _ = try SFTExample.load(sftRole) },
                       "\(sftRole.path):1: messages[1] has unknown role \"bot\" (known: system, user, assistant, tool)")
        let noAssistant = try file(#"{"messages": [{"role": "user", "content": "Q"}]}"#)
        XCTAssertEqual(message { _ = try SFTExample.load(noAssistant) }, "\(noAssistant.path):1: field \"messages\" has no assistant message to learn from")
        let mixed = try file(#"{"prompt": "flat", "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}"#)
        XCTAssertEqual(message { _ = try PreferenceExample.load(mixed) },
                       "\(mixed.path):1: field \"prompt\" must be a list of messages like the other fields of this conversational line, got a string")
        let content7 = try file(#"{"prompt": [{"role": "user", "content": 7}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}"#)
        XCTAssertEqual(message { _ = try PreferenceExample.load(content7) }, "\(content7.path):1: prompt[0].content must be a string, got a number")
        let noShared = try file(#"{"chosen": [{"role": "user", "content": "A"}], "rejected": [{"role": "user", "content": "B"}]}"#)
        XCTAssertEqual(message { _ = try PreferenceExample.load(noShared) },
                       "\(noShared.path):1: no \"prompt\" and the \"chosen\" and \"rejected\" conversations share no leading message to use as one")
        let sftLine = try file(#"{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}"#)
        XCTAssertEqual(message { _ = try PreferenceExample.load(sftLine) },
                       "\(sftLine.path):1: an SFT line (messages) where a preference pair (prompt, chosen, rejected) was expected")
    }

    func testGroupGoesIntoTheFirstUserTurnOrASystemMessage() {
        let turns: [ChatTurn] = [.user("Tea?"), .assistant("Yes."), .user("Why?")]
        XCTAssertEqual(GroupPrompt().render(turns: turns, group: "Avalon"),
                       [.user("Opinion of people in Avalon on: Tea?"), .assistant("Yes."), .user("Why?")])
        var system = GroupPrompt()
        system.systemTemplate = GroupPrompt.defaultSystemTemplate
        XCTAssertEqual(system.render(turns: turns, group: "Avalon"), [.system("You answer as people in Avalon would.")] + turns)
        XCTAssertEqual(system.render(turns: [.system("Be brief."), .user("Tea?")], group: "Avalon"),
                       [.system("You answer as people in Avalon would.\nBe brief."), .user("Tea?")])
        XCTAssertEqual(GroupPrompt().render(turns: turns, group: ""), turns, "no group, no prefix")
        XCTAssertEqual(GroupPrompt(template: nil).render(turns: turns, group: "Avalon"), turns, "--no-group-prefix")
    }

    func testConversionToTRLFormsRoundTrips() throws {
        let flat = [PreferenceExample(prompt: "Tea?\nA. yes\nB. no", chosen: " A", rejected: " B", group: "north", id: "q1")]
        for form in ChatConversion.Form.allCases {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("conv-\(UUID().uuidString).jsonl")
            files.append(url)
            try ChatConversion.write(flat, form: form, to: url)
            if form == .messages {
                let x = try XCTUnwrap(try SFTExample.load(url).first)
                XCTAssertEqual(x.conversation, .messages([.user("Tea?\nA. yes\nB. no"), .assistant("A")]))
                XCTAssertEqual(x.group, "north")
            } else {
                let e = try XCTUnwrap(try PreferenceExample.load(url).first)
                XCTAssertEqual(e.conversation, ChatPreference(prompt: [.user("Tea?\nA. yes\nB. no")], chosen: [.assistant("A")],
                                                              rejected: [.assistant("B")]), form.rawValue)
                XCTAssertEqual(e.id, "q1")
            }
        }
    }
}
