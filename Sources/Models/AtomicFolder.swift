import Foundation

/// Writes a whole folder or nothing: the files go into a temporary folder beside the target, which is renamed
/// into place only when complete, so a crash never leaves a half-written checkpoint.
public enum AtomicFolder {
    /// Runs `fill` on an empty staging folder, then moves it to `directory`, replacing any folder of that name.
    /// On an error the staging folder is removed and the old folder, if any, is left as it was.
    public static func write(to directory: URL, _ fill: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let pid = ProcessInfo.processInfo.processIdentifier
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(pid)")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            try fill(staging)
            if fm.fileExists(atPath: directory.path) {
                let old = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(pid)")
                try? fm.removeItem(at: old)
                try fm.moveItem(at: directory, to: old)
                try fm.moveItem(at: staging, to: directory)
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: staging, to: directory)
            }
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }
}
