import Foundation
@testable import Tokenizer
import XCTest

/// Each normalizer, pre-tokenizer and decoder on its own against HF's output for the same input
/// (Fixtures/pipeline/components.json, made by make_pipeline_fixtures.py).
final class PipelineComponentTests: XCTestCase {
    func components(_ kind: String) throws -> [(config: JSONNode, cases: [[String: Any]])] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("pipeline/components.json")))
        let all = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        return try all.filter { $0["kind"] as! String == kind }.map { entry in
            let config = try JSONSerialization.data(withJSONObject: entry["config"]!)
            return (try JSONNode.parse(config, file: "components.json"), entry["cases"] as! [[String: Any]])
        }
    }

    func testNormalizersMatchHF() throws {
        let all = try components("normalizer")
        XCTAssertEqual(all.count, 12)
        for (config, cases) in all {
            let normalizer = try config.normalizer()
            for c in cases {
                let input = c["input"] as! String
                let got = String(decoding: normalizer.normalize(Array(input.utf8)), as: UTF8.self)
                XCTAssertEqual(got, c["output"] as! String, "\(config.value) on \(input.debugDescription)")
            }
        }
    }

    func testPreTokenizersMatchHF() throws {
        let all = try components("pre_tokenizer")
        XCTAssertEqual(all.count, 13 + 20 + 6 + 1)
        for (config, cases) in all {
            let pre = try config.preTokenizer()
            for c in cases {
                let input = c["input"] as! String
                var pieces = Pieces()
                var text = input
                text.withUTF8 { b in if let p = b.baseAddress, b.count > 0 { pre.split(p, b.count, atOrigin: true, into: &pieces) } }
                var got: [String] = []
                pieces.forEach { p, n, _ in got.append(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)) }
                XCTAssertEqual(got, c["output"] as! [String], "\(config.value) on \(input.debugDescription)")
            }
        }
    }

    func testDecodersMatchHF() throws {
        let all = try components("decoder")
        XCTAssertEqual(all.count, 11)
        for (config, cases) in all {
            let decoder = try config.decoder()
            for c in cases {
                let tokens = c["input"] as! [String]
                XCTAssertEqual(decoder.decodeChain(tokens).joined(), c["output"] as! String, "\(config.value) on \(tokens)")
            }
        }
    }

    /// The Llama 3 scanner and NSRegularExpression running the same pattern agree on every test line.
    func testLlama3ScannerAgreesWithNSRegularExpression() throws {
        let text = try String(contentsOfFile: Fixture.path("pipeline/corpus.txt"), encoding: .utf8)
        for pattern in [TextPattern.llama3Pattern, TextPattern.qwen2Pattern] {
            let scanner = try TextPattern.regex(pattern)
            let regex = TextPattern.regex(try NSRegularExpression(pattern: pattern))
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let bytes = Array((String(line) + "\n").utf8)
                XCTAssertEqual(scanner.matches(bytes), regex.matches(bytes), String(line).debugDescription)
            }
        }
    }
}
