import Datasets
/// How well clusters found without labels match hidden true groups.
public enum ClusterRecovery {
    /// Share of items whose cluster maps to their true group under the best one-to-one matching of clusters to
    /// groups (exact: dynamic programming over subsets of groups, fine for up to ~16 clusters or groups).
    public static func accuracy(predicted: [Int], truth: [Int]) throws -> Double {
        let c = try table(predicted, truth)
        guard !predicted.isEmpty else { return 1 }
        let t = c[0].indices.map { j in c.map { $0[j] } }
        guard min(c.count, t.count) <= 20 else {
            throw AlignmentError.invalidInput("cluster accuracy: \(c.count) clusters and \(t.count) groups; the exact matching handles at most 20 on the smaller side")
        }
        return Double(c.count <= t.count ? bestMatching(c) : bestMatching(t)) / Double(predicted.count)
    }

    /// Adjusted Rand index (Hubert & Arabie): (RI − E[RI]) / (max RI − E[RI]) from the contingency table;
    /// 1 for identical partitions (up to relabelling), about 0 for independent ones.
    public static func adjustedRandIndex(_ a: [Int], _ b: [Int]) throws -> Double {
        let c = try table(a, b)
        guard a.count >= 2 else { return 1 }
        func pairs(_ x: Int) -> Double { Double(x) * Double(x - 1) / 2 }
        let index = c.flatMap { $0 }.map(pairs).reduce(0, +)
        let rowSums = c.map { $0.reduce(0, +) }.map(pairs).reduce(0, +)
        let colSums = c[0].indices.map { j in c.map { $0[j] }.reduce(0, +) }.map(pairs).reduce(0, +)
        let expected = rowSums * colSums / pairs(a.count)
        let maximum = (rowSums + colSums) / 2
        guard maximum != expected else { return 1 }
        return (index - expected) / (maximum - expected)
    }

    /// Contingency counts: rows = labels of `a` (0...max), columns = labels of `b`.
    static func table(_ a: [Int], _ b: [Int]) throws -> [[Int]] {
        guard a.count == b.count, (a + b).allSatisfy({ $0 >= 0 }) else {
            throw AlignmentError.invalidInput("cluster recovery needs two equally long lists of non-negative labels, got \(a.count) and \(b.count)")
        }
        var c = [[Int]](repeating: [Int](repeating: 0, count: (b.max() ?? 0) + 1), count: (a.max() ?? 0) + 1)
        for (x, y) in zip(a, b) { c[x][y] += 1 }
        return c
    }

    /// The largest total count of a one-to-one matching of rows to columns (rows ≤ columns): row r takes a
    /// free column; best[mask] is the best total of rows 0..<|mask| placed on the columns in mask.
    private static func bestMatching(_ c: [[Int]]) -> Int {
        let rows = c.count, cols = c[0].count
        var best = [Int](repeating: -1, count: 1 << cols)
        best[0] = 0
        var top = 0
        for mask in 0..<(1 << cols) where best[mask] >= 0 {
            let row = mask.nonzeroBitCount
            guard row < rows else { top = max(top, best[mask]); continue }
            for g in 0..<cols where mask & (1 << g) == 0 {
                best[mask | (1 << g)] = max(best[mask | (1 << g)], best[mask] + c[row][g])
            }
        }
        return top
    }
}
