import Foundation
import TestSupport
import XCTest
@testable import TensorCore

/// Our writer: deterministic bytes, round trips, atomicity.
final class SafeTensorsWriterTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-w-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// The tensors behind Fixtures/written_by_tinyalign.safetensors, which check_tinyalign_file.py reads with the
    /// real safetensors package. Changing these (or the writer's layout) means regenerating both fixtures.
    static let fixtureTensors: [String: Tensor] = [
        "weight": Tensor(shape: [2, 3], (0..<6).map { Float($0) * 0.5 - 1 }),
        "bias": Tensor(shape: [3], [0.5, -1, 2]),
        "scalar": Tensor(scalar: 3.25),
        "empty": Tensor(shape: [0, 2], []),
        "name \"quoted\" é": Tensor(shape: [1, 1], [0.1]),
    ]
    static let fixtureMetadata = ["note": "tiny", "step": "3"]

    func testWriterReproducesCommittedFixtureByteForByte() throws {
        let url = folder.appendingPathComponent("w.safetensors")
        try SafeTensors.write(Self.fixtureTensors, metadata: Self.fixtureMetadata, to: url)
        let ours = try Data(contentsOf: url)
        if ProcessInfo.processInfo.environment["TINYALIGN_REGENERATE_FIXTURES"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/written_by_tinyalign.safetensors")
            try ours.write(to: source)
        }
        let committed = try Data(contentsOf: XCTUnwrap(Bundle.module.url(
            forResource: "written_by_tinyalign", withExtension: "safetensors", subdirectory: "Fixtures")))
        XCTAssertEqual(ours, committed, "writer output drifted from the fixture checked by check_tinyalign_file.py")
    }

    func testLayoutIsSortedPaddedAndTagged() throws {
        let url = folder.appendingPathComponent("layout.safetensors")
        try SafeTensors.write(["b": Tensor(shape: [1], [2]), "a": Tensor(shape: [2], [1, -1])], to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        let n = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        XCTAssertEqual(n % 8, 0, "header padded to a multiple of 8")
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        let json = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        XCTAssertEqual(header, json + String(repeating: " ", count: n - json.utf8.count))
        XCTAssertEqual(Array(bytes[(8 + n)...]), SafeTensorsFixtureFiles.bytes([1, -1, 2]))
    }

    func testRoundTripKeepsEveryValueShapeAndMetadata() throws {
        var rng = SeededGenerator(seed: 42)
        let tensors: [String: Tensor] = [
            "h.0.w": Tensor.normal([5, 7], using: &rng),
            "h.1.w": Tensor.normal([3, 2, 4], using: &rng),
            "s": Tensor(scalar: -0.0),
            "z": Tensor(shape: [4, 0], []),
            "special": Tensor(shape: [4], [.infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]),
            "line\nbreak\t\\": Tensor(shape: [1], [1]),
        ]
        let url = folder.appendingPathComponent("round.safetensors")
        try SafeTensors.write(tensors, metadata: ["epoch": "2", "ünï": "ç\"ode"], to: url)
        let back = try SafeTensors.read(contentsOf: url)
        XCTAssertEqual(back.metadata, ["format": "pt", "epoch": "2", "ünï": "ç\"ode"])
        XCTAssertEqual(Set(back.tensors.keys), Set(tensors.keys))
        for (name, t) in tensors {
            XCTAssertEqual(back.tensors[name]?.shape, t.shape, name)
            XCTAssertEqual(back.tensors[name]?.scalars.map(\.bitPattern), t.scalars.map(\.bitPattern), name)
        }
    }

    func testOverwriteReplacesTheFile() throws {
        let url = folder.appendingPathComponent("m.safetensors")
        try SafeTensors.write(["a": Tensor(shape: [1], [1])], to: url)
        try SafeTensors.write(["b": Tensor(shape: [2], [2, 3])], to: url)
        XCTAssertEqual(try SafeTensors.read(contentsOf: url).tensors.mapValues(\.scalars), ["b": [2, 3]])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["m.safetensors"], "no temporary left")
    }

    func testRejectedInputWritesNothing() throws {
        let url = folder.appendingPathComponent("bad.safetensors")
        for (tensors, metadata) in [(["": Tensor(scalar: 1)], [:]), (["__metadata__": Tensor(scalar: 1)], [:]),
                                    (["a": Tensor(scalar: 1)], ["format": "np"])] {
            XCTAssertThrowsError(try SafeTensors.write(tensors, metadata: metadata, to: url)) { error in
                guard case .invalidArgument? = error as? TensorError else { return XCTFail("\(error)") }
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testFailedWriteLeavesNoFileAndKeepsTheOldOne() throws {
        let t = ["a": Tensor(shape: [2], [1, 2])]
        // Missing folder: the temporary cannot even be created.
        let missing = folder.appendingPathComponent("no/such/dir/x.safetensors")
        XCTAssertThrowsError(try SafeTensors.write(t, to: missing)) { error in
            guard case let .io(path, _)? = error as? TensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing.path)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path))
        // Target is a non-empty directory: the bytes are written, the final rename fails, the temporary is removed.
        let blocked = folder.appendingPathComponent("blocked.safetensors")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        try Data([1]).write(to: blocked.appendingPathComponent("keep"))
        XCTAssertThrowsError(try SafeTensors.write(t, to: blocked)) { error in
            guard case let .io(path, detail)? = error as? TensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, blocked.path)
            XCTAssertTrue(detail.contains("cannot move the finished file into place"), detail)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["blocked.safetensors"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: blocked.path), ["keep"])
        // A rejected write over an existing file leaves the old file intact.
        let existing = folder.appendingPathComponent("old.safetensors")
        try SafeTensors.write(t, to: existing)
        let before = try Data(contentsOf: existing)
        XCTAssertThrowsError(try SafeTensors.write(["": Tensor(scalar: 0)], to: existing))
        XCTAssertEqual(try Data(contentsOf: existing), before)
    }
}
