import Tokenizer
import XCTest

final class ByteLevelTests: XCTestCase {
    func testMapIsABijectionWithGPT2Landmarks() {
        XCTAssertEqual(Set(ByteLevel.scalarForByte).count, 256)
        XCTAssertEqual(ByteLevel.scalarForByte[0x20], "\u{120}")  // Ġ
        XCTAssertEqual(ByteLevel.scalarForByte[0x0A], "\u{10A}")  // Ċ
        XCTAssertEqual(ByteLevel.scalarForByte[0x00], "\u{100}")
        XCTAssertEqual(ByteLevel.scalarForByte[0xAD], "\u{143}")  // the last of the 68 remapped bytes
        XCTAssertEqual(ByteLevel.scalarForByte[0x41], "A")
        for b in 0..<256 { XCTAssertEqual(ByteLevel.byte(for: ByteLevel.scalarForByte[b]), UInt8(b)) }
        XCTAssertNil(ByteLevel.byte(for: " "))
    }

    func testStringRoundTripAndAlphabetOrder() {
        let bytes: [UInt8] = Array(0...255)
        XCTAssertEqual(ByteLevel.bytes(for: ByteLevel.string(for: bytes)), bytes)
        XCTAssertEqual(ByteLevel.string(for: Array(" héllo".utf8)), "ĠhÃ©llo")
        let alphabet = ByteLevel.alphabet
        XCTAssertEqual(alphabet.count, 256)
        XCTAssertEqual(alphabet.first, "!")
        XCTAssertEqual(alphabet.last, "\u{143}")
    }
}
