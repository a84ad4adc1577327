import Foundation
import XCTest
import TensorCore

/// Every structural fault is a `TensorError.malformedFile` naming the file and the fault — never a crash.
final class SafeTensorsMalformedTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Reads `url`, expects a malformed-file error for that path whose message contains `fragment`.
    private func assertMalformed(_ url: URL, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: url), file: file, line: line) { error in
            guard case let .malformedFile(path, detail)? = error as? TensorError else {
                return XCTFail("expected malformedFile, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(path, url.path, file: file, line: line)
            XCTAssertTrue(detail.contains(fragment), "'\(detail)' lacks '\(fragment)'", file: file, line: line)
            let message = String(describing: error)
            XCTAssertTrue(message.hasPrefix(url.path), message, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        }
    }

    private func file(_ header: String, _ buffer: [UInt8] = [], declaredLength: UInt64? = nil) throws -> URL {
        try SafeTensorsFixtureFiles.raw(header: header, buffer: buffer, declaredLength: declaredLength, in: folder)
    }

    private let eight = SafeTensorsFixtureFiles.bytes([1, 2])

    func testShorterThanLengthField() throws {
        for size in [0, 7] {
            let url = folder.appendingPathComponent("short\(size).safetensors")
            try Data(repeating: 0, count: size).write(to: url)
            assertMalformed(url, "file is \(size) bytes, shorter than the 8-byte header length")
        }
    }

    func testHeaderLengthLargerThanFile() throws {
        assertMalformed(try file("{}", declaredLength: 3), "header length 3 exceeds the 2 bytes")
        assertMalformed(try file("{}", declaredLength: .max), "header length 18446744073709551615 exceeds")
    }

    func testHeaderNotJSONOrNotAnObject() throws {
        assertMalformed(try file("{not json"), "header is not valid JSON")
        assertMalformed(try file("[1, 2]"), "header is not a JSON object")
        assertMalformed(try file("\"text\""), "header is not a JSON object")
        assertMalformed(try file(#"{"x": 1} trailing"#), "header is not valid JSON")
        assertMalformed(try file(#"{"x": 1}"#), "tensor 'x': entry is not a JSON object")
        assertMalformed(try file(#"{"__metadata__": {"k": 3}}"#), "'__metadata__' is not a map of strings to strings")
    }

    func testUnknownDtype() throws {
        assertMalformed(try file(#"{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, eight),
                        "tensor 'x': unsupported dtype 'I64' (supported: F32, F16, BF16)")
        assertMalformed(try file(#"{"x":{"shape":[1],"data_offsets":[0,8]}}"#, eight), "tensor 'x': missing or non-string 'dtype'")
    }

    func testMissingOrInvalidShape() throws {
        for shape in ["", #","shape":[-2]"#, #","shape":[1.5]"#, #","shape":"2""#, #","shape":[true]"#] {
            assertMalformed(try file(#"{"x":{"dtype":"F32""# + shape + #","data_offsets":[0,8]}}"#, eight),
                            "tensor 'x': missing or invalid 'shape'")
        }
    }

    func testMissingOrInvalidOffsets() throws {
        for offsets in ["", #","data_offsets":[0]"#, #","data_offsets":[0,8,8]"#, #","data_offsets":[8,0]"#,
                        #","data_offsets":[-1,7]"#, #","data_offsets":{"a":0}"#] {
            assertMalformed(try file(#"{"x":{"dtype":"F32","shape":[2]"# + offsets + "}}", eight),
                            "tensor 'x': missing or invalid 'data_offsets'")
        }
    }

    func testOffsetsOutsideBuffer() throws {
        assertMalformed(try file(#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, eight),
                        "tensor 'x': data_offsets [0, 16] lie outside the 8-byte buffer")
    }

    func testLengthDisagreesWithShape() throws {
        assertMalformed(try file(#"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}"#, eight),
                        "tensor 'x': data_offsets [0, 8] span 8 bytes, but shape [2] of F16 needs 4")
        let huge = #"{"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#
        assertMalformed(try file(huge, eight), "needs more")
    }

    func testOverlappingOffsets() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertMalformed(try file(header, eight), "tensor 'b': data_offsets [4, 8] overlap the previous tensor")
    }

    func testGapBetweenTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        assertMalformed(try file(header, eight + eight), "tensor 'b': data_offsets [8, 12] leave a gap after byte 4")
        assertMalformed(try file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, eight), "leave a gap after byte 0")
    }

    func testBufferLongerThanTensors() throws {
        assertMalformed(try file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, eight),
                        "tensors cover 4 bytes but the buffer after the header is 8 bytes")
    }

    func testMissingFileIsAnIOError() {
        let url = folder.appendingPathComponent("absent.safetensors")
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: url)) { error in
            guard case let .io(path, _)? = error as? TensorError else { return XCTFail("expected io, got \(error)") }
            XCTAssertEqual(path, url.path)
        }
    }
}
