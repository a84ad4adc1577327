import Foundation

/// Byte builders for the hostile-input campaign: safetensors and GGUF images with chosen (absurd) fields, and
/// the text mutations every format gets (BOM, CRLF, NUL, invalid UTF-8, truncation, deep nesting, giant lines).
enum HostileFiles {
    /// A safetensors file: the 8-byte little-endian header length, the header text as given, then `data`.
    static func safetensors(header: String, data: Data = Data(), length: UInt64? = nil) -> Data {
        var out = Data()
        var n = (length ?? UInt64(header.utf8.count)).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(Data(header.utf8))
        out.append(data)
        return out
    }

    /// A GGUF v`version` image: metadata (key, type id, encoded value) and tensor infos (name, dims, type, offset)
    /// with the counts given (defaults: the real counts), padded to 32 bytes, then `data`.
    struct GGUF {
        var version: UInt32 = 3
        var metadata: [(String, UInt32, Data)] = []
        var tensors: [(String, [UInt64], UInt32, UInt64)] = []
        var tensorCount: UInt64?
        var metadataCount: UInt64?
        var data = Data()

        static func u32(_ v: UInt32) -> Data { var x = v.littleEndian; return withUnsafeBytes(of: &x) { Data($0) } }
        static func u64(_ v: UInt64) -> Data { var x = v.littleEndian; return withUnsafeBytes(of: &x) { Data($0) } }
        static func string(_ s: String) -> Data { u64(UInt64(s.utf8.count)) + Data(s.utf8) }
        /// Metadata value type ids of the GGUF spec.
        static let typeU32: UInt32 = 4, typeString: UInt32 = 8, typeArray: UInt32 = 9

        var bytes: Data {
            var out = Data("GGUF".utf8) + Self.u32(version) + Self.u64(tensorCount ?? UInt64(tensors.count))
                + Self.u64(metadataCount ?? UInt64(metadata.count))
            for (key, type, value) in metadata { out += Self.string(key) + Self.u32(type) + value }
            for (name, dims, type, offset) in tensors {
                out += Self.string(name) + Self.u32(UInt32(dims.count))
                for d in dims { out += Self.u64(d) }
                out += Self.u32(type) + Self.u64(offset)
            }
            while out.count % 32 != 0 { out.append(0) }
            return out + data
        }
    }

    /// `[[[…1…]]]` nested `depth` levels.
    static func nestedJSON(_ depth: Int) -> String { String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth) }

    /// `text` with a UTF-8 byte-order mark in front.
    static func withBOM(_ text: String) -> Data { Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8) }

    /// `text` with every line ending as CRLF.
    static func crlf(_ text: String) -> Data { Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    /// `data` with an invalid UTF-8 sequence (a lone continuation byte and an overlong NUL) after its first byte.
    static func invalidUTF8(_ data: Data) -> Data { data.prefix(1) + Data([0x80, 0xC0, 0x80, 0xFF]) + data.dropFirst() }

    /// `data` cut to `fraction` of its length.
    static func truncated(_ data: Data, _ fraction: Double = 0.5) -> Data { data.prefix(Int(Double(data.count) * fraction)) }
}
