/// One entry of a GGUF file's tensor-info table: where a tensor's bytes are and how to read them.
///
/// `dims` are ggml's `ne` in file order, innermost (fastest-varying) first; `shape` is the same reversed, the
/// row-major order NumPy, PyTorch and Hugging Face use (a weight with `dims` [in, out] has `shape` [out, in]).
public struct GGUFTensorInfo: Equatable, Sendable {
    /// GGML's limit on the number of dimensions (`GGML_MAX_DIMS`).
    public static let maxDims = 4

    /// The tensor's name in llama.cpp's naming (`blk.0.attn_q.weight`).
    public let name: String
    /// ggml dims, innermost first.
    public let dims: [Int]
    /// The storage type.
    public let type: GGMLType
    /// Byte offset of the first block, relative to the start of the data section.
    public let offset: Int
    /// The product of `dims`.
    public let elementCount: Int
    /// Bytes the tensor occupies: `elementCount / blockSize · typeSize`.
    public let byteCount: Int

    /// Row-major shape (dims reversed).
    public var shape: [Int] { dims.reversed() }

    /// Checks the geometry: at most 4 dims, none negative, a product that does not overflow, an innermost dim
    /// that is a whole number of blocks. `path` names the file in the error.
    public init(name: String, dims: [Int], type: GGMLType, offset: Int, path: String = "gguf") throws {
        guard dims.count <= Self.maxDims else {
            throw GGUFError.malformed(path: path, "tensor '\(name)' has \(dims.count) dims, more than \(Self.maxDims)")
        }
        // The product of the non-zero dims must fit: then every partial product does too, in any order (a shape
        // [2⁴⁰, 2⁴⁰, 0] holds no element, but multiplying it out front to back would still overflow).
        var nonZero = 1
        for d in dims {
            guard d >= 0 else { throw GGUFError.malformed(path: path, "tensor '\(name)' has negative dim \(d)") }
            let (p, overflow) = nonZero.multipliedReportingOverflow(by: max(d, 1))
            guard !overflow else {
                throw GGUFError.malformed(path: path, "tensor '\(name)' dims \(dims) multiply past \(Int.max) elements")
            }
            nonZero = p
        }
        let count = dims.contains(0) ? 0 : nonZero
        let inner = dims.first ?? 1
        guard inner % type.blockSize == 0 else {
            throw GGUFError.malformed(path: path, "tensor '\(name)' of type \(type.name) has a row of \(inner) elements, not a multiple of its block size \(type.blockSize)")
        }
        let (bytes, overflow) = (count / type.blockSize).multipliedReportingOverflow(by: type.typeSize)
        guard !overflow else {
            throw GGUFError.malformed(path: path, "tensor '\(name)' of \(count) elements takes more than \(Int.max) bytes")
        }
        self.name = name
        self.dims = dims
        self.type = type
        self.offset = offset
        self.elementCount = count
        self.byteCount = bytes
    }
}

extension GGUFByteCursor {
    /// Reads one tensor info: name, `uint32` dim count, `uint64` dims, `uint32` type, `uint64` offset.
    mutating func tensorInfo(index: Int) throws -> GGUFTensorInfo {
        let name = try string("name of tensor \(index)", strict: true)
        let nDims = try u32("dim count of tensor '\(name)'")
        guard nDims <= UInt32(GGUFTensorInfo.maxDims) else {
            throw fault("tensor '\(name)' has \(nDims) dims, more than \(GGUFTensorInfo.maxDims)")
        }
        var dims: [Int] = []
        for i in 0..<Int(nDims) {
            let d = try u64("dim \(i) of tensor '\(name)'")
            guard d <= UInt64(Int.max) else { throw fault("tensor '\(name)' dim \(i) is \(d), past \(Int.max)") }
            dims.append(Int(d))
        }
        let code = try u32("type of tensor '\(name)'")
        guard let type = GGMLType(rawValue: code) else {
            throw GGUFError.unsupported(path: path, "tensor '\(name)' has unknown ggml type \(code)")
        }
        let offset = try u64("offset of tensor '\(name)'")
        guard offset <= UInt64(Int.max) else { throw fault("tensor '\(name)' offset \(offset) is past \(Int.max)") }
        return try GGUFTensorInfo(name: name, dims: dims, type: type, offset: Int(offset), path: path)
    }
}
