import Dispatch

/// Splits `0..<count` rows into contiguous chunks over the cores when the work is large enough to pay
/// for the hand-off; small jobs run inline. `body` gets a row range and must only touch those rows.
public enum Parallel {
    /// Worker count for our own loops (OpenBLAS keeps its own threads; the two never run at once here). Settable
    /// so that ranks of a data-parallel job sharing a host split its cores instead of each taking all of them.
    nonisolated(unsafe) public static var workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

    /// Runs `body` over chunks of `0..<count`; `grain` is the minimum rows×cost worth a thread.
    public static func forRows(_ count: Int, costPerRow: Int = 1, grain: Int = 32_768,
                               _ body: (Range<Int>) -> Void) {
        let chunks = min(workers, max(1, count * max(costPerRow, 1) / grain), count)
        if chunks <= 1 { body(0..<count); return }
        let per = (count + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = c * per, hi = min(count, lo + per)
            if lo < hi { body(lo..<hi) }
        }
    }
}

import Foundation
