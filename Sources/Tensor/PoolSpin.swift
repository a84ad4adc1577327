import CKernels

extension BLAS {
    /// How long the GEMM pool's threads spin for the next job (or the caller for its parts) before sleeping;
    /// 0, the default, always sleeps at once (see `ck_pool_set_spin_ns`).
    public static var poolSpinNanoseconds: Int {
        get { ck_pool_spin_ns() }
        set { ck_pool_set_spin_ns(newValue) }
    }

    /// The spin a decoding step runs under, 0 (sleep at once) by default: its ~120 matrix–vector products follow
    /// each other within microseconds and waking a sleeping worker costs ~5–20 µs on these VMs, but on a loaded
    /// machine (session 5, load 4–6 on 2 cores) a 50 µs spin made `smollm2-135m` decoding ~15 % slower (the
    /// spinning thread takes the core another process wants), so it is opt-in until measured on a quiet one
    /// (`bench generate --compare`). Session 6 (products split by claimed chunks, gemv_share.c, whose helpers
    /// spin by the same setting): a 10 µs spin still lost ~20 % at load 5.
    nonisolated(unsafe) public static var decodingPoolSpinNanoseconds = 0

    /// Whether the matrix–vector helper threads of decoding (gemv_share.c) spin up to 50 µs between products
    /// while their cores are free, judged by their own involuntary context switches: on (the default), they
    /// spin on a quiet machine and sleep at once on a shared one. A fixed `poolSpinNanoseconds` overrides it.
    public static var gemvAutoSpin: Bool {
        get { ck_gemv_auto_spin() != 0 }
        set { ck_gemv_set_auto_spin(newValue ? 1 : 0) }
    }

    /// Runs `body` with the pool spinning `nanoseconds` before sleeping, then restores the previous setting.
    public static func withPoolSpin<R>(_ nanoseconds: Int, _ body: () throws -> R) rethrows -> R {
        let saved = poolSpinNanoseconds
        if saved != nanoseconds { poolSpinNanoseconds = nanoseconds }
        defer { if saved != nanoseconds { poolSpinNanoseconds = saved } }
        return try body()
    }
}
