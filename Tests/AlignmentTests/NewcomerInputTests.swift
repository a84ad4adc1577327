import Alignment
@testable import Datasets
@testable import Recipes
import Foundation
import TensorCore
import Tokenizer
import XCTest

/// Inputs a newcomer brings: Windows line endings and a byte-order mark, too-long prompts (TRL's truncation
/// options), the demo's files found from any folder, and a full disk named in one line.
final class NewcomerInputTests: XCTestCase {
    private func temporaryFile(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ta-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// CRLF endings, a UTF-8 BOM and whitespace-only lines load for every JSONL kind, with the right line numbers.
    func testCRLFBOMAndBlankLinesLoad() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let pairs = "{\"prompt\":\"Q1\",\"chosen\":\" A\",\"rejected\":\" B\",\"group\":\"g\"}\r\n \t \r\n\r\n{\"prompt\":\"Q2\",\"chosen\":\" B\",\"rejected\":\" A\",\"group\":\"h\"}\r\n"
        let loaded = try PreferenceExample.load(try temporaryFile(bom + Array(pairs.utf8)))
        XCTAssertEqual(loaded.map(\.prompt), ["Q1", "Q2"])
        XCTAssertEqual(loaded.map(\.chosen), [" A", " B"])
        XCTAssertEqual(loaded.map(\.line), [1, 4])
        let sft = try SFTExample.load(try temporaryFile(bom + Array("{\"prompt\":\"P\",\"completion\":\" C\"}\r\n   \r\n".utf8)))
        XCTAssertEqual(sft.map(\.completion), [" C"])
        let ranks = try RankingExample.load(try temporaryFile(bom + Array("{\"prompt\":\"P\",\"responses\":[\" x\",\" y\",\" z\"],\"ranking\":[2,0,1]}\r\n".utf8)))
        XCTAssertEqual(ranks.first?.ranking, [2, 0, 1])
        // A bad line after CRLF lines is still named by its number.
        let bad = "{\"prompt\":\"Q\",\"chosen\":\" A\",\"rejected\":\" B\"}\r\n\r\n{\"prompt\":\r\n"
        XCTAssertThrowsError(try PreferenceExample.load(try temporaryFile(Array(bad.utf8)))) { error in
            XCTAssertTrue("\(error)".contains(":3:"), "\(error)")
        }
    }

    /// keep_end (TRL's default) keeps the prompt's end, keep_start its start; --max-prompt-length and --max-length
    /// bound the prompt and the whole sequence; the response is never cut.
    func testTruncationModesAndLimits() throws {
        // No merges: every byte is one token, so lengths are easy to count.
        let tokenizer = try BPETrainer(vocabSize: 258).train(texts: ["abcdefghij"])
        let eos = Int32(tokenizer.id(for: "<|endoftext|>")!)
        let prompt = "abcdefghij"
        XCTAssertEqual(tokenizer.encode(prompt).count, 10)
        func decoded(_ s: EncodedSequence) throws -> (String, String) {
            (try tokenizer.decode(s.ids[..<s.responseStart].map { Int($0) }),
             try tokenizer.decode(s.ids[s.responseStart...].dropLast().map { Int($0) }))
        }
        var encoder = SequenceEncoder(tokenizer: tokenizer, eos: eos, context: 64)
        XCTAssertEqual(Truncation(), Truncation(maxLength: 1024, maxPromptLength: 512, mode: .keepEnd))
        let whole = try XCTUnwrap(encoder.encode(prompt: prompt, response: "ab"))
        XCTAssertFalse(whole.promptCut)
        XCTAssertEqual(whole.ids.count, 10 + 2 + 1)

        encoder.truncation = Truncation(maxLength: 1024, maxPromptLength: 4, mode: .keepEnd)
        var s = try XCTUnwrap(encoder.encode(prompt: prompt, response: "ab"))
        XCTAssertTrue(s.promptCut)
        XCTAssertEqual(try decoded(s).0, "ghij")
        XCTAssertEqual(try decoded(s).1, "ab")

        encoder.truncation.mode = .keepStart
        s = try XCTUnwrap(encoder.encode(prompt: prompt, response: "ab"))
        XCTAssertEqual(try decoded(s).0, "abcd")

        // max_length 6 = 3 prompt tokens + "ab" + EOS.
        encoder.truncation = Truncation(maxLength: 6, maxPromptLength: 512, mode: .keepEnd)
        s = try XCTUnwrap(encoder.encode(prompt: prompt, response: "ab"))
        XCTAssertEqual(s.ids.count, 6)
        XCTAssertEqual(try decoded(s).0, "hij")
        XCTAssertEqual(try decoded(s).1, "ab")
        // A response that leaves no room for a prompt token is dropped, not cut.
        XCTAssertNil(encoder.encode(prompt: prompt, response: "abcde"))
        // The model's context still bounds everything.
        let small = SequenceEncoder(tokenizer: tokenizer, eos: eos, context: 5)
        XCTAssertEqual(try decoded(try XCTUnwrap(small.encode(prompt: prompt, response: "ab"))).0, "ij")
    }

    /// The demo's checkpoint is found next to the executable's folders, not only in the current folder.
    func testResourcesAreFoundRelativeToTheExecutable() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-res-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let checkpoint = root.appendingPathComponent("repo/checkpoints/survey-base")
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        let installed = root.appendingPathComponent("prefix/share/tinyalign/checkpoints/survey-base")
        try FileManager.default.createDirectory(at: installed, withIntermediateDirectories: true)
        let elsewhere = root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)

        let built = root.appendingPathComponent("repo/.build/release/tinyalign")
        XCTAssertEqual(try ResourceLocator.locate("checkpoints/survey-base", currentFolder: elsewhere, executable: built).standardizedFileURL.path,
                       checkpoint.standardizedFileURL.path)
        let bin = root.appendingPathComponent("prefix/bin/tinyalign")
        XCTAssertEqual(try ResourceLocator.locate("checkpoints/survey-base", currentFolder: elsewhere, executable: bin).standardizedFileURL.path,
                       installed.standardizedFileURL.path)
        // The current folder wins when it has the path.
        let local = elsewhere.appendingPathComponent("checkpoints/survey-base")
        try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
        XCTAssertEqual(try ResourceLocator.locate("checkpoints/survey-base", currentFolder: elsewhere, executable: bin).path, local.path)
        XCTAssertThrowsError(try ResourceLocator.locate("checkpoints/none", currentFolder: elsewhere, executable: bin)) { error in
            XCTAssertTrue("\(error)".hasPrefix("checkpoints/none not found (looked in \(elsewhere.path)/checkpoints/none"), "\(error)")
        }
    }

    /// A full disk (Foundation's NSCocoaErrorDomain Code=640) is shown as the file and the reason.
    func testFailedWriteNamesTheFileAndTheReason() {
        let error = NSError(domain: NSCocoaErrorDomain, code: 640, userInfo: [NSFilePathErrorKey: "/runs/demo/report.html"])
        XCTAssertEqual(SystemError.oneLine(error), "/runs/demo/report.html: no space left on the device")
        let posix = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC), userInfo: [NSFilePathErrorKey: "/runs/x"])
        XCTAssertEqual(SystemError.oneLine(posix), "/runs/x: No space left on device")
    }
}
