import Foundation
import Tokenizer
import XCTest

/// Garbage in, one-line error out: random splices of template syntax either render or throw a `ChatTemplateError`
/// (never a crash, never another error type), with a fixed seed.
final class ChatTemplateFuzzTests: XCTestCase {
    func testRandomSyntaxNeverCrashes() throws {
        let pieces = ["{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", "if", "for", "in", "endif", "endfor",
                      "else", "elif", "set", "macro", "endmacro", "raw", "endraw", "x", "xs", "loop", "ns", "namespace(a=1)",
                      "(", ")", "[", "]", "{", "}", ":", ",", ".", "|", "trim", "length", "tojson", "is", "not", "defined",
                      "'s'", "\"q", "'", "1", "-2", "3.5", "+", "-", "*", "/", "//", "%", "**", "~", "==", "<", "and", "or",
                      " ", "\n", "\t", "é", "☕", "\\", "=", "raise_exception('r')", "range(3)", "items()", "::-1", "none"]
        var rng = SeededGenerator(seed: 20261201)
        var rendered = 0, failed = 0
        for _ in 0..<4000 {
            let count = Int.random(in: 1...14, using: &rng)
            let source = (0..<count).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
            do {
                _ = try ChatTemplate(source: source).render(context: ["xs": .list([.int(1), .string("a")]), "x": .string("v")])
                rendered += 1
            } catch let error as ChatTemplateError {
                XCTAssertFalse(error.description.contains("\n") && !source.contains("\n"), "\(source.debugDescription): \(error)")
                failed += 1
            } catch {
                XCTFail("\(source.debugDescription) threw a non-template error: \(error)")
            }
        }
        XCTAssertEqual(rendered + failed, 4000)
        XCTAssertGreaterThan(rendered, 300)
        XCTAssertGreaterThan(failed, 300)
    }
}

/// SplitMix64, so the fuzz cases are the same on every run.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
