#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TensorCore

/// An exclusive `flock` on `<out>/.lock` for as long as a run uses its folder, so that a second run into the
/// same folder is refused (naming the holder's PID) instead of interleaving `metrics.jsonl` and checkpoints.
///
/// The kernel drops the lock when the process dies, however it dies, so a killed run never blocks its resume.
/// Within one process the lock is shared (counted), so nested or successive drivers on one folder — EM-DPO's
/// M-steps, a test that resumes in-process — do not refuse each other.
public final class RunLock {
    /// The lock file.
    public let url: URL
    private let key: String

    nonisolated(unsafe) private static var held: [String: (fd: Int32, count: Int)] = [:]
    private static let guardLock = NSLock()

    /// Takes the lock on `<folder>/.lock`, creating the folder; throws `TrainingError.locked` when another
    /// process holds it.
    public init(folder: URL) throws {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw TrainingError.runFolder("\(folder.path): cannot create the run folder: \(SystemError.reason(error))")
        }
        url = folder.appendingPathComponent(".lock")
        key = folder.standardizedFileURL.resolvingSymlinksInPath().path
        Self.guardLock.lock()
        defer { Self.guardLock.unlock() }
        if let entry = Self.held[key] {
            Self.held[key] = (entry.fd, entry.count + 1)
            return
        }
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TrainingError.runFolder("\(url.path): cannot open the run lock: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 32, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            if reason == EWOULDBLOCK {
                throw TrainingError.locked("\(folder.path) is in use by another run (PID \(holder)); wait for it or choose another --out")
            }
            throw TrainingError.runFolder("\(url.path): cannot lock: \(String(cString: strerror(reason)))")
        }
        let pid = Array("\(ProcessInfo.processInfo.processIdentifier)\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        Self.held[key] = (fd, 1)
    }

    deinit {
        Self.guardLock.lock()
        defer { Self.guardLock.unlock() }
        guard let entry = Self.held[key] else { return }
        if entry.count > 1 {
            Self.held[key] = (entry.fd, entry.count - 1)
        } else {
            Self.held[key] = nil
            flock(entry.fd, LOCK_UN)
            close(entry.fd)
        }
    }
}
