import Foundation

/// Training progress on stderr: a live bar redrawn in place on a terminal, plain periodic lines otherwise
/// (logs, CI, pipes).
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let start = Date()
    private let isTerminal = isatty(fileno(stderr)) != 0
    private let plainEvery: Int
    private let startStep: Int
    private var lastDraw = Date.distantPast

    /// A progress display for `total` steps; `startStep` is where a resumed run begins, so the rate and ETA
    /// count only the steps taken in this process.
    public init(total: Int, label: String, startStep: Int = 0) {
        self.total = max(total, 1)
        self.label = label
        self.startStep = startStep
        plainEvery = max(1, total / 10)
    }

    /// Reports step `step` (1-based) with named values such as `loss`.
    public func update(step: Int, _ values: [(String, Float)]) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(step - startStep) / max(elapsed, 1e-9)
        let eta = Double(total - step) / max(rate, 1e-9)
        // A value not measured yet (NaN, e.g. the eval loss before the first eval) is left out.
        let fields = values.filter { !$0.1.isNaN }.map { "\($0.0) \(String(format: "%.4f", $0.1))" }
            .joined(separator: "  ")
        let stats = String(format: "%.2f steps/s  ETA %@", rate, Self.clock(eta))
        if isTerminal {
            guard step == total || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            let width = 24, filled = width * step / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) \(bar) \(step)/\(total)  \(fields)  \(stats)\u{1B}[K".utf8))
            if step == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if step % plainEvery == 0 || step == total || step == 1 {
            FileHandle.standardError.write(Data("\(label) step \(step)/\(total)  \(fields)  \(stats)\n".utf8))
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.isFinite ? seconds : 0)
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
