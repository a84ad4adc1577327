import Foundation
import XCTest

/// Runs every example of the tour (docs/tour/, Examples/) as built with the package and checks the numbers it
/// prints against values worked out independently here.
final class TourExamplesTests: XCTestCase {
    /// `swift build` puts the example executables beside the test bundle.
    func run(_ name: String) throws -> [String] {
        try run(executable: Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent(name))
    }

    /// The lines an example executable prints (its standard error is dropped); asserts it exits with 0.
    func run(executable url: URL) throws -> [String] {
        let name = url.lastPathComponent
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: url.path), "no \(name) at \(url.path) (run swift build first)")
        let p = Process()
        p.executableURL = url
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, name)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func testTensors() throws {
        let lines = try run("TourTensors")
        // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
        XCTAssertEqual(lines, ["shape [2, 2]", "blas  [58.0, 64.0, 139.0, 154.0]", "naive [58.0, 64.0, 139.0, 154.0]",
                               "transposeB [58.0, 64.0, 139.0, 154.0]", "max |blas - naive| = 0.0"])
    }

    func testAutodiff() throws {
        let lines = try run("TourAutodiff")
        let (a, b) = (0.5, -1.5), t = Foundation.tanh(a * b + a)
        XCTAssertEqual(lines[0], String(format: "f = %.6f", t + b * b))
        let da = (1 - t * t) * (b + 1), db = (1 - t * t) * a + 2 * b
        XCTAssertEqual(lines[1], String(format: "autodiff  df/da = %.6f  df/db = %.6f", da, db))
        XCTAssertEqual(lines[2], String(format: "by hand   df/da = %.6f  df/db = %.6f", da, db))
    }

    func testTransformerLearnsThePattern() throws {
        let lines = try run("TourTransformer")
        XCTAssertEqual(lines[0], "parameters 26496")   // 16·32 + 16·32 + 2·(12 544) + 64 (final LayerNorm)
        let first = try XCTUnwrap(Double(lines[1].split(separator: " ")[4]))
        let last = try XCTUnwrap(Double(lines[2].split(separator: " ")[4]))
        XCTAssertEqual(first, Foundation.log(16.0), accuracy: 0.25, "an untrained model is near uniform")
        XCTAssertLessThan(last, 0.2)
        XCTAssertEqual(lines[3], "greedy continuation of [1, 2, 3]: [1, 2, 3, 4, 5, 6, 7, 8]")
    }

    func testDPOByHandMatchesDPOLoss() throws {
        let lines = try run("TourDPO")
        let beta = 0.1
        let h = [(-12.0 + 13.0) - (-14.0 + 13.5), (-7.5 + 7.0) - (-6.0 + 6.5)]
        let loss = h.map { Foundation.log(1 + Foundation.exp(-beta * $0)) }
        let grad = h.map { -beta / (1 + Foundation.exp(beta * $0)) }
        XCTAssertEqual(lines[0], String(format: "by hand  %.6f %.6f", loss[0], loss[1]))
        XCTAssertEqual(lines[1], String(format: "DPOLoss  %.6f %.6f", loss[0], loss[1]))
        XCTAssertEqual(lines[2], String(format: "gradient wrt log π(y_w): %.6f %.6f", grad[0], grad[1]))
    }

    func testGroupRobustBandit() throws {
        let lines = try run("TourGroupRobust")
        // Mirror ascent from (1/2, 1/2): the odds of the hard group grow by exp(η_α·(1.0 − 0.2)) each step.
        func alphaHard(_ step: Double) -> Double { 1 / (1 + Foundation.exp(-0.5 * 0.8 * step)) }
        func objective(_ step: Double) -> Double { (1 - alphaHard(step)) * 0.2 + alphaHard(step) * 1.0 }
        XCTAssertEqual(lines[0], String(format: "step  1  α = (%.4f, %.4f)  robust objective %.4f", 1 - alphaHard(1), alphaHard(1), objective(1)))
        XCTAssertEqual(lines[2], String(format: "step 10  α = (%.4f, %.4f)  robust objective %.4f", 1 - alphaHard(10), alphaHard(10), objective(10)))
        XCTAssertEqual(lines[3], "uniform weights (0.9000, 0.1000)")
        XCTAssertEqual(lines[4], "equal losses: α = (0.5000, 0.5000)")
    }

    /// Examples/CustomLoss built as what it is, a package of its own that depends on TinyAlign by path (as a
    /// user's project would), with `swift build --package-path` into a scratch folder under `.build`; its
    /// executable. The first build compiles the library modules once more; later ones are incremental.
    func buildCustomLossPackage() throws -> URL {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let scratch = repo.appendingPathComponent(".build/examples/CustomLoss")
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "--package-path", repo.appendingPathComponent("Examples/CustomLoss").path,
                           "--scratch-path", scratch.path, "--product", "CustomLoss"]
        let log = Pipe()
        build.standardOutput = log
        build.standardError = log
        try build.run()
        let output = log.fileHandleForReading.readDataToEndOfFile()
        build.waitUntilExit()
        XCTAssertEqual(build.terminationStatus, 0, "swift build of Examples/CustomLoss failed:\n" + String(decoding: output.suffix(4000), as: UTF8.self))
        return scratch.appendingPathComponent("debug/CustomLoss")
    }

    /// The loss registered from outside trains with all three weightings; at step 1 the policy is the reference,
    /// so h = 0 and the squared hinge is (1 − 0)² = 1; IS-DPO keeps 1/K, GR-DPO moves α off the data shares.
    func testCustomLossPackageRegistersItsLossFromOutside() throws {
        let lines = try run(executable: try buildCustomLossPackage())
        XCTAssertEqual(lines.count, 3)
        for (line, method) in zip(lines, ["squared-hinge", "is-squared-hinge", "gr-squared-hinge"]) {
            XCTAssertTrue(line.hasPrefix(method.padding(toLength: 17, withPad: " ", startingAt: 0) + " first train loss 1.0000"), line)
        }
        XCTAssertTrue(lines[1].hasSuffix("α 0.500 0.500"), lines[1])
        XCTAssertFalse(lines[2].hasSuffix(String(lines[0].suffix(13))), "gr- moved α away from the data shares: \(lines)")
    }
}
