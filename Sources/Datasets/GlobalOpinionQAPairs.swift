import Foundation

/// The GRPO paper's GlobalOpinionQA pairs exactly (ALGORITHMS.md §6): the prompt is the question and its lettered
/// options after `Please select the best response:` with no `Answer:` cue, and each response is the bare letter
/// (the encoder appends EOS); the group prefix `Opinion of people in {country} on: ` is left to `GroupPrompt`.
/// The synthetic survey's pairs (`SurveyPairs`) differ only in the cue and a leading space, which suit the
/// committed base model's pretraining text; `repro goqa` uses these.
public enum GlobalOpinionQAPairs {
    /// `{question}\nPlease select the best response:\nA. {opt1}\nB. {opt2}…`.
    public static func prompt(for question: SurveyQuestion) -> String {
        var text = question.question + "\nPlease select the best response:"
        for (i, option) in question.options.enumerated() { text += "\n\(SurveyPairs.letter(i)). \(option)" }
        return text
    }

    /// One pair per (question, country) by the paper's rule (chosen = the country's most popular option, rejected =
    /// a uniformly random other one, drawn as `SurveyPairs.all` draws them), in the paper's format.
    public static func all(_ survey: Survey, seed: UInt64) throws -> [PreferenceExample] {
        let byId = Dictionary(survey.questions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return try SurveyPairs.all(survey, seed: seed).map { p in
            var out = p
            if let id = p.id, let q = byId[id] { out.prompt = prompt(for: q) }
            out.chosen = p.chosen.trimmingCharacters(in: .whitespaces)
            out.rejected = p.rejected.trimmingCharacters(in: .whitespaces)
            return out
        }
    }
}
