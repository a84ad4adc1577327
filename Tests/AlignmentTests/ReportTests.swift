@testable import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// The HTML report on a small run folder written here: well-formed XML, one chart per expected metric, the
/// run's numbers on the page, and errors that name the file and line.
final class ReportTests: XCTestCase {
    let groups = ["Avalon", "Cedar <Isle> & \"Co\""]
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func line(_ obj: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A run with `evalSteps` eval lines; group g's eval loss at eval i is 0.7 − 0.05·i − 0.1·g + offset.
    func writeRun(_ name: String, method: String, alpha: Bool, evalSteps: Int = 4, offset: Double = 0,
                  finalEval: Bool = true) throws -> URL {
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = AlignConfig()
        config.method = method
        config.steps = 40
        let manifest = RunManifest(task: "align", method: method, training: config.training, settings: config,
                                   data: [FileFingerprint(bytes: Data("x".utf8), path: "data/prefs.jsonl")], groups: groups)
        try manifest.encoded().write(to: dir.appendingPathComponent("run_config.json"))
        var text = ""
        for i in 0..<evalSteps {
            var train: [String: Any] = ["step": i * 10 + 5, "split": "train", "loss": 0.6, "rewards/accuracies": 0.5, "note": "text"]
            for (g, name) in groups.enumerated() {
                train["group/\(name)/loss"] = 0.6
                if alpha { train["alpha/\(name)"] = g == 0 ? 0.3 - 0.01 * Double(i) : 0.7 + 0.01 * Double(i) }
            }
            text += try line(train) + "\n"
            var eval: [String: Any] = ["step": i * 10 + 10, "split": "eval"]
            for (g, name) in groups.enumerated() {
                eval["group/\(name)/loss"] = 0.7 - 0.05 * Double(i) - 0.1 * Double(g) + offset
                eval["group/\(name)/rewards/accuracies"] = 0.6 + 0.1 * Double(g) + offset
                eval["group/\(name)/logps/accuracies"] = 0.55
            }
            eval["worst_group/loss"] = 0.7 - 0.05 * Double(i) + offset
            eval["average/loss"] = 0.65 - 0.05 * Double(i) + offset
            text += try line(eval) + "\n\n"
        }
        try Data(text.utf8).write(to: dir.appendingPathComponent("metrics.jsonl"))
        if finalEval {
            let final: [String: Any] = ["step": 40, "split": "eval", "group/Avalon/loss": 0.4321 + offset,
                                        "group/\(groups[1])/loss": 0.2468, "group/Avalon/rewards/accuracies": 0.8125,
                                        "group/\(groups[1])/rewards/accuracies": 0.9375, "worst_group/loss": 0.4321 + offset,
                                        "worst_group/rewards/accuracies": 0.8125, "average/loss": 0.3396,
                                        "average/rewards/accuracies": 0.875]
            try Data(try line(final).utf8).write(to: dir.appendingPathComponent("eval.json"))
        }
        return dir
    }

    func testLoadReadsTheRunFolder() throws {
        let run = try RunData.load(try writeRun("gr", method: "gr-dpo", alpha: true))
        XCTAssertEqual(run.method, "gr-dpo")
        XCTAssertEqual(run.groups, groups)
        XCTAssertEqual(run.train.map(\.step), [5, 15, 25, 35])
        XCTAssertEqual(run.eval.map(\.step), [10, 20, 30, 40])
        XCTAssertEqual(run.eval[2]["group/Avalon/loss"]!, 0.6, accuracy: 1e-12)
        XCTAssertNil(run.train[0]["note"], "text fields are not metrics")
        XCTAssertEqual(run.final?["group/Avalon/loss"], 0.4321, "eval.json wins over the last eval line")
        XCTAssertTrue(run.hasAlpha)
        let keys = Set(run.settings.map(\.key))
        for key in ["method", "task", "settings.beta", "settings.eta_alpha", "training.steps", "training.lr", "groups", "command_line"] {
            XCTAssertTrue(keys.contains(key), key)
        }
        XCTAssertEqual(run.settings.first { $0.key == "training.steps" }?.value, "40")
        XCTAssertTrue(run.settings.first { $0.key == "data" }?.value.contains("data/prefs.jsonl") ?? false)
        let plain = try RunData.load(try writeRun("dpo", method: "dpo", alpha: false, finalEval: false))
        XCTAssertFalse(plain.hasAlpha)
        XCTAssertEqual(plain.final?.step, 40, "without eval.json the last eval line is final")
    }

    func testReportIsWellFormedWithOneChartPerMetricAndTheValues() throws {
        let runs = [try RunData.load(try writeRun("gr", method: "gr-dpo", alpha: true)),
                    try RunData.load(try writeRun("dpo", method: "dpo", alpha: false, offset: 0.1))]
        let html = ReportBuilder.html(runs: runs)
        let page = try ParsedPage(html)
        XCTAssertEqual(page.root, "html")
        XCTAssertThrowsError(try ParsedPage("<html><p>a & b</p></html>"), "the checker rejects ill-formed markup")
        XCTAssertEqual(page.charts["group-eval-loss"], 2, "one per run")
        XCTAssertEqual(page.charts["alpha"], 1, "only the robust run has α")
        XCTAssertEqual(page.charts["worst-group-loss"], 1)
        XCTAssertEqual(page.charts["group-reward-accuracy"], 1)
        XCTAssertEqual(page.charts.values.reduce(0, +), page.count("svg"), "every svg is a tagged chart")
        XCTAssertEqual(page.count("script") + page.count("link") + page.count("img"), 0, "self-contained")
        // Lines: per-group eval loss has one polyline per group with one point per eval line.
        XCTAssertEqual(page.polylinePoints["group-eval-loss"], [4, 4, 4, 4])
        XCTAssertEqual(page.polylinePoints["worst-group-loss"], [4, 4])
        XCTAssertEqual(page.polylinePoints["alpha"], [4, 4])
        XCTAssertEqual(page.bars["group-reward-accuracy"], 4, "2 runs × 2 groups")
        // Values and escaped names reach the page as text.
        for value in ["0.4321", "0.2468", "0.8125", "0.9375", "0.5321", "0.3396", "0.8750", "0.3000", "0.7300", "0.81", "0.94"] {
            XCTAssertTrue(page.text.contains(value), value)
        }
        XCTAssertTrue(page.text.contains("Cedar <Isle> & \"Co\""))
        XCTAssertTrue(html.contains("Cedar &lt;Isle&gt; &amp; &quot;Co&quot;"))
        XCTAssertFalse(html.contains("Cedar <Isle>"))
        // The worst group (largest final loss: Avalon, 0.4321 against 0.2468) has the highlighted row.
        XCTAssertEqual(page.worstRows, ["Avalonworst|0.4321|0.8125|–|–|0.2700|", "Avalonworst|0.5321|0.8125|–|–|"])
        XCTAssertTrue(page.text.contains("gr-dpo") && page.text.contains("robust") && page.text.contains("data/prefs.jsonl"))
    }

    func testExtraTablesAreEscapedAndWellFormed() throws {
        let runs = [try RunData.load(try writeRun("gr", method: "gr-dpo", alpha: true))]
        let table = ReportTable(title: "GPO <few-shot>", headers: ["group", "score"], rows: [["A & B", "0.7243"]], note: "x < y")
        let html = ReportBuilder.html(runs: runs, tables: [table])
        let page = try ParsedPage(html)
        XCTAssertTrue(page.text.contains("GPO <few-shot>") && page.text.contains("A & B") && page.text.contains("0.7243"))
        XCTAssertTrue(html.contains("A &amp; B") && html.contains("x &lt; y"))
        XCTAssertFalse(ReportBuilder.html(runs: runs).contains("other systems"))
        XCTAssertTrue(html.contains("other systems"))
    }

    func testMalformedMetricsNameFileAndLine() throws {
        let dir = try writeRun("bad", method: "dpo", alpha: false)
        let metrics = dir.appendingPathComponent("metrics.jsonl")
        var lines = try String(contentsOf: metrics, encoding: .utf8).components(separatedBy: "\n")
        lines[2] = "{\"step\": 15, \"split\": \"train\", \"loss\": 0.5"
        try Data(lines.joined(separator: "\n").utf8).write(to: metrics)
        XCTAssertThrowsError(try RunData.load(dir)) { XCTAssertEqual("\($0)", "\(metrics.path):3: not valid JSON") }
        lines[2] = "{\"split\": \"train\", \"loss\": 0.5}"
        try Data(lines.joined(separator: "\n").utf8).write(to: metrics)
        XCTAssertThrowsError(try RunData.load(dir)) {
            XCTAssertEqual("\($0)", "\(metrics.path):3: missing or non-integer field \"step\"")
        }
        lines[2] = "[1, 2]"
        try Data(lines.joined(separator: "\n").utf8).write(to: metrics)
        XCTAssertThrowsError(try RunData.load(dir)) { XCTAssertEqual("\($0)", "\(metrics.path):3: expected a JSON object") }
        let missing = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: missing, withIntermediateDirectories: true)
        XCTAssertThrowsError(try RunData.load(missing)) {
            XCTAssertEqual("\($0)", "\(missing.appendingPathComponent("run_config.json").path): cannot read the file")
        }
    }

    func testWorstGroupFallsBackToGroupLossesAndWriteIsAtomic() throws {
        let r = MetricRecord(step: 1, values: ["group/a/loss": 0.3, "group/b/loss": 0.9])
        XCTAssertEqual(ReportBuilder.worstLoss(r, groups: ["a", "b"]), 0.9)
        XCTAssertEqual(ReportBuilder.worstGroup(r, groups: ["a", "b"]), "b")
        let byAccuracy = MetricRecord(step: 1, values: ["group/a/rewards/accuracies": 0.3, "group/b/rewards/accuracies": 0.9])
        XCTAssertEqual(ReportBuilder.worstGroup(byAccuracy, groups: ["a", "b"]), "a")
        let run = try RunData.load(try writeRun("gr", method: "gr-dpo", alpha: true))
        let out = root.appendingPathComponent("out/report.html")
        try ReportBuilder.write(runs: [run], to: out)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), ReportBuilder.html(runs: [run]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path), ["report.html"])
    }

    func testAxisTicksAndEscaping() {
        let s = AxisScale(values: [0.43, 0.74], pixels: (100, 0))
        XCTAssertEqual(s.step, 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.lower, 0.4, accuracy: 1e-12)
        XCTAssertEqual(s.upper, 0.8, accuracy: 1e-12)
        XCTAssertEqual(s.ticks.map(s.label), ["0.4", "0.5", "0.6", "0.7", "0.8"])
        XCTAssertEqual(s.pixel(0.6), 50, accuracy: 1e-9)
        let steps = AxisScale(values: [0, 1000], ticks: 6, integer: true, pixels: (0, 1))
        XCTAssertEqual(steps.ticks, [0, 200, 400, 600, 800, 1000])
        XCTAssertEqual(AxisScale(values: [3, 3], integer: true, pixels: (0, 1)).ticks, [2, 3, 4])
        XCTAssertEqual(Markup.escape("<a b='c'>&\"\u{1}"), "&lt;a b=&#39;c&#39;&gt;&amp;&quot;")
        XCTAssertEqual([0.33964, 12.5, 0, .nan, 1.5e-5, nil].map(Markup.number), ["0.3396", "12.50", "0", "–", "1.500e-05", "–"])
    }
}

/// What the tests need from the page, gathered by Foundation's XMLParser (which fails on ill-formed markup).
final class ParsedPage: NSObject, XMLParserDelegate {
    var root = ""
    var charts: [String: Int] = [:]
    var polylinePoints: [String: [Int]] = [:]
    var bars: [String: Int] = [:]
    var text = ""
    var worstRows: [String] = []
    private var counts: [String: Int] = [:]
    private var metric: String?
    private var worstRowText: String?

    init(_ html: String) throws {
        super.init()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = self
        guard parser.parse() else {
            throw NSError(domain: "ParsedPage", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)"])
        }
    }

    func count(_ element: String) -> Int { counts[element] ?? 0 }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root.isEmpty { root = name }
        counts[name, default: 0] += 1
        if name == "svg", let m = attributes["data-metric"] { metric = m; charts[m, default: 0] += 1 }
        if name == "polyline", let m = metric {
            polylinePoints[m, default: []].append(attributes["points"]!.split(separator: " ").count)
        }
        if name == "rect", let m = metric, attributes["height"] != "10" { bars[m, default: 0] += 1 }
        if name == "tr", attributes["class"] == "worst" { worstRowText = "" }
        text += "\n"
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "svg" { metric = nil }
        if name == "td", let row = worstRowText { worstRowText = row + "|" }
        text += "\n"
        if name == "tr", let row = worstRowText { worstRows.append(row); worstRowText = nil }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
        if let row = worstRowText { worstRowText = row + string }
    }
}
