import Foundation
@testable import Models
import XCTest

/// `GGUFSentencePieceMapping.generateMerges`: the merges transformers' `generate_merges` makes, in work linear in
/// the vocabulary's scalars plus the merges, and refused past `maxMergeScalars`.
final class GGUFMergeGenerationTests: XCTestCase {
    /// transformers' definition, written out: every cut of every piece (in id order) whose halves are both pieces,
    /// compared scalar for scalar as Python's dict does; within a piece by (left id, right id), then stably by
    /// (piece id, left length). Quadratic in a piece's length, so only for small vocabularies.
    private func reference(_ tokens: [String]) -> [(String, String)] {
        var firstID: [[UInt32]: Int] = [:]
        for (id, t) in tokens.enumerated() where firstID[t.unicodeScalars.map(\.value)] == nil {
            firstID[t.unicodeScalars.map(\.value)] = id
        }
        var all: [(piece: Int, leftLength: Int, left: String, right: String)] = []
        for (id, t) in tokens.enumerated() where firstID[t.unicodeScalars.map(\.value)] == id {
            let s = t.unicodeScalars.map(\.value)
            guard s.count > 1 else { continue }
            var local: [(Int, Int, Int, String, String)] = []
            for cut in 1..<s.count {
                guard let li = firstID[Array(s[..<cut])], let ri = firstID[Array(s[cut...])] else { continue }
                let text = { (v: ArraySlice<UInt32>) in String(String.UnicodeScalarView(v.map { Unicode.Scalar($0)! })) }
                local.append((li, ri, cut, text(s[..<cut]), text(s[cut...])))
            }
            local.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            all += local.map { (id, $0.2, $0.3, $0.4) }
        }
        let order = all.indices.sorted { (all[$0].piece, all[$0].leftLength, $0) < (all[$1].piece, all[$1].leftLength, $1) }
        return order.map { (all[$0].left, all[$0].right) }
    }

    private func vocab(_ tokens: [String]) -> [String: Int] {
        var v: [String: Int] = [:]
        for (id, t) in tokens.enumerated() where v[t] == nil { v[t] = id }
        return v
    }

    /// Random vocabularies over a three-letter alphabet (so most cuts of a piece are pieces, and pieces repeat):
    /// the same merges in the same order as the definition.
    func testMatchesTheDefinitionOnRandomVocabularies() throws {
        var seed: UInt64 = 0x5EED
        func next() -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 33) }
        var total = 0
        for _ in 0..<50 {
            let tokens = (0..<(20 + next() % 60)).map { _ in String((0..<(1 + next() % 7)).map { _ in Array("abc")[next() % 3] }) }
            let ours = try GGUFSentencePieceMapping.generateMerges(tokens: tokens, vocab: vocab(tokens))
            let theirs = reference(tokens)
            XCTAssertEqual(ours.map { $0.0 + " " + $0.1 }, theirs.map { $0.0 + " " + $0.1 })
            total += theirs.count
        }
        XCTAssertGreaterThan(total, 500)
    }

    /// One piece of 100 000 scalars (the cost a hostile GGUF file could ask for): every one of its cuts used to
    /// build both halves, ~10¹⁰ scalar copies; now the work is a few visits per scalar of the vocabulary plus the
    /// scalars of the two merges it makes.
    func testWorkIsLinearInTheVocabularysScalars() throws {
        let n = 100_000
        let tokens = ["a", "b", String(repeating: "a", count: n), String(repeating: "a", count: n - 1)]
        var steps = 0
        let merges = try GGUFSentencePieceMapping.generateMerges(tokens: tokens, vocab: vocab(tokens), path: "x.gguf",
                                                                 limit: GGUFSentencePieceMapping.maxMergeScalars, steps: &steps)
        XCTAssertEqual(merges.map { [$0.0.count, $0.1.count] }, [[1, n - 1], [n - 1, 1]])
        let scalars = tokens.map(\.unicodeScalars.count).reduce(0, +)
        // Two trie insertions and up to two walks per scalar, plus the two merges' 2·n scalars.
        XCTAssertLessThanOrEqual(steps, 4 * scalars + 2 * n)
        XCTAssertGreaterThanOrEqual(steps, 2 * scalars)
    }

    /// Every prefix of a long piece also a piece: the merges grow with the cube of the length, so past the limit
    /// the file is refused with one line naming it and the limit.
    func testMergesPastTheLimitAreRefused() throws {
        let tokens = (1...40).map { String(repeating: "a", count: $0) }
        // Piece k has k − 1 merges of k scalars each: 21 320 scalars in all.
        XCTAssertEqual(try GGUFSentencePieceMapping.generateMerges(tokens: tokens, vocab: vocab(tokens), limit: 21_320).count, 780)
        XCTAssertThrowsError(try GGUFSentencePieceMapping.generateMerges(tokens: tokens, vocab: vocab(tokens), path: "big.gguf",
                                                                         limit: 21_319)) { error in
            XCTAssertEqual("\(error)", "big.gguf: unsupported GGUF: the vocabulary implies BPE merges of more than 21319 scalars (the limit)")
        }
    }

    /// Halves are matched scalar for scalar, as in Python: "xé" (precomposed é) is not cut into "x" + "é" when the
    /// vocabulary only has é decomposed (e + U+0301), which Swift's String equality would call the same.
    func testHalvesMatchScalarForScalar() throws {
        let tokens = ["x\u{E9}", "x", "e\u{301}", "e", "\u{301}", "xe"]
        let merges = try GGUFSentencePieceMapping.generateMerges(tokens: tokens, vocab: vocab(tokens))
        XCTAssertEqual(merges.map { [$0.0, $0.1].map { $0.unicodeScalars.map(\.value) } },
                       [[[0x65], [0x301]], [[0x78], [0x65]]])
        XCTAssertEqual(reference(tokens).count, 2)
    }
}
