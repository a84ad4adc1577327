import Foundation

/// Where TinyAlign keeps what it can recompute (token ids of a corpus, reference log-probabilities): never
/// beside the data, which may be read-only, but in a folder that can be written.
///
/// In order: the folder given (`--cache-dir`), `$TINYALIGN_CACHE_DIR`, `$XDG_CACHE_HOME/tinyalign`,
/// `~/.cache/tinyalign`, and the system's temporary folder; the first that exists or can be created wins. A
/// cache that cannot be written is skipped (the values are recomputed), never an error.
public enum CacheFolder {
    /// The cache folder to use, created.
    public static func resolve(_ explicit: URL? = nil) -> URL? {
        let env = ProcessInfo.processInfo.environment
        var candidates: [URL] = []
        if let explicit { candidates.append(explicit) }
        if let dir = env["TINYALIGN_CACHE_DIR"], !dir.isEmpty { candidates.append(URL(fileURLWithPath: dir)) }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { candidates.append(URL(fileURLWithPath: xdg).appendingPathComponent("tinyalign")) }
        candidates.append(FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tinyalign"))
        candidates.append(FileManager.default.temporaryDirectory.appendingPathComponent("tinyalign-cache"))
        for url in candidates where writable(url) { return url }
        return nil
    }

    /// Whether `url` is (or can be made) a folder this process can write into.
    static func writable(_ url: URL) -> Bool {
        guard (try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)) != nil else { return false }
        return FileManager.default.isWritableFile(atPath: url.path)
    }
}
