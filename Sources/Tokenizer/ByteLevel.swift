/// GPT-2's reversible map between the 256 byte values and 256 printable Unicode scalars, so that any byte
/// sequence becomes a string without whitespace or control characters (a space becomes "Ġ", a newline "Ċ").
public enum ByteLevel {
    /// The scalar standing for each byte value: printable Latin-1 bytes map to themselves, the other 68 bytes
    /// map, in increasing byte order, to U+0100, U+0101, …
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The inverse map indexed by scalar value (all mapped scalars are below U+0144); -1 where no byte maps.
    static let byteForScalarValue: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in scalarForByte.enumerated() { table[Int(s.value)] = Int16(b) }
        return table
    }()

    /// The byte that `scalar` stands for, or nil if it is not one of the 256 mapped scalars.
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = Int(scalar.value)
        guard v < byteForScalarValue.count, byteForScalarValue[v] >= 0 else { return nil }
        return UInt8(byteForScalarValue[v])
    }

    /// The byte-level string of `bytes` (one mapped scalar per byte).
    public static func string(for bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarForByte[Int(b)]) }
        return String(s)
    }

    /// The bytes a byte-level string stands for, or nil if it holds a scalar outside the map.
    public static func bytes(for token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for s in token.unicodeScalars {
            guard let b = byte(for: s) else { return nil }
            out.append(b)
        }
        return out
    }

    /// All 256 mapped scalars as one-character strings, sorted by scalar value: the initial alphabet of training
    /// (what HF's `ByteLevel.alphabet()` gives once sorted).
    public static var alphabet: [String] {
        scalarForByte.sorted { $0.value < $1.value }.map { String(Character($0)) }
    }
}
