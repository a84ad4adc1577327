import Foundation
import XCTest
@testable import TensorCore

/// The reader's stated bounds: what a header claims is checked against the file and the limits before anything
/// is allocated, and the file is mapped rather than read.
final class SafeTensorsBoundsTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-bounds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A file with `header` whose byte buffer is `bufferBytes` long but sparse (a hole, no disk space).
    private func sparse(_ header: String, bufferBytes: Int) throws -> URL {
        let url = folder.appendingPathComponent("sparse-\(UUID().uuidString).safetensors")
        var data = Data()
        let json = Data(header.utf8)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        try data.write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(data.count + bufferBytes))
        try handle.close()
        return url
    }

    private func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return String(describing: error) }
        return "no error"
    }

    /// A size-consistent sparse file declaring 1e11 F32 elements (400 GB) is refused, not allocated.
    func testHugeDeclaredShapeIsRefusedBeforeAllocating() throws {
        let n = 100_000_000_000
        let url = try sparse("{\"x\":{\"dtype\":\"F32\",\"shape\":[\(n)],\"data_offsets\":[0,\(4 * n)]}}", bufferBytes: 4 * n)
        let text = message { _ = try SafeTensors.read(contentsOf: url) }
        XCTAssertTrue(text.hasPrefix(url.path + ": malformed file: tensors hold more than 4294967296 elements"), text)
        XCTAssertFalse(text.contains("\n"))
        // The lazy archive maps it and reports the shape without decoding anything.
        let archive = try SafeTensorsArchive(contentsOf: url)
        XCTAssertEqual(archive.shapes, ["x": [n]])
    }

    /// More tensors than `maxTensorCount` are refused naming the limit.
    func testTensorCountBound() throws {
        let entries = (0...SafeTensors.maxTensorCount).map { "\"t\($0)\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}" }
        let url = try sparse("{" + entries.joined(separator: ",") + "}", bufferBytes: 0)
        let text = message { _ = try SafeTensors.read(contentsOf: url) }
        XCTAssertEqual(text, url.path + ": malformed file: header declares 65537 tensors, more than the limit of 65536")
    }

    /// Shapes whose product overflows are refused with the tensor's name.
    func testOverflowingShape() throws {
        let url = try sparse("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}", bufferBytes: 16)
        let text = message { _ = try SafeTensors.read(contentsOf: url) }
        XCTAssertTrue(text.contains("tensor 'x'") && text.contains("needs more"), text)
    }

    /// A folder or a missing file is a one-line I/O error naming the path.
    func testNotARegularFile() throws {
        XCTAssertEqual(message { _ = try SafeTensors.read(contentsOf: folder) }, folder.path + ": cannot read: not a regular file")
        let missing = folder.appendingPathComponent("none.safetensors")
        XCTAssertEqual(message { _ = try SafeTensors.read(contentsOf: missing) }, missing.path + ": cannot read: No such file or directory")
    }

    /// The archive decodes a single tensor on request, equal to the eager reader's.
    func testArchiveDecodesOnDemand() throws {
        let url = folder.appendingPathComponent("two.safetensors")
        let a = Tensor(shape: [2, 2], [1, 2, 3, 4]), b = Tensor(shape: [2], [5, 6])
        try SafeTensors.write(["a": a, "b": b], to: url)
        let archive = try SafeTensorsArchive(contentsOf: url)
        XCTAssertEqual(archive.shapes, ["a": [2, 2], "b": [2]])
        XCTAssertEqual(archive.tensor("b")?.scalars, [5, 6])
        XCTAssertNil(archive.tensor("c"))
        XCTAssertEqual(try SafeTensors.read(contentsOf: url).tensors["a"]?.scalars, [1, 2, 3, 4])
    }
}

/// Foundation's errors become one short line naming the path and the reason.
final class SystemErrorTests: XCTestCase {
    func testFoundationErrorsBecomeOneLine() throws {
        let blocked = URL(fileURLWithPath: "/dev/null/x")
        do { try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true); XCTFail("created") } catch {
            XCTAssertEqual(SystemError.oneLine(error), "/dev/null/x: Not a directory")
        }
        do { _ = try Data(contentsOf: URL(fileURLWithPath: "/nonexistent/file")); XCTFail("read") } catch {
            let line = SystemError.oneLine(error)
            XCTAssertTrue(line.hasPrefix("/nonexistent/file: "), line)
            XCTAssertFalse(line.contains("Error Domain") || line.contains("\n"), line)
        }
        let nan = ["x": Double.nan]
        do { _ = try JSONSerialization.data(withJSONObject: nan); XCTFail("wrote NaN") } catch {
            let line = SystemError.oneLine(error)
            XCTAssertFalse(line.contains("Error Domain") || line.contains("UserInfo") || line.contains("\n"), line)
        }
    }
}
