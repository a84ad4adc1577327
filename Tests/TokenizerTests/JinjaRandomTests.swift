import Foundation
import Tokenizer
import XCTest

/// 1500 random expressions (Fixtures/make_jinja_random_fixtures.py, fixed seed) rendered by transformers' Jinja
/// environment: where it rendered, ours renders the same bytes; where it raised, ours raises too.
final class JinjaRandomTests: XCTestCase {
    func testRandomExpressionsAgreeWithJinja() throws {
        let root = try JinjaValue.parseJSON(try Fixture.text("jinja_random_cases.json"), what: "jinja_random_cases.json")
        guard case let .dict(top) = root, case let .dict(contextDict)? = top["context"], case let .list(cases)? = top["cases"]
        else { return XCTFail("bad fixture") }
        var context: [String: JinjaValue] = [:]
        for e in contextDict.entries { context[e.key] = e.value }
        XCTAssertEqual(cases.count, 1500)
        let (rendered, raised, mismatches) = try compare(cases, context)
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches.count) mismatches:\n" + mismatches.prefix(40).joined(separator: "\n"))
        XCTAssertGreaterThan(rendered, 400)
        XCTAssertGreaterThan(raised, 400)
    }

    /// 600 random templates mixing text with output, comment, if, for and set tags under every whitespace-control
    /// variant: the trim_blocks/lstrip_blocks/`-`/`+` rules must give Jinja's exact bytes.
    func testRandomWhitespaceControlAgreesWithJinja() throws {
        let root = try JinjaValue.parseJSON(try Fixture.text("jinja_random_cases.json"), what: "jinja_random_cases.json")
        guard case let .dict(top) = root, case let .dict(contextDict)? = top["context"], case let .list(templates)? = top["templates"]
        else { return XCTFail("bad fixture") }
        var context: [String: JinjaValue] = [:]
        for e in contextDict.entries { context[e.key] = e.value }
        XCTAssertEqual(templates.count, 600)
        let (rendered, _, mismatches) = try compare(templates, context)
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches.count) mismatches:\n" + mismatches.prefix(40).joined(separator: "\n"))
        XCTAssertGreaterThan(rendered, 480)
    }

    private func compare(_ cases: [JinjaValue], _ context: [String: JinjaValue]) throws -> (Int, Int, [String]) {
        var rendered = 0, raised = 0, mismatches: [String] = []
        for item in cases {
            guard case let .dict(c) = item, case let .string(source)? = c["template"] else {
                throw ChatTemplateError.invalidInput("bad fixture case")
            }
            let result = Result { try ChatTemplate(source: source).render(context: context) }
            switch (result, c["expected"]) {
            case let (.success(got), .string(want)?):
                if got == want { rendered += 1 } else { mismatches.append("\(source): got \(got.debugDescription), want \(want.debugDescription)") }
            case let (.failure(error), .string(want)?):
                mismatches.append("\(source): raised \(error), want \(want.debugDescription)")
            case let (.success(got), _):
                mismatches.append("\(source): rendered \(got.debugDescription), but Jinja raised")
            case (.failure, _):
                raised += 1
            }
        }
        return (rendered, raised, mismatches)
    }
}
