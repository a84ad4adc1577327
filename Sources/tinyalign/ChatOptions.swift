import ArgumentParser
import Datasets

/// Where conversational data puts the group: into the first user turn (the flat prompt's `--group-template`) or
/// into a system message. Flat-string data ignores these options.
struct ChatOptions: ParsableArguments {
    /// The two places a group can go in a conversation.
    enum Placement: String, ExpressibleByArgument, CaseIterable {
        case user, system
    }

    @Option(help: "Conversational data: put the group into the first user turn (user, with --group-template) or into a system message (system, with --group-system-template).")
    var groupAs: Placement = .user
    @Option(help: "The system message of --group-as system, with {group}.")
    var groupSystemTemplate = GroupPrompt.defaultSystemTemplate

    func validate() throws {
        guard groupSystemTemplate.contains("{group}") else {
            throw ValidationError("--group-system-template must contain {group}, got \"\(groupSystemTemplate)\"")
        }
    }

    /// `prompt` with the group placement of these options (no group stays no group).
    func apply(to prompt: GroupPrompt) -> GroupPrompt {
        var p = prompt
        if groupAs == .system, prompt.template != nil { p.systemTemplate = groupSystemTemplate }
        return p
    }
}
