import Alignment
import ArgumentParser

/// `--prefix-sharing on|off`: whether responses that share a prompt (a pair's chosen and rejected, a ranking's
/// responses) run the prompt once, packed in one row, or once each. Results are the same up to float rounding;
/// off is the unpacked path, kept to compare against.
struct PrefixSharingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run each pair's (or ranking's) shared prompt once, in one packed row with the responses after it (on, default), or once per response (off). Same results up to float rounding.", valueName: "on|off"))
    var prefixSharing = "on"

    func validate() throws {
        guard ["on", "off"].contains(prefixSharing) else { throw ValidationError("--prefix-sharing must be on or off, got \(prefixSharing)") }
    }

    /// True for on.
    var enabled: Bool { prefixSharing == "on" }

    /// Sets the process-wide switch (`PrefixSharing.isEnabled`) before a command runs any model.
    func apply() { PrefixSharing.isEnabled = enabled }
}
