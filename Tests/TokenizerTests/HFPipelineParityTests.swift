import Foundation
import Tokenizer
import XCTest

/// HFTokenizer against HF `tokenizers` on small tokenizers of each model family's shape (Fixtures/pipeline, made
/// by make_pipeline_fixtures.py): the ids with and without special tokens and both decodes equal HF's on every
/// test line (mixed scripts, special tokens inside the text, leading/trailing spaces, tabs, newlines).
final class HFPipelineParityTests: XCTestCase {
    struct Case { let text: String; let ids: [Int]; let plain: [Int]; let decoded: String; let decodedSkip: String }

    static func load(_ shape: String) throws -> (HFTokenizer, [Case]) {
        let (tokenizer, cases, _) = try loadWithPairs(shape)
        return (tokenizer, cases)
    }

    /// The tokenizer, its single-sequence cases and its (text, pair, ids) cases.
    static func loadWithPairs(_ shape: String) throws -> (HFTokenizer, [Case], [(String, String, [Int])]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("pipeline/\(shape).json")))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let json = try JSONSerialization.data(withJSONObject: root["tokenizer"]!)
        let cases = (root["cases"] as! [[String: Any]]).map {
            Case(text: $0["text"] as! String, ids: ($0["ids"] as! [NSNumber]).map(\.intValue),
                 plain: ($0["ids_plain"] as! [NSNumber]).map(\.intValue), decoded: $0["decoded"] as! String,
                 decodedSkip: $0["decoded_skip"] as! String)
        }
        let pairs = (root["pairs"] as! [[String: Any]]).map {
            ($0["text"] as! String, $0["pair"] as! String, ($0["ids"] as! [NSNumber]).map(\.intValue))
        }
        return (try HFTokenizer(json: json, path: "\(shape).json"), cases, pairs)
    }

    func assertParity(_ shape: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (tokenizer, cases, pairs) = try Self.loadWithPairs(shape)
        XCTAssertEqual(cases.count, 30, file: file, line: line)
        XCTAssertEqual(pairs.count, 6, file: file, line: line)
        for (a, b, ids) in pairs {
            XCTAssertEqual(tokenizer.encode(a, pair: b), ids, "\(shape) pair \(a.debugDescription) + \(b.debugDescription)",
                           file: file, line: line)
        }
        for c in cases {
            let what = "\(shape) \(c.text.debugDescription)"
            XCTAssertEqual(tokenizer.encode(c.text), c.ids, "ids of \(what)", file: file, line: line)
            XCTAssertEqual(tokenizer.encode(c.text, addSpecialTokens: false), c.plain, "plain ids of \(what)", file: file, line: line)
            XCTAssertEqual(try tokenizer.decode(c.ids), c.decoded, "decode of \(what)", file: file, line: line)
            XCTAssertEqual(try tokenizer.decode(c.ids, skipSpecialTokens: true), c.decodedSkip, "skip-decode of \(what)",
                           file: file, line: line)
        }
    }

    func testGPT2() throws { try assertParity("gpt2") }
    func testLlama3() throws { try assertParity("llama3") }
    func testQwen2() throws { try assertParity("qwen2") }
    func testSmolLM2() throws { try assertParity("smollm2") }
    func testLlama2SentencePieceStyle() throws { try assertParity("llama2") }
    func testMetaspace() throws { try assertParity("metaspace") }
    func testGemma() throws { try assertParity("gemma") }
    func testWordishPrefixSuffixAndNormalizers() throws { try assertParity("wordish") }
    func testRobertaPrefixSpaceAndProcessor() throws { try assertParity("roberta") }

    /// Several threads encoding at once (sharing the word cache) get HF's ids.
    func testConcurrentEncodes() throws {
        let (tokenizer, cases) = try Self.load("qwen2")
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 8)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { k in
            var ok = true
            for c in (k % 2 == 0 ? cases : cases.reversed()) where tokenizer.encode(c.text) != c.ids { ok = false }
            results[k] = ok
        }
        XCTAssertEqual(Array(results), [Bool](repeating: true, count: 8))
    }

    /// Merges written as "a b" strings (the older form) load to the same tokenizer as ["a", "b"] pairs.
    func testStringMergesGiveTheSameIds() throws {
        for shape in ["llama2", "qwen2"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("pipeline/\(shape).json")))
            var tokenizer = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["tokenizer"] as! [String: Any]
            var model = tokenizer["model"] as! [String: Any]
            let pairs = model["merges"] as! [[String]]
            XCTAssertGreaterThan(pairs.count, 100)
            model["merges"] = pairs.map { $0.joined(separator: " ") }
            tokenizer["model"] = model
            let strings = try HFTokenizer(json: try JSONSerialization.data(withJSONObject: tokenizer))
            let (reference, cases) = try Self.load(shape)
            for c in cases {
                XCTAssertEqual(strings.encode(c.text), c.ids, c.text.debugDescription)
                XCTAssertEqual(strings.encode(c.text), reference.encode(c.text))
            }
        }
    }

    /// Added tokens with lstrip / rstrip / single_word (the GPT-2 fixture of AddedTokenTests) give HF's ids here too.
    func testAddedTokenFlagsThroughThePipeline() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("added_tokens.json")))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let tokenizer = try HFTokenizer(json: try JSONSerialization.data(withJSONObject: root["tokenizer"]!))
        let rows = root["encodings"] as! [[String: Any]]
        XCTAssertEqual(rows.count, 9)
        for row in rows {
            let text = row["text"] as! String
            XCTAssertEqual(tokenizer.encode(text), (row["ids"] as! [NSNumber]).map(\.intValue), text.debugDescription)
        }
    }

    /// Llama 3's template puts its BOS first; without special tokens it is absent.
    func testLlama3TemplateAddsBOS() throws {
        let (tokenizer, _) = try Self.load("llama3")
        let bos = try XCTUnwrap(tokenizer.id(for: "<|begin_of_text|>"))
        let ids = tokenizer.encode("Hi")
        XCTAssertEqual(ids.first, bos)
        XCTAssertEqual(Array(ids.dropFirst()), tokenizer.encode("Hi", addSpecialTokens: false))
        XCTAssertEqual(tokenizer.encode("Hi", pair: "there"),
                       [bos] + tokenizer.encode("Hi", addSpecialTokens: false) + [bos] + tokenizer.encode("there", addSpecialTokens: false))
    }

    /// The byte-level GPT-2 file gives BPETokenizer's ids through the general pipeline too.
    func testGPT2PipelineAgreesWithBPETokenizer() throws {
        let hf = try HFTokenizer.load(URL(fileURLWithPath: Fixture.path("hf_tokenizer.json")))
        let bpe = try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer.json"))
        for row in try Fixture.encodings() {
            XCTAssertEqual(hf.encode(row.text), row.ids, row.text.debugDescription)
            XCTAssertEqual(bpe.encode(row.text), row.ids)
            XCTAssertEqual(try hf.decode(row.ids), row.text)
        }
        XCTAssertEqual(hf.vocabularySize, bpe.vocabularySize)
    }
}
