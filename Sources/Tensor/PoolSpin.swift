import CKernels

extension BLAS {
    /// How long the GEMM pool's threads spin for the next job (or the caller for its parts) before sleeping;
    /// 0, the default, always sleeps at once (see `ck_pool_set_spin_ns`).
    public static var poolSpinNanoseconds: Int {
        get { ck_pool_spin_ns() }
        set { ck_pool_set_spin_ns(newValue) }
    }

    /// The spin a decoding step runs under: its ~200 matrix–vector products follow each other within
    /// microseconds, and waking a sleeping worker for each costs ~5–20 µs on these VMs, as much as a product.
    /// 50 µs covers the gaps between products (norms, RoPE, attention) without idling a core for long after the
    /// step. Settable so benchmarks can compare against a sleeping pool in one process.
    nonisolated(unsafe) public static var decodingPoolSpinNanoseconds = 50_000

    /// Runs `body` with the pool spinning `nanoseconds` before sleeping, then restores the previous setting.
    public static func withPoolSpin<R>(_ nanoseconds: Int, _ body: () throws -> R) rethrows -> R {
        let saved = poolSpinNanoseconds
        if saved != nanoseconds { poolSpinNanoseconds = nanoseconds }
        defer { if saved != nanoseconds { poolSpinNanoseconds = saved } }
        return try body()
    }
}
