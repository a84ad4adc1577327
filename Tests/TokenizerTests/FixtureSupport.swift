import Foundation
import XCTest

/// Paths and contents of the committed fixtures (made by Fixtures/make_fixtures.py with HF `tokenizers`).
enum Fixture {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!.path
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }

    /// The (line, HF ids) rows of encodings.json.
    static func encodings() throws -> [(text: String, ids: [Int])] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("encodings.json")))
        let rows = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        return rows.map { ($0["text"] as! String, ($0["ids"] as! [NSNumber]).map(\.intValue)) }
    }

    /// model.vocab and model.merges of an HF tokenizer.json, read independently of our loader.
    static func hfModel(_ name: String) throws -> (vocab: [String: Int], merges: [[String]]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let model = root["model"] as! [String: Any]
        let vocab = (model["vocab"] as! [String: NSNumber]).mapValues(\.intValue)
        return (vocab, model["merges"] as! [[String]])
    }
}

/// A fresh temporary folder for file tests, removed by the caller.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
