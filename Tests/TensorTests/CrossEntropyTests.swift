import Foundation
import TensorCore
import TestSupport
import XCTest

final class CrossEntropyKernelTests: XCTestCase {
    let (rows, vocab) = (70, 53)

    /// Targets 0, 1, … mod V, with every fifth row ignored.
    var targets: [Int32] { (0..<rows).map { $0 % 5 == 3 ? -100 : Int32(($0 * 7) % vocab) } }

    func testLossAndGradientMatchFloat64ReferenceWithIgnoredRows() throws {
        let z = FusedReference.values(rows * vocab, std: 3)
        let logits = Tensor(shape: [rows, vocab], z)
        let r = try Tensor.crossEntropy(logits: logits, targets: targets)
        let dz = Tensor.crossEntropyBackward(logits: logits, targets: targets, logSumExp: r.logSumExp, count: r.count, gradLoss: 2)
        let kept = targets.filter { $0 != -100 }.count
        var loss = 0.0, expectedGrad: [Float] = []
        for (i, row) in FusedReference.rows(z, cols: vocab).enumerated() {
            let t = Int(targets[i])
            guard t >= 0 else { expectedGrad += [Float](repeating: 0, count: vocab); continue }
            let lse = FusedReference.logSumExp(row)
            loss += lse - row[t]
            expectedGrad += (0..<vocab).map { Float((exp(row[$0] - lse) - ($0 == t ? 1 : 0)) * 2 / Double(kept)) }
        }
        XCTAssertEqual(r.count, kept)
        assertClose(r.loss, Float(loss / Double(kept)), rtol: 1e-5)
        assertClose(dz.scalars, expectedGrad, rtol: 1e-4, atol: 1e-7)
    }

    func testHugeLogitsGiveExactLoss() throws {
        let r = try Tensor.crossEntropy(logits: Tensor(shape: [2, 2], [1000, 0, -1000, 1000]), targets: [1, 1])
        assertClose(r.loss, 500, rtol: 1e-6)
    }

    func testAllIgnoredGivesZeroLossAndGradient() throws {
        let logits = Tensor(shape: [3, 4], FusedReference.values(12))
        let r = try Tensor.crossEntropy(logits: logits, targets: [-1, -1, -1], ignoreIndex: -1)
        let dz = Tensor.crossEntropyBackward(logits: logits, targets: [-1, -1, -1], logSumExp: r.logSumExp, count: r.count,
                                             gradLoss: 1, ignoreIndex: -1)
        XCTAssertEqual(r.loss, 0)
        XCTAssertEqual(r.count, 0)
        XCTAssertEqual(dz.scalars, [Float](repeating: 0, count: 12))
    }

    func testOutOfRangeTargetThrowsNamingRowAndTarget() {
        XCTAssertThrowsError(try Tensor.crossEntropy(logits: .zeros([3, 4]), targets: [0, -100, 9])) { error in
            XCTAssertEqual("\(error)", "logProbsOfTargets: row 2: target 9 outside [0, 4) (ignore index -100)")
        }
        XCTAssertThrowsError(try Tensor.crossEntropy(logits: .zeros([3, 4]), targets: [-5, 0, 0])) { error in
            XCTAssertTrue("\(error)".contains("row 0: target -5"), "\(error)")
        }
        XCTAssertThrowsError(try Tensor.crossEntropy(logits: .zeros([3, 4]), targets: [0, 0])) { error in
            XCTAssertEqual("\(error)", "logProbsOfTargets: shape mismatch: logits [3, 4] have 3 rows but 2 targets were given")
        }
    }

    func testTargetLogProbsAndBackwardMatchFloat64Reference() throws {
        let z = FusedReference.values(rows * vocab, std: 3), dlp = FusedReference.values(rows, seed: 11)
        let logits = Tensor(shape: [2, 35, vocab], z)
        let r = try Tensor.logProbsOfTargets(logits: logits, targets: targets)
        let dz = Tensor.logProbsOfTargetsBackward(logits: logits, targets: targets, logSumExp: r.logSumExp,
                                                  gradLogProbs: Tensor(shape: [2, 35], dlp))
        var expected: [Float] = [], expectedGrad: [Float] = []
        for (i, row) in FusedReference.rows(z, cols: vocab).enumerated() {
            let t = Int(targets[i])
            guard t >= 0 else { expected.append(0); expectedGrad += [Float](repeating: 0, count: vocab); continue }
            let lse = FusedReference.logSumExp(row)
            expected.append(Float(row[t] - lse))
            expectedGrad += (0..<vocab).map { Float(Double(dlp[i]) * (($0 == t ? 1 : 0) - exp(row[$0] - lse))) }
        }
        XCTAssertEqual(r.logProbs.shape, [2, 35])
        assertClose(r.logProbs.scalars, expected, rtol: 1e-5, atol: 1e-5)
        assertClose(dz.scalars, expectedGrad, rtol: 1e-4, atol: 1e-6)
    }
}
