import Datasets
import XCTest

/// A ranking's implied pairs: every ranked response over each response ranked after it, then over each unranked
/// one (in response order), ranked responses in ranking order — the order the held-out evaluation of `rank` reads.
final class RankingImpliedPairsTests: XCTestCase {
    func testPartialRankingPairsInOrder() {
        let r = RankingExample(prompt: "q", responses: ["a", "b", "c", "d", "e"], ranking: [3, 1])
        XCTAssertEqual(r.impliedPairs.map { $0.chosen + ">" + $0.rejected }, ["d>b", "d>a", "d>c", "d>e", "b>a", "b>c", "b>e"])
        XCTAssertEqual(Set(r.impliedPairs.map(\.prompt)), ["q"])
    }

    func testFullRankingAndTopOne() {
        let full = RankingExample(prompt: "", responses: ["x", "y", "z"], ranking: [2, 0, 1])
        XCTAssertEqual(full.impliedPairs.map { $0.chosen + ">" + $0.rejected }, ["z>x", "z>y", "x>y"])
        let top = RankingExample(prompt: "", responses: ["x", "y", "z"], ranking: [1])
        XCTAssertEqual(top.impliedPairs.map { $0.chosen + ">" + $0.rejected }, ["y>x", "y>z"])
    }

    /// A long partial ranking (250 of 500 responses, about what a 4 KB fuzz input holds): k(k−1)/2 + k(n−k) pairs.
    func testLongPartialRankingCountsEveryPair() {
        let n = 500, m = 400
        let responses = (0..<n).map { "r\($0)" }
        let ranking = (0..<m).map { (n - 1) - 2 * $0 % n }.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        let r = RankingExample(prompt: "q", responses: responses, ranking: ranking)
        let pairs = r.impliedPairs
        let k = ranking.count
        XCTAssertEqual(pairs.count, k * (k - 1) / 2 + k * (n - k))
        // The first ranked response is preferred over every other response exactly once.
        XCTAssertEqual(Set(pairs.prefix(n - 1).map(\.rejected)).count, n - 1)
        XCTAssertTrue(pairs.prefix(n - 1).allSatisfy { $0.chosen == responses[ranking[0]] })
        XCTAssertEqual(pairs.last?.chosen, responses[ranking[k - 1]])
    }
}
