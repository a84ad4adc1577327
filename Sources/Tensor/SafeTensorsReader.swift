import Foundation

extension SafeTensors {
    /// Reads a safetensors file: F32, F16 and BF16 tensors come back as `Float32` tensors, with the metadata.
    ///
    /// The file is memory-mapped, never read whole, and everything the header claims is checked before anything
    /// is allocated: the header at most `maxHeaderBytes` (100 MB), at most `maxTensorCount` tensors, each shape's
    /// product computed with overflow checks, offsets tiling the bytes actually in the file, and the decoded
    /// total at most `maxTotalElements` (2³² floats, 16 GiB). Every fault throws `TensorError.malformedFile`
    /// naming the file and the fault.
    public static func read(contentsOf url: URL) throws -> SafeTensorsFile {
        let archive = try SafeTensorsArchive(contentsOf: url)
        return SafeTensorsFile(tensors: try archive.tensors(), metadata: archive.metadata, dtypes: archive.dtypes)
    }

    /// Decodes a whole file already in memory; `path` is only used in error messages.
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> SafeTensorsFile {
        let header = try parseHeader(bytes, path: path)
        return SafeTensorsFile(tensors: try decodeTensors(header, bytes: bytes, path: path), metadata: header.metadata,
                               dtypes: Dictionary(header.entries.map { ($0.name, $0.dtype) }, uniquingKeysWith: { a, _ in a }))
    }

    /// The validated header of a file's bytes (nothing decoded yet).
    static func parseHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> SafeTensorsHeader {
        let size = bytes.count
        guard size >= 8, let base = bytes.baseAddress else {
            throw TensorError.malformedFile(path: path, "file is \(size) bytes, shorter than the 8-byte header length")
        }
        let declared = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(size - 8) else {
            throw TensorError.malformedFile(path: path, "header length \(declared) exceeds the \(size - 8) bytes after the length field")
        }
        let headerBytes = Int(declared)
        guard headerBytes <= maxHeaderBytes else {
            throw TensorError.malformedFile(path: path, "header length \(headerBytes) exceeds the \(maxHeaderBytes)-byte limit")
        }
        let json = Data(bytes: base + 8, count: headerBytes)
        var header: SafeTensorsHeader
        do { header = try SafeTensorsHeader.parse(json, bufferSize: size - 8 - headerBytes) } catch let fault as HeaderFault {
            throw TensorError.malformedFile(path: path, fault.message)
        }
        header.bufferStart = 8 + headerBytes
        return header
    }

    /// Decodes the entries of `header` to `Float32` tensors after checking the total against `maxTotalElements`.
    static func decodeTensors(_ header: SafeTensorsHeader, bytes: UnsafeRawBufferPointer, path: String) throws -> [String: Tensor] {
        var total = 0
        for e in header.entries {
            let (sum, overflow) = total.addingReportingOverflow(e.elementCount)
            guard !overflow, sum <= maxTotalElements else {
                throw TensorError.malformedFile(path: path, "tensors hold more than \(maxTotalElements) elements in total "
                                                + "(limit of this reader); '\(e.name)' has shape \(e.shape)")
            }
            total = sum
        }
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(header.entries.count)
        for e in header.entries { tensors[e.name] = decode(e, header: header, bytes: bytes) }
        return tensors
    }

    /// One entry of a validated header as a `Float32` tensor.
    static func decode(_ e: SafeTensorsEntry, header: SafeTensorsHeader, bytes: UnsafeRawBufferPointer) -> Tensor {
        var t = Tensor(uninitializedShape: e.shape)
        let count = t.count
        if count > 0, let base = bytes.baseAddress {
            t.withUnsafeMutableBufferPointer { dst in
                e.dtype.decode(base + header.bufferStart + e.begin, count: count, into: dst.baseAddress!)
            }
        }
        return t
    }
}

/// A safetensors file opened lazily: the header is parsed and validated, the bytes stay mapped, and tensors are
/// decoded one at a time on request. Lets a loader compare every name and shape with what a model expects
/// before it allocates a single weight.
public final class SafeTensorsArchive {
    /// The file's path, for messages.
    public let path: String
    /// The `__metadata__` map.
    public var metadata: [String: String] { header.metadata }
    private let file: MappedFile
    private let header: SafeTensorsHeader
    private let index: [String: Int]

    /// Maps and validates the file (see `SafeTensors.read` for the bounds).
    public init(contentsOf url: URL) throws {
        path = url.path
        file = try MappedFile(path: path)
        header = try SafeTensors.parseHeader(file.bytes, path: path)
        index = Dictionary(header.entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every tensor's stored element type, by name.
    public var dtypes: [String: SafeTensorsDType] {
        Dictionary(header.entries.map { ($0.name, $0.dtype) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every tensor's shape, by name, as the header declares it (validated against the file's size).
    public var shapes: [String: [Int]] { Dictionary(uniqueKeysWithValues: header.entries.map { ($0.name, $0.shape) }) }

    /// The tensor `name` decoded to `Float32`, or nil when the file has none of that name.
    public func tensor(_ name: String) -> Tensor? {
        index[name].map { SafeTensors.decode(header.entries[$0], header: header, bytes: file.bytes) }
    }

    /// Every tensor, decoded (refused above `SafeTensors.maxTotalElements`).
    public func tensors() throws -> [String: Tensor] {
        try SafeTensors.decodeTensors(header, bytes: file.bytes, path: path)
    }
}
