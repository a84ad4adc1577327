import Foundation
import TensorCore

/// Writes GGUF version 3 files: metadata of any value type and tensors stored as F32, F16, BF16 or Q8_0 (encoded
/// as gguf-py encodes them), or as raw blocks of any type copied from another file.
///
/// Layout as gguf-py's `GGUFWriter`: header, metadata in insertion order, tensor infos in insertion order with
/// offsets that are multiples of the alignment, padding to the alignment, then each tensor's bytes followed by
/// zero padding to the alignment. The file is written to a temporary name in the target folder and renamed over
/// the target only when complete, so a reader never sees half a file.
public struct GGUFWriter {
    /// A tensor waiting to be written: Float32 values encoded at write time, or bytes already in ggml blocks.
    enum Payload {
        case values(Tensor)
        case raw([UInt8])
    }

    struct Entry {
        let info: GGUFTensorInfo
        let payload: Payload
    }

    /// The data-section alignment; a value other than 32 is recorded as `general.alignment`.
    public var alignment: Int
    private(set) var metadata: [(key: String, value: GGUFValue)] = []
    private var keys = Set<String>()
    private(set) var entries: [Entry] = []
    private var nextOffset = 0

    /// An empty file with the given alignment (a power of two).
    public init(alignment: Int = GGUFFile.defaultAlignment) throws {
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= Int(UInt32.max) else {
            throw GGUFError.invalidArgument("alignment \(alignment) is not a power of two")
        }
        self.alignment = alignment
        if alignment != GGUFFile.defaultAlignment { try set(GGUFFile.alignmentKey, .uint32(UInt32(alignment))) }
    }

    /// Adds the metadata entry `key` (each key once).
    public mutating func set(_ key: String, _ value: GGUFValue) throws {
        guard !key.isEmpty, keys.insert(key).inserted else {
            throw GGUFError.invalidArgument("metadata key '\(key)' is empty or already set")
        }
        try Self.checkHomogeneous(value, key: key)
        metadata.append((key, value))
    }

    /// Adds `tensor` (row-major `shape`, stored with dims reversed) to be written as `type`.
    public mutating func add(_ name: String, _ tensor: Tensor, as type: GGMLType) throws {
        guard GGMLQuantize.writable.contains(type) else {
            throw GGUFError.invalidArgument("tensor '\(name)': cannot write type \(type.name) (F32, F16, BF16 or Q8_0)")
        }
        try append(Entry(info: try info(name, dims: tensor.shape.reversed(), type: type), payload: .values(tensor)))
    }

    /// Adds a tensor whose ggml blocks are already encoded (e.g. a quantised tensor copied unchanged).
    /// `dims` are ggml dims, innermost first.
    public mutating func addRaw(_ name: String, dims: [Int], type: GGMLType, bytes: [UInt8]) throws {
        let info = try info(name, dims: dims, type: type)
        guard bytes.count == info.byteCount else {
            throw GGUFError.invalidArgument("tensor '\(name)': \(bytes.count) bytes given, \(type.name) dims \(dims) need \(info.byteCount)")
        }
        try append(Entry(info: info, payload: .raw(bytes)))
    }

    /// The info of the next tensor; geometry faults are the caller's, so they come back as `invalidArgument`.
    private func info(_ name: String, dims: [Int], type: GGMLType) throws -> GGUFTensorInfo {
        do { return try GGUFTensorInfo(name: name, dims: dims, type: type, offset: nextOffset) } catch let GGUFError.malformed(_, message) {
            throw GGUFError.invalidArgument(message)
        }
    }

    private mutating func append(_ e: Entry) throws {
        guard !e.info.name.isEmpty, !entries.contains(where: { $0.info.name == e.info.name }) else {
            throw GGUFError.invalidArgument("tensor name '\(e.info.name)' is empty or already used")
        }
        entries.append(e)
        nextOffset = padded(e.info.offset + e.info.byteCount)
    }

    private func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    private static func checkHomogeneous(_ v: GGUFValue, key: String) throws {
        guard case let .array(type, items) = v else { return }
        for item in items {
            guard item.type == type else {
                throw GGUFError.invalidArgument("metadata \(key): array of \(type) holds a \(item.type)")
            }
            try checkHomogeneous(item, key: key)
        }
    }

    /// The header, metadata, tensor infos and padding: everything before the data section.
    func headerBytes() -> [UInt8] {
        var out = ByteSink()
        out.u32(GGUFFile.magic)
        out.u32(3)
        out.u64(UInt64(entries.count))
        out.u64(UInt64(metadata.count))
        for (key, value) in metadata {
            out.string(key)
            out.u32(value.type.rawValue)
            out.value(value)
        }
        for e in entries {
            out.string(e.info.name)
            out.u32(UInt32(e.info.dims.count))
            for d in e.info.dims { out.u64(UInt64(d)) }
            out.u32(e.info.type.rawValue)
            out.u64(UInt64(e.info.offset))
        }
        out.bytes.append(contentsOf: repeatElement(0, count: padded(out.bytes.count) - out.bytes.count))
        return out.bytes
    }

    /// Writes the file atomically (temporary file in the same folder, then rename).
    public func write(to url: URL) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw GGUFError.io(path: path, "cannot create a temporary file in \(folder.path)")
        }
        var moved = false
        defer { if !moved { try? FileManager.default.removeItem(at: temporary) } }
        do {
            defer { try? handle.close() }
            try handle.write(contentsOf: Data(headerBytes()))
            for e in entries {
                var bytes: [UInt8]
                switch e.payload {
                case let .raw(b): bytes = b
                case let .values(t): bytes = t.withUnsafeBufferPointer { GGMLQuantize.encode($0, as: e.info.type) }
                }
                bytes.append(contentsOf: repeatElement(0, count: padded(bytes.count) - bytes.count))
                try handle.write(contentsOf: Data(bytes))
            }
            try handle.synchronize()
        } catch {
            throw GGUFError.io(path: path, "cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary.path, path) == 0 else {
            throw GGUFError.io(path: path, "cannot move the finished file into place: \(String(cString: strerror(errno)))")
        }
        moved = true
    }
}

/// Little-endian byte assembly for the writer.
struct ByteSink {
    var bytes: [UInt8] = []

    mutating func int<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { int(v) }
    mutating func u64(_ v: UInt64) { int(v) }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u64(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func value(_ v: GGUFValue) {
        switch v {
        case let .uint8(x): int(x)
        case let .int8(x): int(x)
        case let .uint16(x): int(x)
        case let .int16(x): int(x)
        case let .uint32(x): int(x)
        case let .int32(x): int(x)
        case let .uint64(x): int(x)
        case let .int64(x): int(x)
        case let .float32(x): int(x.bitPattern)
        case let .float64(x): int(x.bitPattern)
        case let .bool(b): int(UInt8(b ? 1 : 0))
        case let .string(s): string(s)
        case let .array(type, items):
            u32(type.rawValue)
            u64(UInt64(items.count))
            for item in items { value(item) }
        }
    }
}
