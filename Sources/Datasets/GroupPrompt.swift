/// How the group identity enters the model: as a prompt prefix from a template.
public struct GroupPrompt: Equatable, Codable, Sendable {
    /// The GRPO paper's template.
    public static let defaultTemplate = "Opinion of people in {group} on: {prompt}"

    /// Template with `{group}` and `{prompt}` placeholders; nil gives the unconditioned baseline (prompt alone).
    public var template: String?
    /// Where chat data puts the group: nil puts it into the first user turn with `template` (the default); a
    /// template with `{group}` puts it into a system message (`--group-as system`). Flat prompts ignore it.
    public var systemTemplate: String?

    /// A prompt builder; `template: nil` is `--no-group-prefix`.
    public init(template: String? = GroupPrompt.defaultTemplate) { self.template = template }

    /// The prompt the model sees for `prompt` asked on behalf of `group`.
    public func render(prompt: String, group: String) -> String {
        guard let template, !group.isEmpty else { return prompt }
        return template.replacingOccurrences(of: "{group}", with: group).replacingOccurrences(of: "{prompt}", with: prompt)
    }
}

extension GroupPrompt {
    /// The system message a group gets with `--group-as system` unless `--group-template` is given.
    public static let defaultSystemTemplate = "You answer as people in {group} would."

    /// The conversation the model sees for `turns` asked on behalf of `group`: without a group (or without a
    /// template) the turns unchanged; by default the first user turn's text rendered with `template` (as a flat
    /// prompt would be); with `systemTemplate` set, a system message with the group instead — put before an
    /// existing system message's text (on its own line), else as a new first message.
    public func render(turns: [ChatTurn], group: String) -> [ChatTurn] {
        guard !group.isEmpty else { return turns }
        var out = turns
        if let systemTemplate {
            let text = systemTemplate.replacingOccurrences(of: "{group}", with: group)
            if let first = out.first, first.role == "system" {
                out[0].content = text + "\n" + first.content
            } else {
                out.insert(.system(text), at: 0)
            }
            return out
        }
        guard template != nil, let i = out.firstIndex(where: { $0.role == "user" }) else { return turns }
        out[i].content = render(prompt: out[i].content, group: group)
        return out
    }
}
