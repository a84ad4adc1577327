import Foundation
@testable import TensorCore
import XCTest

/// OpenBLAS's idle workers sleep instead of spinning once `OpenBLASWorkers` has run: the timeout OpenBLAS reads is
/// ours, products stay right after its workers were stopped and started again, and a single-threaded stretch
/// after a threaded product costs this process one core, not two.
final class OpenBLASWorkersTests: XCTestCase {
    private func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func testTimeoutIsSetAndProductsStayRight() throws {
        OpenBLASWorkers.configure()
        // After the workers were stopped (or left alone), OpenBLAS products (restarting them) match a Float64 loop.
        let (m, n, k) = (67, 45, 129)
        var rng = SeededGenerator(seed: 3)
        let a = (0..<(m * k)).map { _ in rng.nextUniform() - 0.5 }, b = (0..<(k * n)).map { _ in rng.nextUniform() - 0.5 }
        var c = [Float](repeating: .nan, count: m * n)
        BLAS.openBLASGemm(a, lda: k, b, ldb: n, &c, ldc: n, m: m, n: n, k: k)
        var worst = 0.0
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
            worst = max(worst, abs(Double(c[i * n + j]) - s))
        } }
        XCTAssertLessThan(worst, 1e-5)
        // `make setup` installs Debian's OpenBLAS, whose default build runs its own pthreads workers: the ones this
        // setting is for.
        XCTAssertTrue(OpenBLASWorkers.isPthreadsBuild, "expected a pthreads OpenBLAS (openblas_get_parallel() == 1)")
        if OpenBLASWorkers.setByUser {
            // A timeout the user set is left as it is: this process neither claims the setting nor overrides it.
            XCTAssertFalse(OpenBLASWorkers.sleepWhenIdle)
            XCTAssertNotEqual(OpenBLASWorkers.timeout, 0, "OpenBLAS read no timeout of the user's")
        } else {
            XCTAssertTrue(OpenBLASWorkers.sleepWhenIdle)
            XCTAssertEqual(ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"], String(OpenBLASWorkers.quietTimeout))
            XCTAssertEqual(OpenBLASWorkers.timeout, OpenBLASWorkers.quietTimeout)
        }
    }

    /// With spinning workers, 150 ms of one-thread work right after a threaded product cost ~2 cores' worth of CPU
    /// time (the worker yields in a loop for ~0.1 s); with sleeping workers, about one.
    func testIdleWorkerDoesNotBurnACore() throws {
        OpenBLASWorkers.configure()
        XCTAssertTrue(OpenBLASWorkers.isPthreadsBuild, "expected a pthreads OpenBLAS (openblas_get_parallel() == 1)")
        // Only this process's own setting is measured; a user's timeout (the workers spin as long as they asked)
        // is checked as left alone by the test above.
        try XCTSkipIf(OpenBLASWorkers.setByUser, "OPENBLAS_THREAD_TIMEOUT was set before the tests started")
        // Two workers whatever this machine's default, so the product always leaves one idle worker to watch.
        BLAS.withThreads(2) { measureIdleWorker() }
    }

    private func measureIdleWorker() {
        XCTAssertEqual(BLAS.threads, 2)
        let n = 512
        let a = [Float](repeating: 0.25, count: n * n), b = [Float](repeating: 0.5, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var ratios: [Double] = []
        for _ in 0..<3 {
            BLAS.openBLASGemm(a, lda: n, b, ldb: n, &c, ldc: n, m: n, n: n, k: n)
            XCTAssertEqual(c[n * n - 1], Float(n) * 0.125)
            let cpu0 = processCPUSeconds(), wall0 = Date()
            var x = 0.0
            while Date().timeIntervalSince(wall0) < 0.15 { x += 1 }
            ratios.append((processCPUSeconds() - cpu0) / Date().timeIntervalSince(wall0))
            XCTAssertGreaterThan(x, 0)
        }
        XCTAssertLessThan(ratios.min()!, 1.4, "CPU seconds per wall second after a product: \(ratios)")
    }
}
