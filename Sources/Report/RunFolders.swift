import Foundation

/// Where the runs under a folder are: the folder itself when it holds `run_config.json`, else the run folders
/// one or two levels below it (`runs/x/seed-0`, `runs/demo/seed-0/gr-dpo`), in name order with seeds numerically.
/// `align --seeds`, the demo and `repro goqa` write such trees; `report` and `eval` take their top folder.
public enum RunFolders {
    /// The run folders at or under `url` (empty when there are none).
    public static func find(in url: URL) -> [URL] {
        if isRun(url) { return [url] }
        var found: [URL] = []
        for child in children(url) {
            if isRun(child) { found.append(child) } else { found += children(child).filter(isRun) }
        }
        return found
    }

    /// Whether `url` is a run folder.
    public static func isRun(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("run_config.json").path)
    }

    /// Sub-folders of `url`, `seed-2` before `seed-10`, skipping the checkpoint and final folders of a run.
    static func children(_ url: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !["checkpoint", "final", "data"].contains($0) }
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            .map { url.appendingPathComponent($0) }
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
    }
}
