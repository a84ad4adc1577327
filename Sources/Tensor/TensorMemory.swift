import Foundation

/// Bytes held by live tensors, and the most held at once since the last `resetPeak()`.
///
/// Memory controls (logits only at scored positions, activation checkpointing, gradient accumulation) are
/// judged by how much tensor memory a step needs at its worst; RSS mixes that with the allocator's and the
/// block cache's idle pages, so tests compare this peak instead, with and without each control.
public enum TensorMemory {
    nonisolated(unsafe) private static var live = 0
    nonisolated(unsafe) private static var peak = 0
    private static let lock = NSLock()
    nonisolated(unsafe) private static var idleAtPeak = 0

    /// Bytes of tensor storage alive now.
    public static var liveBytes: Int { lock.lock(); defer { lock.unlock() }; return live }

    /// The most bytes of tensor storage alive at once since the last reset.
    public static var peakBytes: Int { lock.lock(); defer { lock.unlock() }; return peak }

    /// Bytes the block cache held idle when the peak was reached (the cache's share of RSS beyond the tensors).
    public static var idleBytesAtPeak: Int { lock.lock(); defer { lock.unlock() }; return idleAtPeak }

    /// Starts a new peak from what is alive now.
    public static func resetPeak() { lock.lock(); peak = live; idleAtPeak = BlockCache.shared.idleBytes; lock.unlock() }

    /// The peak number of bytes alive while `body` runs, above what was alive when it started.
    public static func peakBytes<R>(during body: () throws -> R) rethrows -> (result: R, bytes: Int) {
        lock.lock()
        let base = live
        peak = live
        lock.unlock()
        let r = try body()
        return (r, peakBytes - base)
    }

    static func didTake(bytes: Int) {
        lock.lock()
        live += bytes
        if live > peak { peak = live; idleAtPeak = BlockCache.shared.idleBytes }
        lock.unlock()
    }

    static func didGive(bytes: Int) {
        lock.lock()
        live -= bytes
        lock.unlock()
    }
}
