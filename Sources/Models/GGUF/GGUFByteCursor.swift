/// A bounds-checked little-endian reader over the bytes of a GGUF file. Every read first checks that the bytes
/// are there, so a truncated or lying file ends in a `GGUFError.malformed` naming the file and the field being
/// read, never in an out-of-bounds access.
struct GGUFByteCursor {
    let base: UnsafeRawPointer
    let count: Int
    let path: String
    /// The offset of the next byte to read.
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, path: String) {
        // An empty buffer may have no base address; any non-nil pointer serves since nothing will be read.
        self.base = bytes.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(bitPattern: 1)!
        self.count = bytes.count
        self.path = path
    }

    /// Bytes left after `offset`.
    var remaining: Int { count - offset }

    func fault(_ message: String) -> GGUFError { .malformed(path: path, message) }

    /// Checks that `n` more bytes exist, naming `what` (e.g. "tensor count") if they do not.
    func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n >= 0, n <= remaining else {
            throw fault("truncated at byte \(offset) reading \(what()) (needs \(n) bytes, \(remaining) left)")
        }
    }

    mutating func scalar<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let v = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return v
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 { try scalar(UInt8.self, what()) }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try scalar(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try scalar(UInt64.self, what()) }

    /// A GGUF string: a `uint64` byte length then that many UTF-8 bytes. A length past the end of the file is an
    /// error before any allocation. `strict` rejects bytes that are not UTF-8 (keys and tensor names); values are
    /// decoded leniently (invalid sequences become U+FFFD), as some vocabularies hold stray bytes.
    mutating func string(_ what: @autoclosure () -> String, strict: Bool) throws -> String {
        let length = try u64("length of \(what())")
        guard length <= UInt64(remaining) else {
            throw fault("\(what()) at byte \(offset - 8) has length \(length), longer than the \(remaining) bytes left in the file")
        }
        let n = Int(length)
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: n)
        offset += n
        if strict {
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw fault("\(what()) at byte \(offset - n) is not valid UTF-8")
            }
            return s
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
