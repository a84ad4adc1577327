import ArgumentParser
import Foundation

/// Exit status of a usage error, as `getopt`-style tools use it: 2 (ArgumentParser's own is 64).
enum UsageError {
    /// The status `tinyalign` exits with when an option is unknown, missing or out of range.
    static let exitCode: Int32 = 2
}

/// The range checks every command runs in `validate()`, before any file is read or any folder created. Each
/// throws a `ValidationError` naming the option and the value, so the user sees one line and exit status 2.
enum UsageCheck {
    /// An integer option that must be at least 1.
    static func positive(_ name: String, _ value: Int?) throws {
        if let value, value <= 0 { throw ValidationError("\(name) must be positive, got \(value)") }
    }

    /// An integer option that must be 0 or more.
    static func nonNegative(_ name: String, _ value: Int?) throws {
        if let value, value < 0 { throw ValidationError("\(name) must be 0 or positive, got \(value)") }
    }

    /// A real option that must be finite and greater than 0.
    static func positive(_ name: String, _ value: Float?) throws {
        if let value, !(value.isFinite && value > 0) { throw ValidationError("\(name) must be a positive number, got \(value)") }
    }

    /// A real option that must be finite and 0 or more.
    static func nonNegative(_ name: String, _ value: Float?) throws {
        if let value, !(value.isFinite && value >= 0) { throw ValidationError("\(name) must be 0 or a positive number, got \(value)") }
    }

    /// A real option that must lie in the closed interval `range`.
    static func within(_ name: String, _ value: Float?, _ range: ClosedRange<Float>) throws {
        if let value, !(value.isFinite && range.contains(value)) {
            throw ValidationError("\(name) must lie in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
    }

    /// A finite real option of any sign.
    static func finite(_ name: String, _ value: Float?) throws {
        if let value, !value.isFinite { throw ValidationError("\(name) must be a finite number, got \(value)") }
    }
}
