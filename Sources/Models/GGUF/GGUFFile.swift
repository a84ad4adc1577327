import Foundation
import TensorCore

/// A GGUF file (versions 2 and 3, little-endian), opened by memory-mapping it: the header, metadata and tensor
/// infos are parsed at once, tensor bytes are only touched when a tensor is asked for.
///
/// Layout: magic `GGUF`, `uint32` version, `uint64` tensor count, `uint64` metadata count, the metadata
/// key/values, the tensor infos, padding to `general.alignment` (default 32), then the data section, in which
/// each tensor's offset is a multiple of the alignment.
///
/// Bounds, each checked before anything is allocated and failing with a one-line `GGUFError` naming the file:
/// - a file shorter than any field it declares (truncated) is refused, naming the field;
/// - the metadata count may be at most (bytes left) / 13 and the tensor count at most (bytes left) / 24, the
///   fewest bytes one entry can take, so an absurd count fails before the loop;
/// - a string or array length longer than the bytes left in the file is refused; arrays nest at most 8 deep;
/// - a tensor type code ggml does not define is refused, naming the tensor and the code;
/// - a tensor with more than 4 dims, dims whose product overflows `Int`, or a row that is not whole blocks;
/// - a tensor whose bytes would extend past the end of the file, or whose offset is not aligned;
/// - `general.alignment` must be a `uint32` power of two; keys and tensor names must be unique UTF-8.
public struct GGUFFile: @unchecked Sendable {
    /// `GGUF` read as a little-endian `uint32`.
    public static let magic: UInt32 = 0x4655_4747
    /// The alignment when `general.alignment` is absent.
    public static let defaultAlignment = 32
    /// The metadata key that overrides the alignment.
    public static let alignmentKey = "general.alignment"

    /// The path the file was opened from, used in every error message.
    public let path: String
    /// The format version (2 or 3).
    public let version: UInt32
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Metadata values by key.
    public let metadata: [String: GGUFValue]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// The data-section alignment.
    public let alignment: Int
    /// Absolute offset of the data section.
    public let dataOffset: Int
    private let bytes: Data
    private let index: [String: Int]

    /// Opens and parses `url`; see the type's documentation for what is checked.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url, options: [.alwaysMapped]) } catch {
            throw GGUFError.io(path: path, "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, path: path)
    }

    /// Parses a GGUF image already in memory; `path` is used in error messages only.
    public init(data: Data, path: String) throws {
        self.path = path
        self.bytes = data
        let parsed = try data.withUnsafeBytes { try Self.parse($0, path: path) }
        version = parsed.version
        metadataKeys = parsed.keys
        metadata = parsed.values
        tensors = parsed.tensors
        alignment = parsed.alignment
        dataOffset = parsed.dataOffset
        var byName: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { byName[t.name] = i }
        index = byName
    }

    /// The info of the tensor called `name`, or nil.
    public func info(_ name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }

    /// Runs `body` on the raw stored bytes of `info` (blocks as in the file, no conversion). `info` must be one
    /// of this file's `tensors` (whose bounds the reader checked); another file's info is a programming error.
    public func withRawBytes<R>(of info: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(index[info.name].map { tensors[$0] == info } ?? false, "tensor info '\(info.name)' is not from \(path)")
        return try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[(dataOffset + info.offset)..<(dataOffset + info.offset + info.byteCount)]))
        }
    }

    /// The raw stored bytes of `info`, copied.
    public func rawData(of info: GGUFTensorInfo) -> Data { withRawBytes(of: info) { Data($0) } }

    /// The tensor called `name` dequantized to Float32, in row-major `shape` (GGUF dims reversed).
    public func tensor(_ name: String) throws -> Tensor {
        guard let info = info(name) else { throw GGUFError.invalidArgument("\(path) has no tensor '\(name)'") }
        return try tensor(info)
    }

    /// The tensor of `info` dequantized to Float32 exactly as gguf-py's `gguf.quants.dequantize` does.
    public func tensor(_ info: GGUFTensorInfo) throws -> Tensor {
        guard info.type.isDequantizable else {
            throw GGUFError.unsupported(path: path, "tensor '\(info.name)' has type \(info.type.name), which TinyAlign cannot dequantize")
        }
        var t = Tensor(uninitializedShape: info.shape)
        guard info.elementCount > 0 else { return t }
        withRawBytes(of: info) { raw in
            t.withUnsafeMutableBufferPointer { out in
                GGMLDequantize.run(info.type, raw.baseAddress!, blocks: info.elementCount / info.type.blockSize, into: out.baseAddress!)
            }
        }
        return t
    }

    private struct Parsed {
        var version: UInt32
        var keys: [String]
        var values: [String: GGUFValue]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataOffset: Int
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, path: String) throws -> Parsed {
        var c = GGUFByteCursor(raw, path: path)
        let magic = try c.u32("magic")
        guard magic == Self.magic else {
            throw c.fault(String(format: "not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", magic, Self.magic))
        }
        let version = try c.u32("version")
        if version & 0xffff == 0 && version != 0 {
            throw GGUFError.unsupported(path: path, "big-endian GGUF (version field 0x\(String(version, radix: 16))) is not supported")
        }
        guard version == 2 || version == 3 else {
            throw GGUFError.unsupported(path: path, "version \(version); only versions 2 and 3 are supported")
        }
        let tensorCount = try c.u64("tensor count")
        let kvCount = try c.u64("metadata count")
        guard kvCount <= UInt64(c.remaining / 13) else {
            throw c.fault("metadata count \(kvCount) is more than the \(c.remaining) bytes left could hold")
        }
        guard tensorCount <= UInt64((c.remaining - Int(kvCount) * 13) / 24) else {
            throw c.fault("tensor count \(tensorCount) is more than the \(c.remaining) bytes left could hold")
        }

        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        for i in 0..<Int(kvCount) {
            let key = try c.string("key of metadata entry \(i)", strict: true)
            guard values[key] == nil else { throw c.fault("duplicate metadata key '\(key)'") }
            let code = try c.u32("value type of \(key)")
            guard let type = GGUFValueType(rawValue: code) else {
                throw c.fault("metadata \(key): unknown value type \(code)")
            }
            values[key] = try c.value(of: type, key: key)
            keys.append(key)
        }

        var tensors: [GGUFTensorInfo] = []
        var names = Set<String>()
        for i in 0..<Int(tensorCount) {
            let t = try c.tensorInfo(index: i)
            guard names.insert(t.name).inserted else { throw c.fault("duplicate tensor name '\(t.name)'") }
            tensors.append(t)
        }

        var alignment = defaultAlignment
        if let a = values[alignmentKey] {
            guard case let .uint32(v) = a else {
                throw c.fault("\(alignmentKey) must be a uint32, found \(a.type)")
            }
            guard v != 0, v & (v - 1) == 0 else { throw c.fault("\(alignmentKey) \(v) is not a power of two") }
            alignment = Int(v)
        }
        let dataOffset = (c.offset + alignment - 1) / alignment * alignment
        let dataBytes = max(0, raw.count - dataOffset)
        for t in tensors {
            guard t.offset % alignment == 0 else {
                throw c.fault("tensor '\(t.name)' offset \(t.offset) is not a multiple of the alignment \(alignment)")
            }
            guard t.offset <= dataBytes, t.byteCount <= dataBytes - t.offset else {
                throw c.fault("tensor '\(t.name)' (\(t.byteCount) bytes at data offset \(t.offset)) extends past the end of the file (data section holds \(dataBytes) bytes)")
            }
        }
        return Parsed(version: version, keys: keys, values: values, tensors: tensors, alignment: alignment, dataOffset: dataOffset)
    }
}
