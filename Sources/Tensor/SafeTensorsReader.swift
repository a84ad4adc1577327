import Foundation

extension SafeTensors {
    /// Reads a safetensors file: F32, F16 and BF16 tensors come back as `Float32` tensors, with the metadata.
    ///
    /// The file is memory-mapped and read once. Every structural fault (truncated file, bad header, unknown dtype,
    /// offsets that do not tile the buffer) throws `TensorError.malformedFile` naming the file and the fault.
    public static func read(contentsOf url: URL) throws -> SafeTensorsFile {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url, options: [.alwaysMapped]) } catch {
            throw TensorError.io(path: path, "cannot read: \(error.localizedDescription)")
        }
        return try data.withUnsafeBytes { bytes in
            try decode(bytes, path: path)
        }
    }

    /// Decodes a whole file already in memory; `path` is only used in error messages.
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> SafeTensorsFile {
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
        let header: SafeTensorsHeader
        do { header = try SafeTensorsHeader.parse(json, bufferSize: size - 8 - headerBytes) } catch let fault as HeaderFault {
            throw TensorError.malformedFile(path: path, fault.message)
        }
        let buffer = base + 8 + headerBytes
        var tensors: [String: Tensor] = [:]
        var dtypes: [String: SafeTensorsDType] = [:]
        tensors.reserveCapacity(header.entries.count)
        for e in header.entries {
            var t = Tensor(uninitializedShape: e.shape)
            let count = t.count
            if count > 0 {
                t.withUnsafeMutableBufferPointer { dst in
                    e.dtype.decode(buffer + e.begin, count: count, into: dst.baseAddress!)
                }
            }
            tensors[e.name] = t
            dtypes[e.name] = e.dtype
        }
        return SafeTensorsFile(tensors: tensors, metadata: header.metadata, dtypes: dtypes)
    }
}
