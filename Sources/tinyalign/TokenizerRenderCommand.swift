import ArgumentParser
import Foundation
import Tokenizer

extension TokenizerCommand {
    /// `tinyalign tokenizer render`: prints exactly the text a chat model sees for a conversation, from the model
    /// folder's chat template (read as transformers reads it: `chat_template.jinja` and `additional_chat_templates/`
    /// over `tokenizer_config.json`'s `chat_template`; "tool_use" when the conversation has tools) and its special
    /// tokens.
    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what a chat model sees: its chat template applied to a conversation (like apply_chat_template).")

        @Option(help: "A model folder with tokenizer_config.json (and optionally chat_template.jinja).") var model: String
        @Option(help: "A JSON file: an array of {role, content, …} messages, or {\"messages\": […], \"tools\": […]}.")
        var messages: String
        @Flag(help: "End with the assistant header, ready for the model to answer.") var addGenerationPrompt = false
        @Flag(help: "Leave the last message open for the model to continue (transformers' continue_final_message).")
        var continueFinalMessage = false
        @Option(help: "Use the named template of a list-form chat_template (e.g. tool_use).") var template: String?
        @Option(name: .customLong("var"), parsing: .singleValue,
                help: "An extra template variable as name=JSON, e.g. --var enable_thinking=false (repeatable).")
        var variables: [String] = []

        func run() throws {
            try CommandSupport.oneLine {
                let configPath = (model as NSString).appendingPathComponent("tokenizer_config.json")
                guard FileManager.default.fileExists(atPath: configPath) else { throw CLIError("\(configPath): file not found") }
                let config = try TokenizerConfig(modelFolder: model)
                guard let text = try? String(contentsOfFile: messages, encoding: .utf8) else {
                    throw CLIError("\(messages): cannot read the messages file")
                }
                var conversation: [JinjaValue]
                var extra = config.templateVariables
                var tools: JinjaValue?
                switch try JinjaValue.parseJSON(text, what: messages) {
                case let .list(list): conversation = list
                case let .dict(d):
                    guard case let .list(list)? = d["messages"] else { throw CLIError("\(messages): field 'messages' must be a list") }
                    conversation = list
                    tools = d["tools"]
                    for e in d.entries where e.key != "messages" && e.key != "tools" { extra[e.key] = e.value }
                default: throw CLIError("\(messages): must hold a JSON array of messages or an object with 'messages'")
                }
                for variable in variables {
                    guard let eq = variable.firstIndex(of: "=") else { throw CLIError("--var \(variable): expected name=JSON") }
                    let name = String(variable[..<eq]), value = String(variable[variable.index(after: eq)...])
                    extra[name] = (try? JinjaValue.parseJSON(value, what: "--var \(name)")) ?? .string(value)
                }
                let source: String
                if let name = template {
                    guard let named = config.chatTemplates[name] else {
                        throw CLIError("\(model): no chat template named '\(name)' (have: \(config.chatTemplates.keys.sorted().joined(separator: ", ")))")
                    }
                    source = named
                } else {
                    guard let chosen = config.chatTemplate(withTools: tools != nil) else {
                        throw CLIError("\(model): no default chat template (tokenizer_config.json or chat_template.jinja)")
                    }
                    source = chosen
                }
                let chat: ChatTemplate
                do { chat = try ChatTemplate(source: source) } catch { throw CLIError("\(model): \(error)") }
                let rendered = try chat.render(messages: conversation, addGenerationPrompt: addGenerationPrompt,
                                               continueFinalMessage: continueFinalMessage, bosToken: config.bosToken,
                                               eosToken: config.eosToken, tools: tools, extra: extra)
                FileHandle.standardOutput.write(Data(rendered.utf8))
            }
        }
    }
}
