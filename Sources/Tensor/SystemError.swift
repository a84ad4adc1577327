import Foundation

/// Turns the errors Foundation throws (`NSCocoaErrorDomain Code=640 … UserInfo={…}`) into the short reason a
/// one-line message needs; every layer that touches files uses it so that no raw `NSError` reaches a user.
public enum SystemError {
    /// `"no space left on the device"`, `"the volume is read-only"`, …; the error's own description, first line
    /// only, when it is none of the known kinds.
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        // On Linux the underlying error may be a Swift `POSIXError` value rather than an `NSError` object.
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error {
            let u = underlying as NSError
            if u.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(u.code))) }
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or folder"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
            case NSFileWriteOutOfSpaceError: return "no space left on the device"
            case NSFileWriteVolumeReadOnlyError: return "the volume is read-only"
            case NSFileWriteFileExistsError: return "a file of that name already exists"
            case NSFileReadCorruptFileError, NSPropertyListReadCorruptError: return "the data is not valid JSON"
            case NSFileReadInapplicableStringEncodingError: return "the file is not valid UTF-8"
            default: break
            }
        }
        if isFoundationError(error) {
            let text = ns.localizedFailureReason ?? ns.localizedDescription
            return text.isEmpty || text.contains("(null)") || text.contains("Error Domain=")
                ? "system error \(ns.code)" : text.split(whereSeparator: \.isNewline).joined(separator: " ")
        }
        let text = String(describing: error)
        return String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? "unknown error")
    }

    /// Whether `error` is one of Foundation's own (Cocoa or POSIX domain), not a TinyAlign error.
    public static func isFoundationError(_ error: Error) -> Bool {
        let ns = error as NSError
        return ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain
    }

    /// `path: reason` for a Foundation error (the path from its user info when it has one), else the error's
    /// own description joined onto one line.
    public static func oneLine(_ error: Error) -> String {
        guard isFoundationError(error) else {
            return String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        }
        let ns = error as NSError
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        return path.map { "\($0): \(reason(error))" } ?? reason(error)
    }
}
