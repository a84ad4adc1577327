extension BLAS {
    /// Whether `Tensor.add(_:scale:)` and `scale(by:)` (gradient accumulation, loss scaling) run our AVX-512
    /// loops instead of `cblas_saxpy` / `cblas_sscal`: beside an OpenBLAS on SSE kernels, the same rule as
    /// `usesOwnGemm`. Those were the last OpenBLAS calls of a training step; on large buffers OpenBLAS split them
    /// over its own threads, which then spun in `sched_yield` on the core our GEMM pool needed next.
    public static var ownLevel1: Bool { !openBLASHasWideKernels && VectorKernels.rowKernels == .avx512 }
}
