extension BLAS {
    /// Whether `Tensor.add(_:scale:)` and `scale(by:)` (gradient accumulation, loss scaling) run our AVX-512
    /// loops instead of `cblas_saxpy` / `cblas_sscal`: wherever AVX-512 runs, whatever kernels OpenBLAS has.
    /// On large buffers OpenBLAS splits these over its own threads, which then spin in `sched_yield` for a
    /// while on the core our GEMM pool needs next: with its Haswell kernels (`OPENBLAS_CORETYPE=Haswell`) a
    /// smollm2-135m DPO step still made 330 such calls of 889 344 floats, and `sched_yield` took 3.5 % of the
    /// step's samples (docs/benchmarks.md, Session 6). Both compute y + a·x with one fused multiply-add per
    /// element on whole vectors; OpenBLAS's scalar tail rounds twice, so a few tail elements may differ by an ulp.
    public static var ownLevel1: Bool { VectorKernels.rowKernels == .avx512 }
}
