import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One run of the `tinyalign` binary for the hostile-input campaign: `posix_spawn` and `wait4`, so whether a signal
/// ended it is known exactly (Foundation's `Process` does not say). Its peak RSS comes from GNU `/usr/bin/time`
/// when installed: a child spawned straight from this process inherits this process's high-water mark in Linux's
/// `ru_maxrss` (`posix_spawn` shares the address space until `exec`), so `wait4` alone would over-report; without
/// `time`, that over-report is used (still an upper bound).
struct HostileProcess {
    /// Exit status when the process exited normally.
    var status: Int32
    /// The signal that ended it, if one did (a crash, or the campaign's kill on timeout).
    var signal: Int32?
    /// The child's peak resident set, in bytes.
    var peakRSS: Int
    /// Wall-clock seconds.
    var seconds: Double
    /// Whether the campaign killed it for running past its time limit.
    var timedOut: Bool
    /// Standard output and error.
    var out: String
    var err: String

    /// Runs `binary args…` with stdin from /dev/null and stdout/stderr into files in `scratch`, killing it after
    /// `timeout` seconds.
    static func run(_ binary: String, _ args: [String], scratch: URL, environment: [String: String] = [:],
                    timeout: Double = 120) throws -> HostileProcess {
        let outPath = scratch.appendingPathComponent("stdout.txt").path, errPath = scratch.appendingPathComponent("stderr.txt").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let rssPath = scratch.appendingPathComponent("rss.txt").path
        let time = "/usr/bin/time"
        let timed = FileManager.default.isExecutableFile(atPath: time)
        let command = timed ? [time, "-f", "%M", "-o", rssPath, binary] + args : [binary] + args
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }
        var pid: pid_t = 0
        let started = Date()
        let rc = argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in
                posix_spawn(&pid, command[0], &actions, nil, UnsafeMutablePointer(mutating: a.baseAddress!),
                            UnsafeMutablePointer(mutating: e.baseAddress!))
            }
        }
        guard rc == 0 else { throw NSError(domain: "HostileProcess", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "cannot spawn \(binary)"]) }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if !timedOut && Date().timeIntervalSince(started) > timeout {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(5_000)
        }
        let seconds = Date().timeIntervalSince(started)
        var termination = status & 0x7f
        var exitStatus = (status >> 8) & 0xff
        var peak = usage.ru_maxrss * 1024
        let read = { (p: String) in String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: p))) ?? Data(), as: UTF8.self) }
        if timed, termination == 0 {
            // GNU time writes "Command terminated by signal N" or "Command exited with non-zero status N" before %M.
            let lines = read(rssPath).split(separator: "\n")
            if let kb = lines.last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) { peak = kb * 1024 }
            for line in lines {
                if line.hasPrefix("Command terminated by signal "), let n = Int32(line.split(separator: " ").last ?? "") { termination = n }
                if line.hasPrefix("Command exited with non-zero status "), let n = Int32(line.split(separator: " ").last ?? "") { exitStatus = n }
            }
        }
        return HostileProcess(status: exitStatus, signal: termination == 0 ? nil : termination,
                              peakRSS: peak, seconds: seconds, timedOut: timedOut,
                              out: read(outPath), err: read(errPath))
    }
}
