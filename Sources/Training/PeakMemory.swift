import Foundation

/// The process's peak resident set size, for the one line every training command prints at its end and for
/// `bench` JSON: the figure a user compares with `/usr/bin/time -v` or another trainer's.
public enum PeakMemory {
    /// Peak RSS in megabytes (`VmHWM` of /proc/self/status; `getrusage`'s ru_maxrss where /proc is missing).
    public static func residentMegabytes() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                if let kb = line.split(separator: " ").compactMap({ Double($0) }).first { return kb / 1024 }
            }
        }
        var usage = rusage()
        #if os(macOS)
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / (1024 * 1024)   // bytes on macOS
        #else
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024            // kilobytes on Linux
        #endif
    }

    /// Minor page faults of this process so far: pages the kernel had to zero or map on first touch, which is what
    /// memory taken fresh from the system (rather than reused) costs.
    public static func minorFaults() -> Int {
        var usage = rusage()
        #if os(macOS)
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        #else
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        #endif
        return Int(usage.ru_minflt)
    }

    /// "peak RSS: 1234 MB", the line training commands end with.
    public static var summaryLine: String { String(format: "peak RSS: %.0f MB", residentMegabytes()) }
}
