@testable import Datasets
import Foundation
import XCTest

/// The GlobalOpinionQA import on a fixture in the Hugging Face file's exact format
/// (Fixtures/make_global_opinions_sample.py) and on malformed inline files.
final class SurveyGlobalOpinionQATests: XCTestCase {
    let countries = ["Nigeria", "Egypt", "India (Current national sample)", "China", "Japan"]

    func fixture() throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: "global_opinions_sample", withExtension: "csv", subdirectory: "Fixtures"))
    }

    func testFixtureParses() throws {
        let result = try GlobalOpinionQA.load(csv: try fixture(), countries: countries)
        let s = result.survey
        XCTAssertEqual(s.groups, countries)
        XCTAssertEqual(s.questions.map(\.id), ["goqa-0001", "goqa-0002", "goqa-0003", "goqa-0004", "goqa-0005", "goqa-0006"])
        XCTAssertEqual(s.questions[0].options, ["Better off", "Worse off", "About the same", "Don't know/Refused"])
        XCTAssertEqual(s.questions[1].question,
                       "How much do you agree: \"Religion, in general, is good for society\"?\n(Read the statement aloud)")
        XCTAssertEqual(s.questions[1].options, ["Agree, \"mostly\"", "He said \"it's fine\"", "Disagree"])
        XCTAssertEqual(s.questions[1].source, "WVS")
        XCTAssertEqual(s.questions[3].question, "Should the government regulate café culture — yes or no?")
        XCTAssertEqual(s.questions[0].selections["Nigeria"]!, [0.61, 0.22, 0.12, 0.05], accuracy: 1e-12)
        XCTAssertNil(s.questions[1].selections["Egypt"], "row 2 lacks Egypt")
        XCTAssertNil(s.questions[2].selections["Japan"], "Japan's 3 shares do not fit 2 options")
        XCTAssertNil(s.questions[3].selections["Egypt"], "Egypt's shares contain nan")
        XCTAssertEqual(result.skipped, ["Japan": 1, "Egypt": 1])
        // Shares are normalised: row 1 Japan sums to 1.0 already; check a sum for every kept distribution.
        for q in s.questions { for p in q.selections.values { XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12) } }
    }

    func testPairsFollowThePaperRule() throws {
        let survey = try GlobalOpinionQA.load(csv: try fixture(), countries: countries).survey
        let pairs = try SurveyPairs.all(survey, seed: 0)
        let expected: [String: [String: String]] = [     // group -> question id -> chosen letter
            "Nigeria": ["goqa-0001": "A", "goqa-0002": "A", "goqa-0003": "B", "goqa-0004": "A", "goqa-0006": "A"],
            "Egypt": ["goqa-0001": "B", "goqa-0003": "A", "goqa-0005": "A", "goqa-0006": "A"],
            "India (Current national sample)": ["goqa-0001": "C", "goqa-0002": "C", "goqa-0004": "B", "goqa-0006": "A"],
            "China": ["goqa-0005": "B", "goqa-0006": "E"],
            "Japan": ["goqa-0001": "C", "goqa-0002": "C", "goqa-0006": "E"],
        ]
        XCTAssertEqual(pairs.count, 18)
        for g in countries {
            let mine = pairs.filter { $0.group == g }
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: mine.map { ($0.id!, String($0.chosen.dropFirst())) }), expected[g]!, g)
            for p in mine {
                let q = survey.questions.first { $0.id == p.id }!
                XCTAssertNotEqual(p.rejected, p.chosen)
                XCTAssertTrue(q.options.indices.map(SurveyPairs.response).contains(p.rejected))
                XCTAssertEqual(p.prompt, SurveyPairs.prompt(for: q))
            }
        }
        let pray = pairs.first { $0.group == "China" && $0.id == "goqa-0006" }!
        XCTAssertEqual(pray.prompt, "How often do you pray?\nPlease select the best response:\nA. Several times a day\n"
                       + "B. Once a day\nC. Once a week\nD. Rarely\nE. Never\nAnswer:")
    }

    func testUnknownCountryIsNamedWithAHint() throws {
        XCTAssertThrowsError(try GlobalOpinionQA.load(csv: try fixture(), countries: ["Nigeria", "Narnia", "India"])) {
            let m = "\($0)"
            XCTAssertTrue(m.hasSuffix("no rows for \"Narnia\", \"India\"; did you mean \"India (Current national sample)\"?"), m)
        }
    }

    func testMalformedFilesNameTheLine() {
        func message(_ text: String) -> String {
            do { _ = try GlobalOpinionQA.parse(Data(text.utf8), file: "g.csv", countries: ["Nigeria"]); return "no error" }
            catch { return "\(error)" }
        }
        let header = "question,selections,options,source\n"
        let good = "Q1,\"defaultdict(<class 'list'>, {'Nigeria': [0.4, 0.6]})\",\"['Yes', 'No']\",GAS\n"
        XCTAssertEqual(message(header + good + "Q2,\"{'Nigeria': [1, 0]}\",\"['Yes', 'No']\"\n"),
                       "g.csv:3: expected 4 fields like the header, found 3")
        XCTAssertEqual(message(header + good + "Q2,\"{'Nigeria': [1, 0]}\",\"['Yes', 'No'\",GAS\n"),
                       "g.csv:3: column \"options\": missing ']' (at character 12)")
        XCTAssertEqual(message(header + good + "\"Q2\nstill Q2\",\"{'Nigeria': [1, 'x']}\",\"['Yes', 'No']\",GAS\n"),
                       "g.csv:3: column \"selections\": a share for Nigeria is not a number")
        XCTAssertEqual(message(header + good + "Q3,\"{'Nigeria': [1]}\",\"['Yes']\",GAS\n"),
                       "g.csv:3: column \"options\" has 1 option(s), need 2 or more")
        XCTAssertEqual(message("question,options\nQ,\"['a', 'b']\"\n"),
                       "g.csv:1: missing column \"selections\" (header has [\"question\", \"options\"])")
        XCTAssertEqual(message(header + good + "Q2,\"{'Nigeria': [1, 0]}\"x,\"['Yes', 'No']\",GAS\n"),
                       "g.csv:3: unexpected character 'x' after a closing quote")
    }
}

/// Element-wise closeness of two share vectors.
func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
