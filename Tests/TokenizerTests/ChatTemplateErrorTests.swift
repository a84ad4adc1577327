import Foundation
import Tokenizer
import XCTest

/// Bad templates and failing renders give one-line errors that name the line and column, the unknown filter or
/// test, or the template's own `raise_exception` message.
final class ChatTemplateErrorTests: XCTestCase {
    func assertSyntax(_ source: String, line: Int, column: Int, mentions part: String, file: StaticString = #filePath,
                      at: UInt = #line) {
        XCTAssertThrowsError(try ChatTemplate(source: source), file: file, line: at) { error in
            guard case let .syntax(l, c, message)? = error as? ChatTemplateError else {
                return XCTFail("not a syntax error: \(error)", file: file, line: at)
            }
            XCTAssertEqual(l, line, "line of \(message)", file: file, line: at)
            XCTAssertEqual(c, column, "column of \(message)", file: file, line: at)
            XCTAssertTrue(message.contains(part), "'\(message)' lacks '\(part)'", file: file, line: at)
            XCTAssertFalse("\(error)".contains("\n"), file: file, line: at)
            XCTAssertTrue("\(error)".hasPrefix("chat template line \(line), column \(column): "), file: file, line: at)
        }
    }

    func testSyntaxErrorsNameLineAndColumn() {
        assertSyntax("{% if x %}\nabc\n{% endfor %}", line: 3, column: 4, mentions: "found 'endfor'")
        assertSyntax("{{ 1 + }}", line: 1, column: 8, mentions: "expected an expression, found '}}'")
        assertSyntax("hello\n  {{ 'abc }}", line: 2, column: 6, mentions: "unterminated string literal")
        assertSyntax("a\n\n   {% foo %}", line: 3, column: 7, mentions: "unknown tag 'foo'")
        assertSyntax("{% for x in xs %}\n{{ x }}", line: 2, column: 8, mentions: "'endfor' missing for the 'for' on line 1")
        assertSyntax("{# open comment", line: 1, column: 1, mentions: "missing end of comment tag")
        assertSyntax("{{ x ]] }}", line: 1, column: 6, mentions: "expected '}}'")
        assertSyntax("x\n{{ a ? b }}", line: 2, column: 6, mentions: "unexpected character '?'")
        assertSyntax("{% set = 3 %}", line: 1, column: 8, mentions: "expected a name after 'set'")
        assertSyntax("ok\n {% raw %}{{ x }}", line: 2, column: 2, mentions: "missing end of raw directive")
    }

    func testUnknownFilterAndTestAreNamedWhenTheTemplateIsParsed() {
        XCTAssertThrowsError(try ChatTemplate(source: "line1\n{% if false %}{{ x | nosuch }}{% endif %}")) { error in
            XCTAssertEqual(error as? ChatTemplateError, .unknownFilter(name: "nosuch", line: 2))
            XCTAssertEqual("\(error)", "chat template line 2: no filter named 'nosuch'")
        }
        XCTAssertThrowsError(try ChatTemplate(source: "{% if x is shiny %}{% endif %}")) { error in
            XCTAssertEqual(error as? ChatTemplateError, .unknownTest(name: "shiny", line: 1))
            XCTAssertEqual("\(error)", "chat template line 1: no test named 'shiny'")
        }
    }

    func testRaiseExceptionCarriesTheTemplatesMessage() throws {
        let t = try ChatTemplate(source: "{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}"
                                   + "{{ raise_exception('Bad role: ' + m.role) }}{% endif %}{% endfor %}")
        XCTAssertThrowsError(try t.render(messages: [["role": "tool", "content": "x"]])) { error in
            XCTAssertEqual(error as? ChatTemplateError, .raised("Bad role: tool"))
            XCTAssertEqual("\(error)", "Bad role: tool")
        }
        XCTAssertEqual(try t.render(messages: [["role": "user", "content": "x"]]), "")
    }

    func testRenderErrorsNameTheLine() throws {
        let undefinedObject = try ChatTemplate(source: "ok\n{{ nothing.attr }}")
        XCTAssertThrowsError(try undefinedObject.render(context: [:])) { error in
            XCTAssertEqual(error as? ChatTemplateError, .render(line: 2, message: "'nothing' is undefined"))
        }
        let badAdd = try ChatTemplate(source: "{{ 'a' + 1 }}")
        XCTAssertThrowsError(try badAdd.render(context: [:])) { error in
            XCTAssertEqual("\(error)", "chat template line 1: unsupported operand type(s) for +: 'str' and 'int'")
        }
        let missingKey = try ChatTemplate(source: "{{ messages[0].content.strip() }}\n{{ messages[0].nope.strip() }}")
        XCTAssertThrowsError(try missingKey.render(messages: [["role": "user", "content": " hi "]])) { error in
            XCTAssertEqual(error as? ChatTemplateError, .render(line: 2, message: "'dict object' has no attribute 'nope'"))
        }
        let divide = try ChatTemplate(source: "{{ 1 // 0 }}")
        XCTAssertThrowsError(try divide.render(context: [:])) { error in
            XCTAssertEqual(error as? ChatTemplateError, .render(line: 1, message: "integer division or modulo by zero"))
        }
    }

    func testRunawayTemplatesStopWithAnErrorInsteadOfCrashing() throws {
        let cases: [(String, String)] = [
            ("{{ 2 ** 64 }}", "chat template line 1: integer overflow in 2 ** 64"),
            ("{{ 9223372036854775807 + 1 }}", "chat template line 1: integer overflow in 9223372036854775807 + 1"),
            ("{{ 'ab' * 1000000000 }}", "chat template line 1: repetition by 1000000000 is too large"),
            ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(0) }}", "nests more than 100 calls deep"),
            ("{{ range(100000000000) | length }}", "chat template line 1: range() of 100000000000 items is too large"),
        ]
        for (source, message) in cases {
            let t = try ChatTemplate(source: source)
            XCTAssertThrowsError(try t.render(context: [:]), source) { error in
                XCTAssertTrue("\(error)".contains(message), "'\(error)' lacks '\(message)'")
            }
        }
        XCTAssertEqual(try ChatTemplate(source: "{{ 2 ** 62 }} {{ -7 // 2 }} {{ 7 % -3 }}").render(context: [:]),
                       "4611686018427387904 -4 -2")
    }
}
