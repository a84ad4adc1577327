/// How the group identity enters the model: as a prompt prefix from a template.
public struct GroupPrompt: Equatable, Codable, Sendable {
    /// The GRPO paper's template.
    public static let defaultTemplate = "Opinion of people in {group} on: {prompt}"

    /// Template with `{group}` and `{prompt}` placeholders; nil gives the unconditioned baseline (prompt alone).
    public var template: String?

    /// A prompt builder; `template: nil` is `--no-group-prefix`.
    public init(template: String? = GroupPrompt.defaultTemplate) { self.template = template }

    /// The prompt the model sees for `prompt` asked on behalf of `group`.
    public func render(prompt: String, group: String) -> String {
        guard let template, !group.isEmpty else { return prompt }
        return template.replacingOccurrences(of: "{group}", with: group).replacingOccurrences(of: "{prompt}", with: prompt)
    }
}
