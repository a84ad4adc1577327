import Datasets
import Foundation
import XCTest

/// JSONL readers refuse what they used to coerce or accept silently, naming `file:line` and the key, and refuse
/// lines above their stated size before parsing them.
final class JSONLinesStrictnessTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-jsonl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func pairsError(_ text: String) throws -> (String, String) {
        let url = dir.appendingPathComponent("p.jsonl")
        try Data(text.utf8).write(to: url)
        do { _ = try PreferenceExample.load(url) } catch { return (url.path, "\(error)") }
        return (url.path, "loaded")
    }

    private let pair = #""prompt": "q", "chosen": "a", "rejected": "b""#

    func testNonStringGroupNamesTheKey() throws {
        for (value, type) in [("true", "a boolean"), ("7", "a number"), ("7.0", "a number"), ("[\"x\"]", "an array")] {
            let (path, message) = try pairsError("{\(pair)}\n{\(pair), \"group\": \(value)}\n")
            XCTAssertEqual(message, "\(path):2: field \"group\" must be a string, got \(type)")
        }
        let (path, message) = try pairsError("{\(pair), \"annotator\": 3}\n")
        XCTAssertEqual(message, "\(path):1: field \"annotator\" must be a string, got a number")
        let (p2, m2) = try pairsError("{\"prompt\": \"q\", \"chosen\": false, \"rejected\": \"b\"}\n")
        XCTAssertEqual(m2, "\(p2):1: field \"chosen\" must be a string, got a boolean")
    }

    func testDuplicateKeysAreRefused() throws {
        let (path, message) = try pairsError("{\(pair), \"chosen\": \"other\"}\n")
        XCTAssertEqual(message, "\(path):1: duplicate key \"chosen\"")
        // The same key spelled with an escape is the same key; keys of nested objects are separate.
        let (_, escaped) = try pairsError("{\(pair), \"ch\\u006fsen\": \"x\"}\n")
        XCTAssertTrue(escaped.hasSuffix(":1: duplicate key \"chosen\""), escaped)
        let (_, nested) = try pairsError("{\(pair), \"meta\": {\"prompt\": 1, \"x\": {\"prompt\": 2}}}\n")
        XCTAssertEqual(nested, "loaded")
    }

    func testLineLengthBound() throws {
        let long = "{\(pair), \"id\": \"" + String(repeating: "x", count: 16 << 20) + "\"}"
        let (path, message) = try pairsError("{\(pair)}\n" + long + "\n")
        XCTAssertEqual(message, "\(path):2: line of \(long.utf8.count) bytes is longer than the limit of 16777216 bytes")
    }

    func testNestingBoundAndBOM() throws {
        let deep = "{\(pair), \"x\": " + String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000) + "}"
        let (path, message) = try pairsError(deep + "\n")
        XCTAssertEqual(message, "\(path):1: arrays and objects nest deeper than 256 levels")
        let (_, bom) = try pairsError("\u{FEFF}{\(pair)}\r\n{\(pair)}\r\n")
        XCTAssertEqual(bom, "loaded")
        let url = dir.appendingPathComponent("bad.jsonl")
        try Data([0x7B, 0xFF, 0x7D, 0x0A]).write(to: url)
        XCTAssertThrowsError(try PreferenceExample.load(url)) { e in XCTAssertEqual("\(e)", "\(url.path):1: the line is not valid UTF-8") }
    }

    /// A line holds at most 2¹⁸ items (arrays, objects and the commas between elements), checked on the bytes
    /// before Foundation builds ~3 KB per small object: at the bound it reads, one past it is refused.
    func testItemsPerLineAreBounded() throws {
        // 2 containers + 3 commas between the object's members + (n − 1) commas in the array.
        func line(_ n: Int) -> String { "{\(pair), \"x\": [" + Array(repeating: "0", count: n).joined(separator: ",") + "]}\n" }
        let n = (1 << 18) - 4
        XCTAssertEqual(try pairsError(line(n)).1, "loaded")
        let (path, message) = try pairsError("{\(pair)}\n" + line(n + 1))
        XCTAssertEqual(message, "\(path):2: more than 262144 arrays, objects and elements in one line")
    }

    func testRankingIndicesAreNotCoerced() throws {
        let url = dir.appendingPathComponent("r.jsonl")
        for ranking in ["[true, 0]", "[1e300, 0]", "[0.5, 1]"] {
            try Data("{\"prompt\": \"q\", \"responses\": [\"a\", \"b\"], \"ranking\": \(ranking)}\n".utf8).write(to: url)
            XCTAssertThrowsError(try RankingExample.load(url)) { e in
                XCTAssertEqual("\(e)", "\(url.path):1: field \"ranking\" must be an array of integer indices", ranking)
            }
        }
    }

    /// A row holds at most `RankingExample.maxResponses` responses: its implied pairs grow with their square, so a
    /// 16 MiB line of short responses (about 4 million) would otherwise ask for ~10¹³ pairs.
    func testResponsesPerRankingRowAreBounded() throws {
        let url = dir.appendingPathComponent("r.jsonl")
        func row(_ n: Int) -> String {
            let responses = (0..<n).map { "\"r\($0)\"" }.joined(separator: ", ")
            return "{\"prompt\": \"q\", \"responses\": [\(responses)], \"ranking\": [\(n - 1), 0]}"
        }
        XCTAssertEqual(RankingExample.maxResponses, 256)
        try Data((row(2) + "\n" + row(256) + "\n").utf8).write(to: url)
        let rows = try RankingExample.load(url)
        XCTAssertEqual(rows.map(\.responses.count), [2, 256])
        XCTAssertEqual(rows[1].impliedPairs.count, 255 + 254)
        try Data((row(2) + "\n" + row(257) + "\n").utf8).write(to: url)
        XCTAssertThrowsError(try RankingExample.load(url)) { e in
            XCTAssertEqual("\(e)", "\(url.path):2: field \"responses\" holds 257 responses, more than the limit of 256")
        }
    }
}

/// Caches go to a writable folder, never beside the (possibly read-only) data.
final class CacheFolderTests: XCTestCase {
    func testUnwritableExplicitFolderFallsBack() throws {
        let blocked = URL(fileURLWithPath: "/dev/null/cache")
        let chosen = try XCTUnwrap(CacheFolder.resolve(blocked))
        XCTAssertNotEqual(chosen.path, blocked.path)
        XCTAssertTrue(FileManager.default.isWritableFile(atPath: chosen.path))
    }

    func testExplicitFolderIsCreatedAndUsed() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let dataDir = root.appendingPathComponent("data"), cache = root.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        XCTAssertEqual(CacheFolder.resolve(cache), cache)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dataDir.path), [])
    }
}
