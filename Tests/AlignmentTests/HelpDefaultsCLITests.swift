import Alignment
import Foundation
import TestSupport
import Training
import XCTest

/// The defaults `tinyalign align --help` documents are the library's (`AlignConfig()`), so the help never
/// promises an η_α, β or χ the code does not use; the shared length budget shows TRL's defaults.
final class HelpDefaultsCLITests: XCTestCase {
    /// `--name`'s documented default in `help`: its entry runs from the line that starts with it to the next line
    /// that starts an option (or a blank line), wrapped lines joined.
    func documentedDefault(_ name: String, in help: String) -> String? {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func trimmed(_ line: String) -> String { line.trimmingCharacters(in: .whitespaces) }
        // an entry's first line is indented by two spaces, its wrapped lines by many more
        func startsEntry(_ line: String) -> Bool { line.hasPrefix("  -") && !line.hasPrefix("   ") }
        guard let first = lines.firstIndex(where: { startsEntry($0) && trimmed($0).hasPrefix("\(name) <") }) else { return nil }
        var entry = trimmed(lines[first])
        for line in lines[(first + 1)...] {
            if trimmed(line).isEmpty || startsEntry(line) { break }
            entry += " " + trimmed(line)
        }
        guard let open = entry.range(of: "(default: "), let close = entry[open.upperBound...].firstIndex(of: ")") else { return nil }
        return String(entry[open.upperBound..<close])
    }

    func testAlignHelpDefaultsAreTheLibrarysDefaults() throws {
        let help = try TinyAlignBinary.run(["align", "--help"])
        XCTAssertEqual(help.status, 0, help.err)
        let config = AlignConfig()
        let floats: [(String, Float)] = [("--beta", config.beta), ("--eta-alpha", config.etaAlpha), ("--chi", config.chi),
                                         ("--adjustment", config.adjustment), ("--sft-weight", config.sftWeight),
                                         ("--label-smoothing", config.labelSmoothing), ("--gamma", config.simpoGamma)]
        for (name, value) in floats {
            let shown = try XCTUnwrap(documentedDefault(name, in: help.out), "\(name) shows no default")
            XCTAssertEqual(Float(shown), value, "\(name): help says \(shown), the code uses \(value)")
        }
        XCTAssertEqual(documentedDefault("--max-length", in: help.out), String(Truncation.defaultMaxLength))
        XCTAssertEqual(documentedDefault("--max-prompt-length", in: help.out), String(Truncation.defaultMaxPromptLength))
        XCTAssertEqual(documentedDefault("--method", in: help.out), config.method)
    }

    func testEMDPOHelpShowsTheSFTWeightAndTheLengthBudget() throws {
        let help = try TinyAlignBinary.run(["em-dpo", "--help"])
        XCTAssertEqual(help.status, 0, help.err)
        XCTAssertEqual(documentedDefault("--sft-weight", in: help.out).flatMap(Float.init), EMDPOConfig().sftWeight)
        XCTAssertEqual(documentedDefault("--beta", in: help.out).flatMap(Float.init), EMDPOConfig().beta)
        XCTAssertEqual(documentedDefault("--max-prompt-length", in: help.out), String(Truncation.defaultMaxPromptLength))
        let eval = try TinyAlignBinary.run(["eval", "--help"])
        XCTAssertEqual(documentedDefault("--max-length", in: eval.out), String(Truncation.defaultMaxLength))
        XCTAssertEqual(documentedDefault("--split", in: eval.out), "test")
    }
}
