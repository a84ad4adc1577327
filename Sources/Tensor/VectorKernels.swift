import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The switch between the AVX2+FMA C kernels (8-wide, fused multiply-add) and the portable Swift kernels, which
/// Swift's baseline x86-64 build compiles to 4-wide SSE. Chosen once from the CPU's features.
public enum VectorKernels {
    /// True when this CPU runs AVX2 and FMA.
    public static let available = ck_has_avx2_fma() != 0

    nonisolated(unsafe) private static var wanted = true

    /// Whether kernels that have a C version use it. Defaults to `available`; set it to false to run the
    /// portable path (tests compare the two, `bench ops` times both). It can never be true without the CPU support.
    public static var enabled: Bool {
        get { wanted && available }
        set { wanted = newValue }
    }

    /// True when this CPU runs AVX-512F (the softmax and AdamW kernels need nothing more).
    public static let avx512Available = ck_has_avx512f() != 0

    nonisolated(unsafe) private static var wanted512 = true

    /// Whether kernels that have an AVX-512 version (row softmax forward and backward, the AdamW step) use it.
    /// Defaults to `avx512Available`; never true without the CPU support or while `enabled` is false, so turning
    /// `enabled` off still selects every portable Swift path.
    public static var avx512Enabled: Bool {
        get { wanted512 && enabled && avx512Available }
        set { wanted512 = newValue }
    }

    /// The C variants of the session-5 row kernels (attention's softmax rows forward and backward, SwiGLU,
    /// RMSNorm, RoPE; saxpy/sscal take `.avx512` only).
    public enum RowKernels: String, Sendable {
        /// 16 lanes, masked tails.
        case avx512
        /// 8 lanes with fused multiply-adds.
        case avx2
    }

    nonisolated(unsafe) private static var wantedRows: RowKernels? = {
        guard let raw = getenv("TINYALIGN_ROW_KERNELS") else { return .avx512 }
        return RowKernels(rawValue: String(cString: raw).lowercased())
    }()

    /// Which row kernels run: the widest of `wanted` this CPU and the switches above allow (`.avx512` needs
    /// `avx512Enabled`, `.avx2` needs `enabled`), nil for the portable Swift loops. `wanted` starts from the
    /// environment (`TINYALIGN_ROW_KERNELS=swift`, `avx2` or `avx512`, default avx512), so one binary can time
    /// both sides of the change in alternating runs (the machine's speed drifts too much to compare two builds
    /// run minutes apart), and tests can pin each variant.
    public static var rowKernels: RowKernels? {
        switch wantedRows {
        case .avx512?: return avx512Enabled ? .avx512 : (enabled ? .avx2 : nil)
        case .avx2?: return enabled ? .avx2 : nil
        case nil: return nil
        }
    }

    /// The variant `rowKernels` starts from (nil: the Swift loops); `rowKernels` narrows it to what runs.
    public static var wantedRowKernels: RowKernels? {
        get { wantedRows }
        set { wantedRows = newValue }
    }
}
