import Foundation

/// Reading and writing the Hugging Face safetensors format:
/// 8-byte little-endian header length `N`, `N` bytes of JSON header, then one byte buffer holding every tensor.
///
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to
/// the buffer) and may hold `"__metadata__"`, a map of string to string.
public enum SafeTensors {
    /// The reserved header key for free-form string metadata.
    public static let metadataKey = "__metadata__"
    /// Headers above this size are refused, as the reference implementation does (protects against absurd
    /// allocations from a corrupt length field).
    public static let maxHeaderBytes = 100_000_000
    /// Files declaring more tensors than this are refused (a checkpoint of the largest supported model has a few
    /// hundred).
    public static let maxTensorCount = 65_536
    /// A file whose tensors hold more elements than this in total (2³², 16 GiB as `Float32`) is refused before
    /// anything is allocated: a sparse file can be size-consistent and still claim far more than memory.
    public static let maxTotalElements = 1 << 32
}

/// The contents of a safetensors file: every tensor converted to `Float32`, and the string metadata.
public struct SafeTensorsFile {
    /// Tensors by name.
    public var tensors: [String: Tensor]
    /// The `__metadata__` map (empty when the file has none).
    public var metadata: [String: String]
    /// The element type each tensor was stored in, by name.
    public var dtypes: [String: SafeTensorsDType]

    /// Bundles tensors, metadata and stored element types.
    public init(tensors: [String: Tensor], metadata: [String: String], dtypes: [String: SafeTensorsDType] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
        self.dtypes = dtypes
    }
}

/// Element types this reader understands; everything is converted to `Float32` on load.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    /// IEEE binary32.
    case f32 = "F32"
    /// IEEE binary16.
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of a binary32.
    case bf16 = "BF16"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        }
    }

    /// The dtype `torch_dtype` names ("float32", "float16", "bfloat16"), or nil.
    public init?(torchDType: String) {
        switch torchDType {
        case "float32": self = .f32
        case "float16": self = .f16
        case "bfloat16": self = .bf16
        default: return nil
        }
    }

    /// The `torch_dtype` name of this dtype.
    public var torchDType: String {
        switch self {
        case .f32: return "float32"
        case .f16: return "float16"
        case .bf16: return "bfloat16"
        }
    }

    /// Writes `count` floats as little-endian elements of this dtype at `destination`, rounding to nearest even
    /// as PyTorch's casts do (see `HalfPrecision`).
    func encode(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer) {
        switch self {
        case .f32:
            destination.copyMemory(from: source, byteCount: count * 4)
        case .f16:
            for i in 0..<count { destination.storeBytes(of: HalfPrecision.half(from: source[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<count { destination.storeBytes(of: HalfPrecision.bfloat(from: source[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        }
    }

    /// Converts `count` little-endian elements starting at `source` (any alignment) into `destination`.
    func decode(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            // Every platform Swift runs this package on is little-endian, so the bytes are already Float32.
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .f16:
            for i in 0..<count {
                destination[i] = Self.float(fromHalfBits: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                destination[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        }
    }

    /// Exact binary16 → binary32 (see `HalfPrecision`).
    static func float(fromHalfBits h: UInt16) -> Float { HalfPrecision.float(fromHalf: h) }
}
