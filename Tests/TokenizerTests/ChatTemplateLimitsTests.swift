import Foundation
import Tokenizer
import XCTest

/// Each bound of `ChatTemplateLimits` turns a hostile template into a one-line `ChatTemplateError` naming it: no
/// stack overflow, no hang, no gigabyte allocation. Before these bounds, the nesting cases overflowed the stack,
/// the self-holding namespace recursed without end, and the negative widths trapped in `String(repeating:)`.
final class ChatTemplateLimitsTests: XCTestCase {
    private func assertSyntax(_ source: String, mentions part: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ChatTemplate(source: source), file: file, line: line) { error in
            guard case let .syntax(_, _, message)? = error as? ChatTemplateError else {
                return XCTFail("not a syntax error: \(error)", file: file, line: line)
            }
            XCTAssertTrue(message.contains(part), "'\(message)' lacks '\(part)'", file: file, line: line)
        }
    }

    private func assertRenderFails(_ source: String, mentions part: String, limits: ChatTemplateLimits = .standard,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let template = try ChatTemplate(source: source, limits: limits)
        XCTAssertThrowsError(try template.render(context: [:]), file: file, line: line) { error in
            guard case .render? = error as? ChatTemplateError else { return XCTFail("not a render error: \(error)", file: file, line: line) }
            XCTAssertTrue("\(error)".contains(part), "'\(error)' lacks '\(part)'", file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), file: file, line: line)
        }
    }

    func testParsingRefusesNestingPastTheBound() {
        let n = 2_000
        assertSyntax("{{ " + String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n) + " }}", mentions: "nests more than 100")
        assertSyntax("{{ " + String(repeating: "[", count: n) + "1" + String(repeating: "]", count: n) + " }}", mentions: "nests more than 100")
        assertSyntax("{{ " + String(repeating: "not ", count: n) + "x }}", mentions: "nests more than 100")
        assertSyntax("{{ " + String(repeating: "- ", count: n) + "1 }}", mentions: "nests more than 100")
        assertSyntax("{{ 1 if x else " + String(repeating: "1 if x else ", count: n) + "2 }}", mentions: "nests more than 100")
        assertSyntax(String(repeating: "{% if x %}", count: n) + String(repeating: "{% endif %}", count: n), mentions: "nests more than 100")
        // Left-associative chains build deep trees without deep parsing: the tree's depth is bounded as it grows.
        assertSyntax("{{ 1" + String(repeating: " + 1", count: 5_000) + " }}", mentions: "an expression nests more than 100")
        assertSyntax("{{ x" + String(repeating: "|trim", count: 5_000) + " }}", mentions: "an expression nests more than 100")
        assertSyntax("{{ x" + String(repeating: ".a", count: 5_000) + " }}", mentions: "an expression nests more than 100")
    }

    func testNestingWithinTheBoundStillParsesAndRenders() throws {
        let t = try ChatTemplate(source: "{{ " + String(repeating: "(", count: 20) + "1 + 2" + String(repeating: ")", count: 20) + " }}"
                                 + String(repeating: "{% if true %}", count: 30) + "!" + String(repeating: "{% endif %}", count: 30))
        XCTAssertEqual(try t.render(context: [:]), "3!")
        XCTAssertEqual(try ChatTemplate(source: "{{ 1" + String(repeating: " + 1", count: 90) + " }}").render(context: [:]), "91")
    }

    func testLoopPassesStepsAndDepthAreBounded() throws {
        var small = ChatTemplateLimits()
        small.maxLoopPasses = 10_000
        try assertRenderFails("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
                              mentions: "loops run more than 10000 passes", limits: small)
        try assertRenderFails("{% for i in range(100000) %}{% endfor %}", mentions: "range() of 100000 items is too large", limits: small)
        var fewSteps = ChatTemplateLimits()
        fewSteps.maxSteps = 5_000
        try assertRenderFails("{% for i in range(10000) %}{{ i }}{% endfor %}", mentions: "runs more than 5000 steps", limits: fewSteps)
        // A macro recursion that nests expressions at every call reaches the depth bound before the 100-call bound.
        try assertRenderFails("{% macro f(n) %}{{ [[[[[[[[f(n + 1)]]]]]]]] }}{% endmacro %}{{ f(0) }}",
                              mentions: "nests more than 256 statements, expressions and macro calls deep")
        var fewBytes = ChatTemplateLimits()
        fewBytes.maxBytesBuilt = 1 << 20
        try assertRenderFails("{% set ns = namespace(s='') %}{% for i in range(10000) %}{% set ns.s = ns.s ~ 'abcdefgh' %}{% endfor %}",
                              mentions: "builds more than 1048576 bytes", limits: fewBytes)
    }

    /// The deepest render the bounds allow fits a 4 MiB stack in a debug build (half the main thread's 8 MiB;
    /// optimised frames are smaller still), so `maxDepth` is what stops it, not a stack overflow.
    func testTheDeepestRenderFitsAFourMebibyteStack() throws {
        let source = "{% macro f(n) %}{% if true %}{% for x in [1] %}{{ (((((f(n + 1) ~ 'a') ~ 'b') ~ 'c') ~ 'd') ~ 'e') }}{% endfor %}{% endif %}{% endmacro %}{{ f(0) }}"
        let template = try ChatTemplate(source: source)
        final class Outcome: @unchecked Sendable { var message = "" }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do { _ = try template.render(context: [:]) } catch { outcome.message = "\(error)" }
            done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
        done.wait()
        XCTAssertTrue(outcome.message.contains("nests more than 256"), outcome.message)
    }

    func testGrowthInALoopStopsAtTheSizeBounds() throws {
        try assertRenderFails("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                              mentions: "more than 67108864 bytes")
        try assertRenderFails("{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
                              mentions: "more than 1048576 items")
        try assertRenderFails("{{ [1] * 2000000 }}", mentions: "repetition by 2000000 is too large")
    }

    func testReplaceAndJoinAreCheckedBeforeBuilding() throws {
        try assertRenderFails("{{ ('y' * 1000) | replace('', 'x' * 100000) }}", mentions: "replace would make a string of more than")
        try assertRenderFails("{{ ('y' * 1000).replace('y', 'x' * 100000) }}", mentions: "replace would make a string of more than")
        try assertRenderFails("{{ ('a' * 100000) | join('x' * 1000) }}", mentions: "join would make a string of more than")
    }

    func testIndentAndTojsonWidthsAreCheckedBeforeBuilding() throws {
        try assertRenderFails("{{ ('a\n' * 100000) | indent(1000) }}", mentions: "indent would make a string of more than")
        try assertRenderFails("{{ [1, [2]] | tojson(indent=100000000) }}", mentions: "tojson's indent would make a string")
    }

    func testTheReprOfASharedStringStopsAtTheBound() throws {
        // One long string shared a thousand times: the repr stops at the bound, and the output check fails on it.
        try assertRenderFails("{% set big = 'x' * 1000000 %}{{ [big] * 1000 }}", mentions: "output is longer than 67108864 bytes")
    }

    func testTojsonOfASharedStringStopsAtTheBound() throws {
        try assertRenderFails("{% set big = 'x' * 1000000 %}{{ ([big] * 1000) | tojson }}", mentions: "tojson would make a string")
    }

    func testANamespaceCannotHoldItself() throws {
        try assertRenderFails("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}", mentions: "cannot store a value holding 'ns'")
        try assertRenderFails("{% set a = namespace() %}{% set b = namespace(x=a) %}{% set a.y = [b] %}{{ a | tojson }}",
                              mentions: "cannot store a value holding 'a'")
        try assertRenderFails("{% set ns = namespace(v=1) %}{% for i in range(100) %}{% set ns.v = [ns.v] %}{% endfor %}",
                              mentions: "nests more than 64 levels deep")
        // Within the bounds the same constructs behave as in Jinja.
        XCTAssertEqual(try ChatTemplate(source: "{% set ns = namespace(v=1) %}{% for i in range(3) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v }}")
                        .render(context: [:]), "[[[1]]]")
    }

    func testNegativeWidthsActAsPythonsEmptyRepeat() throws {
        XCTAssertEqual(try ChatTemplate(source: "{{ 'a\nb' | indent(-3) }}|{{ 'a\nb' | indent(-3, true) }}").render(context: [:]), "a\nb|a\nb")
        XCTAssertEqual(try ChatTemplate(source: "{{ [1, 2] | tojson(indent=-1) }}").render(context: [:]), "[\n1,\n2\n]")
    }

    func testParsedJSONNestingIsBounded() {
        XCTAssertThrowsError(try JinjaValue.parseJSON(String(repeating: "[", count: 100_000), what: "messages.json")) { error in
            XCTAssertTrue("\(error)".contains("nests more than 256 levels"), "\(error)")
        }
        XCTAssertNoThrow(try JinjaValue.parseJSON(String(repeating: "[", count: 200) + String(repeating: "]", count: 200)))
    }
}
