import Foundation

/// Writes that never leave a half-written file: the data goes to a temporary file in the same folder, which is
/// then renamed over the destination (rename is atomic within one file system).
enum AtomicFile {
    /// Replaces the file at `path` with `data`.
    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: temp)
        } catch {
            throw TokenizerError.io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
        if rename(temp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw TokenizerError.io(path: path, reason: "cannot replace: \(reason)")
        }
    }

    /// The bytes of the file at `path`, or an error naming it.
    static func read(_ path: String) throws -> Data {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TokenizerError.io(path: path, reason: "no such file")
        }
        if isFolder.boolValue { throw TokenizerError.io(path: path, reason: "is a folder, not a file") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TokenizerError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
    }
}
