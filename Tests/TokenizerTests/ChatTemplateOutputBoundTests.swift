import Tokenizer
import XCTest

/// `ChatTemplateLimits.maxOutputBytes` bounds what one render writes, text repeated by a loop included, with an
/// error naming the bound; the default is `maxStringBytes`, the bound every string has.
final class ChatTemplateOutputBoundTests: XCTestCase {
    private let tenBytesTimes = "{% for i in range(n) %}0123456789{% endfor %}"

    func testOutputPastTheBoundIsRefused() throws {
        var limits = ChatTemplateLimits()
        limits.maxOutputBytes = 1000
        let template = try ChatTemplate(source: tenBytesTimes, limits: limits)
        XCTAssertEqual(try template.render(context: ["n": .int(100)]).utf8.count, 1000)
        XCTAssertThrowsError(try template.render(context: ["n": .int(101)])) { error in
            XCTAssertEqual("\(error)", "chat template line 1: the output is longer than 1000 bytes")
        }
        // A `{% set %}` block's capture is output too.
        let captured = try ChatTemplate(source: "{% set x %}" + tenBytesTimes + "{% endset %}{{ x | length }}", limits: limits)
        XCTAssertEqual(try captured.render(context: ["n": .int(60)]), "600")
        XCTAssertThrowsError(try captured.render(context: ["n": .int(101)]))
    }

    func testTheDefaultIsTheStringBound() throws {
        XCTAssertEqual(ChatTemplateLimits().maxOutputBytes, ChatTemplateLimits.maxStringBytes)
        XCTAssertEqual(try ChatTemplate(source: tenBytesTimes).render(context: ["n": .int(5000)]).utf8.count, 50_000)
    }
}
