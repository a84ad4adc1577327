import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Foundation
import XCTest

/// Ranking JSONL: ranking and pair lines in one file, partial rankings, errors naming file:line, annotators.
final class RankingDataTests: XCTestCase {
    func write(_ lines: [String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rank-\(UUID().uuidString).jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        return url
    }

    func testReadsRankingsPairsAndPartialRankings() throws {
        let url = try write([
            #"{"prompt": "Q1", "responses": [" A", " B", " C"], "ranking": [2, 0, 1], "group": "north", "annotator": "u1", "id": "a"}"#,
            #"{"prompt": "Q2", "chosen": " A", "rejected": " B", "annotator": "u2"}"#,
            "",
            #"{"prompt": "Q3", "responses": [" A", " B", " C", " D"], "ranking": [3]}"#,
        ])
        defer { try? FileManager.default.removeItem(at: url) }
        let xs = try RankingExample.load(url)
        XCTAssertEqual(xs.map(\.ranking), [[2, 0, 1], [0], [3]])
        XCTAssertEqual(xs.map(\.responses.count), [3, 2, 4])
        XCTAssertEqual(xs.map(\.annotator), ["u1", "u2", nil])
        XCTAssertEqual(xs.map(\.line), [1, 2, 4])
        XCTAssertEqual(xs[0].group, "north")
        XCTAssertEqual(xs[1].responses, [" A", " B"])
        // implied pairs: C≻A, C≻B, A≻B for the full ranking; D over the three others for top-1 of 4
        XCTAssertEqual(xs[0].impliedPairs.map { $0.chosen + ">" + $0.rejected }, [" C> A", " C> B", " A> B"])
        XCTAssertEqual(xs[2].impliedPairs.map(\.rejected), [" A", " B", " C"])
        // round trip
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rank-out-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        try RankingExample.save(xs, to: out)
        XCTAssertEqual(try RankingExample.load(out).map { [$0.prompt] + $0.responses + $0.ranking.map(String.init) },
                       xs.map { [$0.prompt] + $0.responses + $0.ranking.map(String.init) })
    }

    func testErrorsNameFileLineAndProblem() throws {
        let cases: [(String, String)] = [
            (#"{"prompt": "Q", "responses": [" A", " B", " C"], "ranking": [0, 3]}"#, "ranking index 3 is out of range"),
            (#"{"prompt": "Q", "responses": [" A", " B", " C"], "ranking": [1, 1]}"#, "lists a response twice"),
            (#"{"prompt": "Q", "responses": [" A"], "ranking": [0]}"#, "at least 2 responses"),
            (#"{"prompt": "Q", "responses": [" A", " B"]}"#, "missing field \"ranking\""),
            (#"{"prompt": "Q", "responses": [" A", " B"], "ranking": [0.5]}"#, "integer indices"),
        ]
        for (line, message) in cases {
            let url = try write([#"{"prompt": "ok", "chosen": " A", "rejected": " B"}"#, line])
            defer { try? FileManager.default.removeItem(at: url) }
            XCTAssertThrowsError(try RankingExample.load(url)) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(url.path):2: "), "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(error) should say \(message)")
            }
        }
    }

    func testPreferenceExampleKeepsAnnotatorAndRefusesRankingLines() throws {
        let pairs = [PreferenceExample(prompt: "Q", chosen: " A", rejected: " B", group: "g", annotator: "ann-7"),
                     PreferenceExample(prompt: "Q", chosen: " B", rejected: " A")]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pairs-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try PreferenceExample.save(pairs, to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: "annotator").count, 2, "only the first line has an annotator")
        XCTAssertEqual(try PreferenceExample.load(url).map(\.annotator), ["ann-7", nil])
        let ranking = try write([#"{"prompt": "Q", "responses": [" A", " B", " C"], "ranking": [0]}"#])
        defer { try? FileManager.default.removeItem(at: ranking) }
        XCTAssertThrowsError(try PreferenceExample.load(ranking)) { XCTAssertTrue("\($0)".contains(":1: a ranking line"), "\($0)") }
    }
}
