import Alignment
import Datasets
import Foundation
import Models
import Tokenizer
import Training

/// Samples during evaluation, as TRL's `generate_during_eval`: at every evaluation the policy's greedy answers
/// to a fixed handful of held-out prompts per group go into `<out>/samples.jsonl` (one line per prompt, with the
/// step), and the share of held-out prompts per group whose greedy answer is the chosen response becomes the
/// metric `group/<g>/greedy/chosen` (`greedy/chosen` over all, `worst_group/greedy/chosen`). On survey data the
/// chosen response is the group's preferred option, so this is the plainest "did alignment work for this group".
public final class EvalSamples {
    /// One held-out prompt: its group, the prompt ids as training saw them, and the responses to compare with.
    struct Item {
        var group: String
        var prompt: String
        var ids: [Int32]
        var chosen: String
        var rejected: String
    }

    /// Prompts per group whose answers are written to samples.jsonl.
    public static let samplesPerGroup = 3
    /// Most held-out prompts per group the greedy-chosen share is measured on.
    public static let ratePromptsPerGroup = 32
    /// Most new tokens of a sample (answers of the rate stop at EOS well before).
    public static let maxNewTokens = 24

    let items: [Item]
    let groups: [String]
    let tokenizer: any TextTokenizer
    let eos: Int32
    private var log: MetricsLog?

    /// The first `ratePromptsPerGroup` examples of each group of `examples` (held-out data), encoded as training
    /// encodes them; `out` (when given) receives samples.jsonl, continued after `resumeStep` on a resume.
    init(examples: [PreferenceExample], groups: [String], prompt: GroupPrompt, encoder: SequenceEncoder, eos: Int32,
         out: URL?, resumeStep: Int) throws {
        var items: [Item] = []
        for g in groups {
            for e in examples.filter({ $0.group == g }).prefix(Self.ratePromptsPerGroup) {
                // as training encodes the pair: a conversation's prompt through the chat template (the generation prompt
                // included), so a chat model answers here as it does in `chat`
                guard let seq = try PreferenceSet.encode(e, encoder: encoder, prompt: prompt, file: "validation data")?.chosen else { continue }
                items.append(Item(group: PreferenceSet.displayName(g), prompt: e.prompt, ids: Array(seq.ids[..<seq.responseStart]),
                                  chosen: e.chosen, rejected: e.rejected))
            }
        }
        self.items = items
        self.groups = groups.map(PreferenceSet.displayName)
        tokenizer = encoder.tokenizer
        self.eos = eos
        log = try out.map { try MetricsLog(url: $0.appendingPathComponent("samples.jsonl"), truncateAfterStep: resumeStep > 0 ? resumeStep : nil) }
    }

    /// Whether a greedy answer is `response`: the same text, or `response` followed by something that is not a
    /// letter or digit (" A" answers " A" and " A. Agree", not " Apple").
    public static func answers(_ answer: String, _ response: String) -> Bool {
        let a = answer.trimmingCharacters(in: .whitespacesAndNewlines), r = response.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !r.isEmpty, a.hasPrefix(r) else { return false }
        guard let next = a.dropFirst(r.count).first else { return true }
        return !(next.isLetter || next.isNumber)
    }

    /// Generates for every item with `model`, writes the samples of `step` and returns the greedy-chosen shares.
    func evaluate(model: any CausalLanguageModel, step: Int) throws -> [String: Double] {
        var hits: [String: (Int, Int)] = [:]
        var written: [String: Int] = [:]
        for item in items {
            let answer = try GeneratedText.greedy(model: model, tokenizer: tokenizer, eos: eos, prompt: item.ids,
                                                  maxNewTokens: Self.maxNewTokens)
            let chosen = Self.answers(answer, item.chosen)
            hits[item.group, default: (0, 0)].0 += chosen ? 1 : 0
            hits[item.group, default: (0, 0)].1 += 1
            if written[item.group, default: 0] < Self.samplesPerGroup {
                written[item.group, default: 0] += 1
                try log?.write(["step": step, "group": item.group, "prompt": item.prompt, "answer": answer,
                                "chosen": item.chosen, "rejected": item.rejected, "answers_chosen": chosen,
                                "answers_rejected": Self.answers(answer, item.rejected)])
            }
        }
        var metrics: [String: Double] = [:]
        var shares: [Double] = []
        for g in groups {
            guard let (hit, total) = hits[g], total > 0 else { continue }
            let share = Double(hit) / Double(total)
            metrics["group/\(g)/greedy/chosen"] = share
            shares.append(share)
        }
        let all = hits.values.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        if all.1 > 0 { metrics["greedy/chosen"] = Double(all.0) / Double(all.1) }
        if let worst = shares.min() { metrics["worst_group/greedy/chosen"] = worst }
        return metrics
    }
}
