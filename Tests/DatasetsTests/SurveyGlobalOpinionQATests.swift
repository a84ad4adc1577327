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
        XCTAssertEqual(s.questions.map(\.id), ["goqa-0001", "goqa-0002", "goqa-0003", "goqa-0004", "goqa-0005", "goqa-0006",
                                               "goqa-0007", "goqa-0008", "goqa-0009", "goqa-0012"])
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
        // The World Values Survey scale: floats among the strings, as Python's str() writes them.
        XCTAssertEqual(s.questions[6].options, ["Not important at all"] + (1...9).map { "\($0).0" } + ["Very important"])
        XCTAssertEqual(s.questions[6].question, "How important is God in your life? Please use this scale to indicate.\n"
                       + "10 means \"very important\" and 1 means \"not at all important.\"")
        XCTAssertEqual(Set(s.questions[6].selections.keys), ["Egypt", "Nigeria", "China", "India (Current national sample)"])
        XCTAssertEqual(s.questions[7].options, ["1", "2", "3", "4", "DK", "Refused"])
        XCTAssertEqual(s.questions[8].options, ["1e-05", "0.1", "1e+16", "1000000000000000.0", "Don't know, can't say"])
        XCTAssertEqual(result.skippedRows, [
            .init(line: 13, reason: "column \"options\": missing ']' (at character 38)"),
            .init(line: 14, reason: "expected 4 fields like the header, found 3"),
        ])
        XCTAssertEqual(result.skippedRowsSummary(), "skipped 2 rows: line 13: column \"options\": missing ']' (at character 38); "
                       + "line 14: expected 4 fields like the header, found 3")
        // Shares are normalised: row 1 Japan sums to 1.0 already; check a sum for every kept distribution.
        for q in s.questions { for p in q.selections.values { XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12) } }
    }

    func testCountryWithACommaInItsName() throws {
        let result = try GlobalOpinionQA.load(csv: try fixture(), countries: ["Korea, Republic of"])
        XCTAssertEqual(result.survey.questions.map(\.id), ["goqa-0008", "goqa-0009", "goqa-0012"])
        XCTAssertEqual(result.survey.questions[1].selections["Korea, Republic of"]!, [0.1, 0.4, 0.3, 0.1, 0.1], accuracy: 1e-12)
        XCTAssertEqual(result.skippedRows.map(\.line), [13, 14], "unreadable rows are skipped whatever the countries")
    }

    func testPairsFollowThePaperRule() throws {
        let survey = try GlobalOpinionQA.load(csv: try fixture(), countries: countries).survey
        let firstSix = Set((1...6).map { String(format: "goqa-%04d", $0) })
        let pairs = try SurveyPairs.all(survey, seed: 0).filter { firstSix.contains($0.id!) }
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

    func testMalformedRowsAreSkippedByLineAndFileErrorsNameTheLine() throws {
        func summary(_ text: String) throws -> String? {
            try GlobalOpinionQA.parse(Data(text.utf8), file: "g.csv", countries: ["Nigeria"]).skippedRowsSummary()
        }
        func message(_ text: String) -> String {
            do { _ = try GlobalOpinionQA.parse(Data(text.utf8), file: "g.csv", countries: ["Nigeria"]); return "no error" }
            catch { return "\(error)" }
        }
        let header = "question,selections,options,source\n"
        let good = "Q1,\"defaultdict(<class 'list'>, {'Nigeria': [0.4, 0.6]})\",\"['Yes', 'No']\",GAS\n"
        XCTAssertNil(try summary(header + good))
        XCTAssertEqual(try summary(header + good + "Q2,\"{'Nigeria': [1, 0]}\",\"['Yes', 'No']\"\n"),
                       "skipped 1 row: line 3: expected 4 fields like the header, found 3")
        XCTAssertEqual(try summary(header + good + "Q2,\"{'Nigeria': [1, 0]}\",\"['Yes', 'No'\",GAS\n"),
                       "skipped 1 row: line 3: column \"options\": missing ']' (at character 12)")
        XCTAssertEqual(try summary(header + good + "\"Q2\nstill Q2\",\"{'Nigeria': [1, 'x']}\",\"['Yes', 'No']\",GAS\n"
                                   + "Q3,\"{'Nigeria': [1]}\",\"['Yes']\",GAS\n"
                                   + "Q4,\"{'Nigeria': [1, 0]}\",\"['Yes', ['No']]\",GAS\n"),
                       "skipped 3 rows: line 3: column \"selections\": a share for Nigeria is not a number; "
                       + "line 5: column \"options\" has 1 option(s), need 2 or more; line 6: column \"options\" holds a nested container")
        let many = (0..<7).map { _ in "Q,\"{'Nigeria': [1, 0]}\",\"['Yes', 'No'\",GAS\n" }.joined()
        let s7 = try XCTUnwrap(try summary(header + good + many))
        XCTAssertTrue(s7.hasPrefix("skipped 7 rows: line 3: "), s7)
        XCTAssertTrue(s7.hasSuffix("line 7: column \"options\": missing ']' (at character 12); …"), s7)
        // Only a file-level fault (header, CSV quoting) still aborts, naming the line.
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
