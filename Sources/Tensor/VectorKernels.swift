import CKernels

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
}
