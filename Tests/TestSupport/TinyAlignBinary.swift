import Foundation

/// Runs the built `tinyalign` executable, as a user would, for the command-line tests.
public enum TinyAlignBinary {
    /// The test runner sits in the build products folder next to the `tinyalign` executable.
    public static var url: URL { Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("tinyalign") }

    /// Exit status, standard output and standard error of `tinyalign args…`.
    @discardableResult
    public static func run(_ args: [String], stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = url
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
