import CKernels

/// Which SGEMM `BLAS.gemm` runs: OpenBLAS's `cblas_sgemm` (the reference and the fallback) or our packed,
/// cache-blocked kernels in CKernels (`ck_sgemm`: a 12×32 AVX-512 tile or a 6×16 AVX2 tile, on our own threads).
public enum GemmBackend: String, CaseIterable, Sendable {
    /// Per product, by the rule in `BLAS.usesOwnGemm(m:n:k:)`.
    case automatic = "auto"
    /// Always `cblas_sgemm`.
    case openBLAS = "openblas"
    /// Always ours, with the widest kernel this CPU runs (OpenBLAS if it runs neither AVX-512 nor AVX2).
    case own
    /// Always our AVX2 + FMA kernel (OpenBLAS if the CPU lacks AVX2).
    case ownAVX2 = "avx2"
    /// Always our AVX-512 kernel (OpenBLAS if the CPU lacks AVX-512).
    case ownAVX512 = "avx512"

    /// The backend named by `TINYALIGN_GEMM` (auto, openblas, own, avx2, avx512), `.automatic` when unset.
    /// An unknown name is reported on stderr in one line (so a benchmark never silently times the wrong kernel)
    /// and falls back to `.automatic`.
    static func fromEnvironment() -> GemmBackend {
        guard let raw = getenv("TINYALIGN_GEMM").map({ String(cString: $0) }), !raw.isEmpty else { return .automatic }
        guard let backend = GemmBackend(rawValue: raw.lowercased()) else {
            let names = GemmBackend.allCases.map(\.rawValue).joined(separator: ", ")
            fputs("warning: TINYALIGN_GEMM=\(raw) is not a GEMM backend (\(names)); using auto\n", stderr)
            return .automatic
        }
        return backend
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
