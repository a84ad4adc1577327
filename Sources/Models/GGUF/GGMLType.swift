/// The ggml tensor types a GGUF tensor info may name, with their block geometry (ggml's `type_traits`:
/// `blockSize` elements are stored in `typeSize` bytes). Every type ggml defines is known so that a file
/// holding, say, IQ2_XS tensors still opens; `isDequantizable` says which ones this package can turn into Float32.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    /// Plain floats and the legacy 32-element block quantisations.
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    /// The K-quants (256-element super-blocks).
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    /// The importance-matrix quantisations.
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    /// Integers, float64, bfloat16 and the ternary types.
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35
    /// Microscaling FP4 (32-element blocks with an E8M0 scale).
    case mxfp4 = 39

    /// Elements in the super-block of the K-quants.
    public static let qkK = 256

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .f64, .i8, .i16, .i32, .i64: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_nl, .mxfp4: return 32
        default: return Self.qkK
        }
    }

    /// Bytes per block.
    public var typeSize: Int {
        let k = Self.qkK
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .f64, .i64: return 8
        case .i8: return 1
        case .q4_0: return 2 + 16
        case .q4_1: return 2 + 2 + 16
        case .q5_0: return 2 + 4 + 16
        case .q5_1: return 2 + 2 + 4 + 16
        case .q8_0: return 2 + 32
        case .q8_1: return 4 + 4 + 32
        case .q2_K: return 2 + 2 + k / 16 + k / 4
        case .q3_K: return 2 + k / 4 + k / 8 + 12
        case .q4_K: return 2 + 2 + k / 2 + 12
        case .q5_K: return 2 + 2 + k / 2 + k / 8 + 12
        case .q6_K: return 2 + k / 2 + k / 4 + k / 16
        case .q8_K: return 4 + k + k / 8
        case .iq2_xxs: return 2 + k / 4
        case .iq2_xs: return 2 + k / 4 + k / 32
        case .iq3_xxs: return 2 + k / 4 + k / 8
        case .iq1_s: return 2 + k / 8 + k / 16
        case .iq4_nl: return 2 + 16
        case .iq3_s: return 2 + k / 4 + k / 8 + k / 32 + 4
        case .iq2_s: return 2 + k / 4 + k / 16
        case .iq4_xs: return 2 + 2 + k / 2 + k / 64
        case .iq1_m: return k / 8 + k / 16 + k / 32
        case .tq1_0: return 2 + 4 * 13
        case .tq2_0: return 2 + 64
        case .mxfp4: return 1 + 16
        }
    }

    /// The name ggml and gguf-py print (`Q4_K`, `BF16`, …).
    public var name: String {
        String(describing: self).uppercased()
    }

    /// The type named `name` in any case (`q8_0`, `Q4_K`, `bf16`), or nil.
    public init?(name: String) {
        guard let t = Self.allCases.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = t
    }

    /// Whether `GGMLDequantize` turns this type into Float32.
    public var isDequantizable: Bool {
        switch self {
        case .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K: return true
        default: return false
        }
    }
}
