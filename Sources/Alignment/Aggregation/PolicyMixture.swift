import Datasets
import Foundation
import TensorCore

/// The served policy of min-max aggregation: each query is answered by policy j drawn with probability w_j.
public struct PolicyMixture: Equatable, Sendable {
    /// The policy checkpoint folders.
    public let policies: [URL]
    /// Their probabilities w (non-negative, summing to 1).
    public let weights: [Double]

    /// How far Σw may stray from 1 (the solver's averages are renormalised, so only rounding remains).
    static let sumTolerance = 1e-6

    /// A mixture; `source` names the file in messages.
    public init(policies: [URL], weights: [Double], source: String = "mixture") throws {
        guard !policies.isEmpty else { throw AlignmentError.badData(file: source, line: 0, "field \"policies\" is empty") }
        guard weights.count == policies.count else {
            throw AlignmentError.badData(file: source, line: 0,
                                         "\(weights.count) weights for \(policies.count) policies (fields \"weights\", \"policies\")")
        }
        if let j = weights.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw AlignmentError.badData(file: source, line: 0, "weight \(j) is \(weights[j]); weights must be finite and ≥ 0")
        }
        let total = weights.reduce(0, +)
        guard abs(total - 1) <= Self.sumTolerance else {
            throw AlignmentError.badData(file: source, line: 0, "the weights sum to \(total), not 1")
        }
        self.policies = policies
        self.weights = weights
    }

    /// Reads `policies` and `weights` from an `aggregate.json`.
    public static func load(_ url: URL) throws -> PolicyMixture {
        guard let data = try? Data(contentsOf: url) else { throw AlignmentError.badData(file: url.path, line: 0, "cannot read the file") }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AlignmentError.badData(file: url.path, line: 0, "not a JSON object")
        }
        guard let paths = obj["policies"] as? [String] else {
            throw AlignmentError.badData(file: url.path, line: 0, "field \"policies\" is missing or not a list of paths")
        }
        guard let weights = (obj["weights"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.doubleValue }),
              weights.count == (obj["weights"] as? [Any])?.count else {
            throw AlignmentError.badData(file: url.path, line: 0, "field \"weights\" is missing or not a list of numbers")
        }
        return try PolicyMixture(policies: paths.map { URL(fileURLWithPath: $0) }, weights: weights, source: url.path)
    }

    /// The index of a policy drawn with probability w_j (inverse CDF on one uniform draw).
    public func draw(using rng: inout SeededGenerator) -> Int {
        var u = rng.nextUniformDouble() * weights.reduce(0, +)
        for (j, w) in weights.enumerated() where w > 0 {
            u -= w
            if u < 0 { return j }
        }
        return weights.lastIndex(where: { $0 > 0 })!
    }
}
