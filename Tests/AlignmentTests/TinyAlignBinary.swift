import Foundation

/// Runs the built `tinyalign` executable, as a user would, for the command-line tests.
enum TinyAlignBinary {
    /// The test runner sits in the build products folder next to the `tinyalign` executable.
    static var url: URL { Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("tinyalign") }

    /// Exit status, standard output and standard error of `tinyalign args…`.
    @discardableResult
    static func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = url
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
