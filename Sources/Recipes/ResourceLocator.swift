import Foundation

/// Finds the files that ship with TinyAlign (the demo's `checkpoints/survey-base`) wherever the binary is run
/// from: a relative path is tried against the current folder, then against the folder of the executable and each
/// of its parents (a build in `<repo>/.build/release/` finds `<repo>/checkpoints`), and against
/// `share/tinyalign/` beside them (an installed `bin/tinyalign` finds `share/tinyalign/checkpoints`).
public enum ResourceLocator {
    /// The running executable, symlinks resolved (`/proc/self/exe` on Linux, else `argv[0]`).
    public static var executable: URL {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    }

    /// The places `path` is looked for, in order.
    public static func candidates(_ path: String, currentFolder: URL, executable: URL) -> [URL] {
        if path.hasPrefix("/") { return [URL(fileURLWithPath: path)] }
        var places = [currentFolder.appendingPathComponent(path)]
        var folder = executable.deletingLastPathComponent().standardizedFileURL
        while true {
            places.append(folder.appendingPathComponent(path))
            places.append(folder.appendingPathComponent("share/tinyalign").appendingPathComponent(path))
            let parent = folder.deletingLastPathComponent().standardizedFileURL
            if parent.path == folder.path { break }
            folder = parent
        }
        return places
    }

    /// The first existing place of `path`; throws naming every place looked at when there is none.
    public static func locate(_ path: String, currentFolder: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                              executable: URL = ResourceLocator.executable) throws -> URL {
        let places = candidates(path, currentFolder: currentFolder, executable: executable)
        if let found = places.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found }
        throw RecipeResourceError.notFound(path, searched: places.prefix(4).map(\.path))
    }
}

/// A file that ships with TinyAlign was not found.
public enum RecipeResourceError: Error, CustomStringConvertible {
    /// `path` is in none of the `searched` places.
    case notFound(String, searched: [String])

    /// One line: what is missing and where it was looked for.
    public var description: String {
        switch self {
        case let .notFound(path, searched):
            return "\(path) not found (looked in \(searched.joined(separator: ", ")), …); pass its folder explicitly"
        }
    }
}
