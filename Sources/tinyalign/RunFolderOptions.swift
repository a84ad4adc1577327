import ArgumentParser
import Foundation

/// `--overwrite`: the one way to train again into a run folder that already holds a finished run. Without it a
/// finished run is never silently replaced; `--resume` (which takes no step on a finished run) is the other way.
struct RunFolderOptions: ParsableArguments {
    @Flag(help: "Replace a finished run already in --out (without it, such a folder is refused).") var overwrite = false

    /// The marks a finished run leaves in its folder: `final/` of the driver, `em.json` of EM-DPO.
    static let finishedMarks = ["final/config.json", "final/gpo_config.json", "em.json"]

    /// Refuses `out` when it holds a finished run, unless the user asked to overwrite or resume it.
    func check(out: String, resume: Bool) throws {
        guard !overwrite, !resume else { return }
        let folder = URL(fileURLWithPath: out)
        for mark in Self.finishedMarks where FileManager.default.fileExists(atPath: folder.appendingPathComponent(mark).path) {
            throw ValidationError("\(out) already holds a finished run (\(mark)); pass --overwrite to replace it, --resume to keep it, or choose another --out")
        }
    }
}
