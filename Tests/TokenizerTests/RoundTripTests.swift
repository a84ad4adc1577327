import Tokenizer
import XCTest

/// `decode(encode(s)) == s` for hand-picked and for random Unicode strings.
final class RoundTripTests: XCTestCase {
    static let tokenizer = try! BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer.json"))

    func testEdgeCases() throws {
        let t = Self.tokenizer
        let cases = ["", " ", "\n", "\n\n\n", "     ", "a  b   c    ", "\t \t\r\n", "🙂", "👨‍👩‍👧🇫🇷", "你好，世界",
                     "e\u{301}\u{302}", "\u{0}\u{1}\u{7F}", "<|endoftext|><|pad|>", "<|endoftext", "it's'''s",
                     String(repeating: "ab", count: 3000), String(repeating: "語", count: 2000)]
        for s in cases {
            XCTAssertEqual(try t.decode(t.encode(s)), s, s.debugDescription)
        }
        XCTAssertEqual(t.encode(""), [])
    }

    /// Strings drawn from a seeded generator mixing ASCII, whitespace, Latin-1, combining marks, CJK, emoji,
    /// special-token fragments and arbitrary scalars.
    func testRandomUnicodeStrings() throws {
        var rng = SplitMix64(seed: 42)
        let t = Self.tokenizer
        var totalIds = 0
        for _ in 0..<1500 {
            let s = randomString(&rng, length: Int(rng.next() % 40))
            let ids = t.encode(s)
            totalIds += ids.count
            XCTAssertEqual(try t.decode(ids), s, s.debugDescription)
        }
        XCTAssertGreaterThan(totalIds, 1500)
    }

    func randomString(_ rng: inout SplitMix64, length: Int) -> String {
        let pieces = [" ", "  ", "\n", "\t", "\r\n", "\u{A0}", "\u{3000}", "'s", "'ll", "<|endoftext|>", "<|pad|>", "<|"]
        var out = String.UnicodeScalarView()
        for _ in 0..<length {
            let r = rng.next()
            let kind = r % 9
            func scalar(_ lo: UInt32, _ hi: UInt32) -> Unicode.Scalar {
                Unicode.Scalar(lo + UInt32((r >> 8) % UInt64(hi - lo + 1)))!
            }
            switch kind {
            case 0, 1: out.append(scalar(0x20, 0x7E))
            case 2: out.append(contentsOf: pieces[Int((r >> 8) % UInt64(pieces.count))].unicodeScalars)
            case 3: out.append(scalar(0xA0, 0x24F))
            case 4: out.append(scalar(0x300, 0x36F))
            case 5: out.append(scalar(0x4E00, 0x9FFF))
            case 6: out.append(scalar(0x1F300, 0x1F6FF))
            case 7: out.append(scalar(0x0, 0x1F))
            default:
                var v = UInt32((r >> 8) % 0x110000)
                if (0xD800...0xDFFF).contains(v) { v = 0xFFFD }
                out.append(Unicode.Scalar(v)!)
            }
        }
        return String(out)
    }
}

/// A tiny seeded generator (SplitMix64) so the property test is reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
