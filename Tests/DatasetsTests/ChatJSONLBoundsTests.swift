import Foundation
@testable import Datasets
import XCTest

/// The bounds of conversational JSONL (TRL's message lists), as `ChatTurn.parseList` states them: the line and
/// nesting bounds of every JSONL file, roles from `ChatTurn.knownRoles`, string contents, non-empty lists of message
/// objects — one test per bound, each naming the file, line and message at fault. The line bound, which also bounds
/// every content, is the one all JSONL shares (`JSONLinesStrictnessTests.testLineLengthBound`; a 20 MB chat content
/// through `sft` is a case of `HostileInputTests`).
final class ChatJSONLBoundsTests: XCTestCase {
    func pairs(_ text: String) throws -> [PreferenceExample] {
        try PreferenceExample.decode(Data(text.utf8), file: URL(fileURLWithPath: "/data/chat.jsonl"))
    }

    func sft(_ text: String) throws -> [SFTExample] {
        try SFTExample.decode(Data(text.utf8), file: URL(fileURLWithPath: "/data/chat.jsonl"))
    }

    func assertRefused(_ body: @autoclosure () throws -> Any, _ part: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(part), "'\(error)' lacks '\(part)'", file: file, line: line)
        }
    }

    static let user = #"{"role": "user", "content": "Hi"}"#

    func testAWellFormedConversationReads() throws {
        let e = try sft(#"{"messages": [\#(Self.user), {"role": "assistant", "content": "Hello", "tool_calls": []}]}"#)
        XCTAssertEqual(e.count, 1)
        XCTAssertEqual(e[0].conversation, .messages([.user("Hi"), ChatTurn(role: "assistant", content: "Hello", otherFieldsJSON: #"{"tool_calls":[]}"#)]))
    }

    func testMessagesNestedDeeperThanTheJSONLBoundAreRefused() throws {
        let deep = String(repeating: "[", count: JSONStructureCheck.maxDepth + 1) + String(repeating: "]", count: JSONStructureCheck.maxDepth + 1)
        assertRefused(try sft(#"{"messages": [{"role": "user", "content": "x", "extra": \#(deep)}]}"#),
                      "/data/chat.jsonl:1: arrays and objects nest deeper than \(JSONStructureCheck.maxDepth) levels")
        // Just inside the bound, the extra field is kept for the template.
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let e = try sft(#"{"messages": [\#(Self.user), {"role": "assistant", "content": "x", "extra": \#(ok)}]}"#)
        guard case let .messages(turns)? = e[0].conversation else { return XCTFail("not a conversation") }
        XCTAssertEqual(turns[1].otherFieldsJSON, #"{"extra":"# + ok + "}")
    }

    func testAnUnknownRoleIsRefusedNamingTheMessage() throws {
        assertRefused(try sft(#"{"messages": [\#(Self.user), {"role": "asistant", "content": "x"}]}"#),
                      #"/data/chat.jsonl:1: messages[1] has unknown role "asistant" (known: system, user, assistant, tool)"#)
        assertRefused(try sft(#"{"messages": [{"role": 3, "content": "x"}]}"#), "messages[0].role must be a string, got a number")
        assertRefused(try sft(#"{"messages": [{"content": "x"}]}"#), "messages[0] has no \"role\"")
    }

    func testContentMustBeAString() throws {
        assertRefused(try sft(#"{"messages": [{"role": "user", "content": ["x"]}]}"#), "messages[0].content must be a string, got an array")
        assertRefused(try sft(#"{"messages": [{"role": "user", "content": null}]}"#), "messages[0] (user) has no \"content\"")
        assertRefused(try pairs(#"{"prompt": [\#(Self.user)], "chosen": [{"role": "assistant", "content": true}], "rejected": [\#(Self.user)]}"#),
                      "chosen[0].content must be a string, got a boolean")
    }

    /// A conversation holds at most `ChatTurn.maxMessages` messages (encoding renders it once per assistant turn):
    /// 1 024 read, 1 025 refused naming the line and the field, in SFT messages and in preference pairs alike.
    func testMessagesPerConversationAreBounded() throws {
        func turns(_ n: Int) -> String {
            (0..<n).map { $0 % 2 == 0 ? Self.user : #"{"role": "assistant", "content": "ok"}"# }.joined(separator: ", ")
        }
        XCTAssertEqual(ChatTurn.maxMessages, 1024)
        let e = try sft(#"{"messages": [\#(turns(1024))]}"#)
        guard case let .messages(read)? = e[0].conversation else { return XCTFail("not a conversation") }
        XCTAssertEqual(read.count, 1024)
        assertRefused(try sft(#"{"messages": [\#(turns(2))]}"# + "\n" + #"{"messages": [\#(turns(1025))]}"#),
                      #"/data/chat.jsonl:2: field "messages" holds 1025 messages, more than the limit of 1024"#)
        assertRefused(try pairs(#"{"prompt": [\#(turns(1025))], "chosen": [\#(Self.user)], "rejected": [\#(Self.user)]}"#),
                      #"/data/chat.jsonl:1: field "prompt" holds 1025 messages, more than the limit of 1024"#)
    }

    func testListsMustHoldMessageObjects() throws {
        assertRefused(try sft(#"{"messages": []}"#), #"field "messages" is an empty conversation"#)
        assertRefused(try sft(#"{"messages": [\#(Self.user), "Hello"]}"#), "messages[1] must be a message object")
        assertRefused(try pairs(#"{"prompt": [\#(Self.user)], "chosen": "A", "rejected": [\#(Self.user)]}"#),
                      #"field "chosen" must be a list of messages"#)
    }
}
