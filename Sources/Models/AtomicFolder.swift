#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TensorCore

/// Writes a whole folder or nothing: the files go into a staging folder beside the target, which is renamed
/// into place only when complete, so a crash never leaves a half-written checkpoint.
///
/// Replacing an existing folder takes two renames (`target` → `.target.old-PID`, then `.target.tmp-PID` →
/// `target`); a kill between them leaves no `target`, but both complete folders on disk. The staging folder is
/// marked complete (`.complete`, written and fsynced after every file, the folder itself fsynced; removed once
/// the folder is in place) before the first rename, so `recover` can always put the newest complete folder back and delete the rest.
public enum AtomicFolder {
    /// The marker file of a staging folder whose contents are all on disk.
    public static let completeMarker = ".complete"

    /// The points where a write can be interrupted, for the crash-consistency tests.
    public enum Step: String, CaseIterable, Sendable {
        /// The staging folder is filled and marked complete; nothing renamed yet.
        case staged
        /// The old folder was renamed away; the staging folder is not yet in place (the swap window).
        case oldMovedAway
        /// The new folder is in place; the old one is not yet deleted.
        case swapped
    }

    /// A simulated kill: thrown by `write` when `crashHook` asks, leaving the disk exactly as a SIGKILL would.
    public struct SimulatedCrash: Error, CustomStringConvertible {
        /// Where the write stopped.
        public var step: Step
        /// For messages.
        public var description: String { "simulated crash at \(step.rawValue)" }
    }

    /// Test hook: called at every `Step` of every write with the target folder; returning true stops the write
    /// there, as a kill would (no clean-up). Nil in normal runs.
    nonisolated(unsafe) public static var crashHook: ((URL, Step) -> Bool)?

    /// Runs `fill` on an empty staging folder, then moves it to `directory`, replacing any folder of that name.
    /// On an error the staging folder is removed and the old folder, if any, is left as it was.
    public static func write(to directory: URL, _ fill: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        do { try fm.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw TensorError.io(path: parent.path, "cannot create the folder: \(SystemError.reason(error))")
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(pid)")
        let old = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(pid)")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            try fill(staging)
            try Data().write(to: staging.appendingPathComponent(completeMarker))
            try syncTree(staging)
        } catch {
            try? fm.removeItem(at: staging)
            if let e = error as? TensorError { throw e }
            throw TensorError.io(path: directory.path, "cannot write: \(SystemError.reason(error))")
        }
        try crashPoint(directory, .staged)
        do {
            if fm.fileExists(atPath: directory.path) {
                try? fm.removeItem(at: old)
                try rename(directory, to: old)
                try crashPoint(directory, .oldMovedAway)
                try rename(staging, to: directory)
                syncFolder(parent)
                unmark(directory)
                try crashPoint(directory, .swapped)
                try? fm.removeItem(at: old)
            } else {
                try rename(staging, to: directory)
                syncFolder(parent)
                unmark(directory)
            }
        } catch let crash as SimulatedCrash {
            throw crash
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }

    /// Repairs what an interrupted `write` to `directory` left: when `directory` is missing, the newest complete
    /// folder among `.NAME.tmp-*` (marked complete, so newer) and `.NAME.old-*` (the previous folder) is renamed
    /// into place; every other staging or old folder beside it is deleted. Call it only while no other process
    /// writes there (a run holds `RunLock`). Returns whether a folder was put back.
    @discardableResult
    public static func recover(_ directory: URL) throws -> Bool {
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        let name = directory.lastPathComponent
        guard let siblings = try? fm.contentsOfDirectory(atPath: parent.path) else { return false }
        let stale = siblings.filter { $0.hasPrefix(".\(name).tmp-") || $0.hasPrefix(".\(name).old-") || $0.hasPrefix(".\(name).nosync-") }
            .map { parent.appendingPathComponent($0) }
        var restored = false
        if !fm.fileExists(atPath: directory.path) {
            let complete = { (u: URL) in fm.fileExists(atPath: u.appendingPathComponent(completeMarker).path) }
            let staged = stale.filter { $0.lastPathComponent.contains(".tmp-") && complete($0) }
            let olds = stale.filter { $0.lastPathComponent.contains(".old-") }
            if let pick = (staged + olds).first {
                try rename(pick, to: directory)
                syncFolder(parent)
                unmark(directory)
                restored = true
            }
        }
        for url in stale where fm.fileExists(atPath: url.path) { try? fm.removeItem(at: url) }
        return restored
    }

    /// A folder in place needs no marker; it is removed so checkpoints hold only their own files.
    private static func unmark(_ directory: URL) {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent(completeMarker))
    }

    private static func crashPoint(_ directory: URL, _ step: Step) throws {
        if let hook = crashHook, hook(directory, step) { throw SimulatedCrash(step: step) }
    }

    private static func rename(_ from: URL, to: URL) throws {
        #if canImport(Glibc)
        let status = Glibc.rename(from.path, to.path)
        #else
        let status = Darwin.rename(from.path, to.path)
        #endif
        guard status == 0 else {
            throw TensorError.io(path: to.path, "cannot rename \(from.lastPathComponent) into place: \(String(cString: strerror(errno)))")
        }
    }

    /// fsyncs every regular file under `folder`, then the folder, so a rename never publishes unwritten data.
    private static func syncTree(_ folder: URL) throws {
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: folder.path) {
            let url = folder.appendingPathComponent(name)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else { continue }
            if isDir.boolValue { try syncTree(url) } else { sync(url.path, flags: O_RDONLY) }
        }
        syncFolder(folder)
    }

    private static func syncFolder(_ folder: URL) { sync(folder.path, flags: O_RDONLY | O_DIRECTORY) }

    private static func sync(_ path: String, flags: Int32) {
        let fd = open(path, flags)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
