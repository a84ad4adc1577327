import ArgumentParser
import CKernels
import Dispatch
import Foundation
import TensorCore

/// `tinyalign bench peak`: the ceilings the kernels are judged against. The FMA peak is a register-only loop of
/// independent FMAs (AVX-512 and AVX2, 1 and 2 threads): what a GEMM could reach at best. The copy bandwidth
/// is a memcpy over 256 MB (1 and 2 threads, each copying its half): what a bandwidth-bound kernel could reach.
struct BenchPeak: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak", abstract: "FMA peak (GFLOP/s, AVX-512 and AVX2, 1 and 2 threads) and memcpy bandwidth (GB/s).")

    @Option(help: "Timed repetitions per measurement.") var iterations = 7

    /// The widest FMA loop's GFLOP/s on `threads` threads, best of a few short runs (~0.1 s in all): the peak
    /// other benches divide by to print a share of it. 0 when the CPU has neither AVX-512 nor AVX2.
    static func fmaPeak(threads: Int) -> Double {
        let rounds = 2_000_000
        let wide = ck_has_avx512f() != 0
        guard wide || ck_has_avx2_fma() != 0 else { return 0 }
        let flopsPerRound = Double(wide ? CK_FMA_LOOP_AVX512_FLOPS : CK_FMA_LOOP_AVX2_FLOPS)
        let loop: (Int) -> Float = wide ? { ck_fma_loop_avx512($0) } : { ck_fma_loop_avx2($0) }
        let times = Timing.measure(warmup: 1, iterations: 5) {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in _ = loop(rounds) }
        }
        return flopsPerRound * Double(rounds * threads) / (times.min()! * 1e6)
    }

    func run() throws {
        // 2e7 rounds of 12–16 FMAs: 0.1–0.4 s per call on one core at these rates, long enough to hide the timer.
        let rounds = 20_000_000
        var loops: [(String, Double, (Int) -> Float)] = []
        if ck_has_avx512f() != 0 { loops.append(("avx512", Double(CK_FMA_LOOP_AVX512_FLOPS), { ck_fma_loop_avx512($0) })) }
        if ck_has_avx2_fma() != 0 { loops.append(("avx2", Double(CK_FMA_LOOP_AVX2_FLOPS), { ck_fma_loop_avx2($0) })) }
        for (isa, flopsPerRound, loop) in loops {
            for threads in [1, 2] {
                var sink: Float = 0
                let times = Timing.measure(warmup: 1, iterations: iterations) {
                    if threads == 1 { sink += loop(rounds); return }
                    DispatchQueue.concurrentPerform(iterations: threads) { _ in _ = loop(rounds) }
                }
                var row = Timing.summary(times)
                row["bench"] = "fma_peak"; row["isa"] = isa; row["threads"] = threads
                row["gflops"] = flopsPerRound * Double(rounds * threads) / ((row["ms_median"] as! Double) * 1e6)
                row["gflops_best"] = flopsPerRound * Double(rounds * threads) / ((row["ms_min"] as! Double) * 1e6)
                row["checksum_finite"] = sink.isFinite
                Timing.emit(row)
            }
        }
        let bytes = 256 << 20
        let src = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { src.deallocate(); dst.deallocate() }
        memset(src, 1, bytes)
        memset(dst, 0, bytes)
        for threads in [1, 2] {
            let part = bytes / threads
            let times = Timing.measure(warmup: 1, iterations: iterations) {
                DispatchQueue.concurrentPerform(iterations: threads) { i in memcpy(dst + i * part, src + i * part, part) }
            }
            var row = Timing.summary(times)
            row["bench"] = "copy_bandwidth"; row["threads"] = threads; row["buffer_mb"] = bytes >> 20
            // Bytes moved: each byte is read once and written once.
            row["gbps"] = Double(2 * bytes) / ((row["ms_median"] as! Double) * 1e6)
            row["gbps_best"] = Double(2 * bytes) / ((row["ms_min"] as! Double) * 1e6)
            Timing.emit(row)
        }
    }
}
