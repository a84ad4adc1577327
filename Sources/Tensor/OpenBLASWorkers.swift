import COpenBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How long OpenBLAS's worker threads stay awake between products.
///
/// After each threaded call OpenBLAS's workers spin (`sched_yield` in a loop) for 2^28 cycles, about a tenth of a
/// second, before they sleep, unless `OPENBLAS_THREAD_TIMEOUT` says otherwise. A training step runs an OpenBLAS
/// product, then our own kernels (RMSNorm, RoPE, attention, LoRA's rank-r products, AdamW) spread over the same
/// cores, then the next product: in between, the spinning worker holds a core that our kernels need, and the
/// scheduler switches between the two on every yield (`__schedule` and `sched_yield` were 9–12 % of a smollm2-135m
/// LoRA step's profile on two cores). Whole `bench dpo` processes with this setting against
/// `OPENBLAS_THREAD_TIMEOUT=28` (OpenBLAS's default), alternating, three pairs each: LoRA 0.94× the wall time and
/// 0.91× the CPU time, full fine-tuning 0.98× and 0.94×.
///
/// When the variable is unset this sets it to 4 (2^4 cycles: sleep as soon as the work is done), has OpenBLAS read
/// its environment again and stops its workers, which it starts again at the next threaded call with the new
/// timeout, as it does after a `fork`. Waking a sleeping worker costs microseconds per product. A value the user
/// set is left as it is, and so is an OpenBLAS without these entry points (looked up at run time, so that any
/// build links). No number changes: the same kernels compute the same products.
public enum OpenBLASWorkers {
    /// The timeout exponent set when the user set none.
    public static let quietTimeout = 4

    /// Whether this process set the timeout (false when the user set `OPENBLAS_THREAD_TIMEOUT` or the library
    /// lacks the entry points). Evaluated once, before the first OpenBLAS product of the process.
    public static let sleepWhenIdle: Bool = {
        guard !setByUser,
              let readEnv = symbol("openblas_read_env"), let shutdown = symbol("blas_thread_shutdown_") else { return false }
        setenv("OPENBLAS_THREAD_TIMEOUT", String(quietTimeout), 1)
        unsafeBitCast(readEnv, to: (@convention(c) () -> Void).self)()
        _ = unsafeBitCast(shutdown, to: (@convention(c) () -> Int32).self)()
        return true
    }()

    /// Whether `OPENBLAS_THREAD_TIMEOUT` was set before this process changed anything.
    public static let setByUser = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] != nil

    /// Whether OpenBLAS was built with its own pthreads server (the build whose workers these are).
    public static var isPthreadsBuild: Bool { openblas_get_parallel() == 1 }

    /// Applies the setting now (idempotent): the command line calls this first, before any thread of its own runs.
    public static func configure() { _ = sleepWhenIdle }

    /// The current value of OpenBLAS's own reading of the timeout, 0 when it has none.
    public static var timeout: Int {
        guard let get = symbol("openblas_thread_timeout") else { return 0 }
        return Int(unsafeBitCast(get, to: (@convention(c) () -> Int32).self)())
    }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
    }
}
