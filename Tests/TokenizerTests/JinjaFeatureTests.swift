import Foundation
import Tokenizer
import XCTest

/// One snippet per interpreter feature (whitespace control, loops, namespaces, macros, literals, slicing, operators,
/// tests, filters, methods, Undefined, reprs), rendered by transformers' own Jinja environment into
/// Fixtures/jinja_feature_cases.json (Fixtures/make_jinja_feature_fixtures.py); ours must match byte for byte.
final class JinjaFeatureTests: XCTestCase {
    func testEverySnippetMatchesTransformersJinja() throws {
        let root = try JinjaValue.parseJSON(try Fixture.text("jinja_feature_cases.json"), what: "jinja_feature_cases.json")
        guard case let .dict(top) = root, case let .dict(contextDict)? = top["context"], case let .list(cases)? = top["cases"]
        else { return XCTFail("bad fixture") }
        var context: [String: JinjaValue] = [:]
        for e in contextDict.entries { context[e.key] = e.value }
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for item in cases {
            guard case let .dict(c) = item, case let .string(name)? = c["name"], case let .string(source)? = c["template"]
            else { return XCTFail("bad case") }
            do {
                let rendered = try ChatTemplate(source: source).render(context: context)
                if case let .string(expected)? = c["expected"] {
                    XCTAssertEqual(rendered, expected, name)
                } else {
                    XCTFail("\(name): rendered \(rendered.debugDescription) but transformers raised \(c["error"]?.pythonString ?? "")")
                }
            } catch {
                if case let .string(message)? = c["error"] {
                    XCTAssertEqual(error as? ChatTemplateError, .raised(message), name)
                } else {
                    XCTFail("\(name): \(error)")
                }
            }
        }
    }
}
