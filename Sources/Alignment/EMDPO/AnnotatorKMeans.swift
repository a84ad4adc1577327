import Foundation
import TensorCore

/// How EM-DPO's first M-step gets its posteriors γ: `dirichlet` draws each annotator's γ from a flat Dirichlet
/// (seeded; TinyAlign's original choice), `kmeans` starts from a hard clustering of the annotators' answer
/// profiles (`AnnotatorKMeans`), the reference code's way of breaking the symmetry between types.
public enum EMInitialisation: String, Codable, CaseIterable, Sendable {
    /// γ_u ~ Dirichlet(1, …, 1).
    case dirichlet
    /// γ_u = the one-hot of annotator u's k-means cluster.
    case kmeans
}

/// k-means over annotators, for EM-DPO's initial posteriors. An annotator is described by a Borda profile: for
/// every distinct response text (e.g. the answer letters " A", " B", …) the mean normalised rank it gave that
/// response, 1 for first and 0 for last (0.5, the value of a random ranking, when it never saw it). Annotators of
/// one preference type rank the same responses high, so their profiles lie close together.
public enum AnnotatorKMeans {
    /// One profile per annotator (rows) over the distinct responses (columns, in first-seen order). Needs
    /// `data.responseIDs` (set when the data comes from ranking examples).
    public static func profiles(_ data: AnnotatedRankings) throws -> [[Double]] {
        guard let ids = data.responseIDs else {
            throw AlignmentError.invalidInput("k-means initialisation needs the response texts of every list (load the data from JSONL)")
        }
        let width = (ids.flatMap { $0 }.max() ?? -1) + 1
        var sum = [[Double]](repeating: [Double](repeating: 0, count: width), count: data.annotators.count)
        var seen = sum
        for (list, u) in data.annotatorOfList.enumerated() {
            let n = data.sizes[list], ranking = data.rankings[list]
            guard n >= 2 else { continue }
            var position = [Double](repeating: Double(ranking.count + n - 1) / 2, count: n)   // unranked: mean of the rest
            for (p, local) in ranking.enumerated() { position[local] = Double(p) }
            for local in 0..<n {
                let r = ids[list][local]
                sum[u][r] += (Double(n - 1) - position[local]) / Double(n - 1)
                seen[u][r] += 1
            }
        }
        return zip(sum, seen).map { s, c in zip(s, c).map { $1 > 0 ? $0 / $1 : 0.5 } }
    }

    /// Cluster labels of `points` into `k` clusters: k-means++ seeding then Lloyd's iterations, the best (lowest
    /// within-cluster sum of squares) of `restarts` seeded runs.
    public static func cluster(_ points: [[Double]], k: Int, seed: UInt64, restarts: Int = 10, iterations: Int = 100) -> [Int] {
        guard !points.isEmpty, k > 1 else { return [Int](repeating: 0, count: points.count) }
        var rng = SeededGenerator(seed: seed)
        var best: (labels: [Int], cost: Double) = ([], .infinity)
        for _ in 0..<max(restarts, 1) {
            var centres = seedCentres(points, k: k, rng: &rng)
            var labels = [Int](repeating: -1, count: points.count)
            for _ in 0..<iterations {
                let next = points.map { p in centres.indices.min { distance(p, centres[$0]) < distance(p, centres[$1]) }! }
                if next == labels { break }
                labels = next
                for c in 0..<k {
                    let members = points.indices.filter { labels[$0] == c }
                    if members.isEmpty {
                        // an empty cluster takes the point farthest from its centre
                        let far = points.indices.max { distance(points[$0], centres[labels[$0]]) < distance(points[$1], centres[labels[$1]]) }!
                        centres[c] = points[far]
                    } else {
                        centres[c] = points[0].indices.map { d in members.map { points[$0][d] }.reduce(0, +) / Double(members.count) }
                    }
                }
            }
            let cost = points.indices.map { distance(points[$0], centres[labels[$0]]) }.reduce(0, +)
            if cost < best.cost { best = (labels, cost) }
        }
        return best.labels
    }

    /// γ: each annotator's one-hot k-means cluster among `types`.
    public static func posteriors(_ data: AnnotatedRankings, types: Int, seed: UInt64) throws -> [[Double]] {
        let labels = cluster(try profiles(data), k: types, seed: seed)
        return labels.map { l in (0..<types).map { $0 == l ? 1 : 0 } }
    }

    /// k-means++: the first centre uniformly, each next one with probability ∝ squared distance to the nearest.
    static func seedCentres(_ points: [[Double]], k: Int, rng: inout SeededGenerator) -> [[Double]] {
        var centres = [points[rng.nextInt(below: points.count)]]
        while centres.count < k {
            let d2 = points.map { p in centres.map { distance(p, $0) }.min()! }
            let total = d2.reduce(0, +)
            guard total > 0 else { centres.append(points[rng.nextInt(below: points.count)]); continue }
            var x = rng.nextUniformDouble() * total
            var pick = points.count - 1
            for (i, d) in d2.enumerated() { x -= d; if x < 0 { pick = i; break } }
            centres.append(points[pick])
        }
        return centres
    }

    /// Squared Euclidean distance.
    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
    }
}
