import Datasets
import Foundation
import TensorCore

/// A tokenised preference pair with its group index.
public struct EncodedPair: Equatable, Sendable {
    /// Prompt (with group prefix) + chosen response + EOS.
    public var chosen: EncodedSequence
    /// Prompt (with group prefix) + rejected response + EOS.
    public var rejected: EncodedSequence
    /// Index into the set's `groups`.
    public var group: Int
}

/// Preference pairs ready for training: tokenised with the group prefix, grouped, with counts of what did not fit.
public struct PreferenceSet {
    /// Group names; pair `group` indexes this list.
    public let groups: [String]
    /// The pairs.
    public var pairs: [EncodedPair]
    /// Pairs dropped because even the response did not fit the context.
    public var dropped = 0
    /// Pairs whose prompt was cut to fit.
    public var truncated = 0

    /// N_g: pairs per group.
    public var groupSizes: [Int] {
        var n = [Int](repeating: 0, count: groups.count)
        for p in pairs { n[p.group] += 1 }
        return n
    }

    /// Display name of a group ("" means the data had no groups).
    public static func displayName(_ group: String) -> String { group.isEmpty ? "all" : group }

    /// Tokenises `examples`; every example's group must be one of `groups`.
    public init(examples: [PreferenceExample], groups: [String], encoder: SequenceEncoder, prompt: GroupPrompt,
                file: String = "data") throws {
        self.groups = groups
        pairs = []
        let index = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($0.element, $0.offset) })
        for e in examples {
            guard let g = index[e.group] else {
                throw AlignmentError.badData(file: file, line: e.line,
                                             "unknown group \"\(e.group)\" (known: \(groups.map(Self.displayName).joined(separator: ", ")))")
            }
            guard let (c, r) = try Self.encode(e, encoder: encoder, prompt: prompt, file: file).map({ ($0.chosen, $0.rejected) })
            else { dropped += 1; continue }
            if c.promptCut || r.promptCut { truncated += 1 }
            pairs.append(EncodedPair(chosen: c, rejected: r, group: g))
        }
    }

    /// One pair's chosen and rejected sequences as training sees them: a conversation through the chat template
    /// (the group rendered into its turns), flat text with the group prefix; nil when it does not fit.
    public static func encode(_ e: PreferenceExample, encoder: SequenceEncoder, prompt: GroupPrompt,
                              file: String) throws -> (chosen: EncodedSequence, rejected: EncodedSequence)? {
        if let conversation = e.conversation {
            var pair = conversation
            pair.prompt = prompt.render(turns: pair.prompt, group: e.group)
            return try ChatEncodingErrors.located(file: file, line: e.line, { try encoder.encode(chat: pair) })
        }
        let text = prompt.render(prompt: e.prompt, group: e.group)
        guard let c = encoder.encode(prompt: text, response: e.chosen), let r = encoder.encode(prompt: text, response: e.rejected) else { return nil }
        return (c, r)
    }

    /// The group names of `examples` in first-seen order, or the names the user asked for, checked against the data.
    public static func groupNames(of examples: [PreferenceExample], requested: [String]? = nil, file: String) throws -> [String] {
        var seen: [String] = []
        for e in examples where !seen.contains(e.group) { seen.append(e.group) }
        guard let requested, !requested.isEmpty else { return seen.sorted() }
        for g in requested where !seen.contains(g) {
            throw AlignmentError.badData(file: file, line: 0, "group \"\(g)\" does not occur in the data (it has: \(seen.map(displayName).joined(separator: ", ")))")
        }
        return requested
    }
}

/// Per-group train / validation / test splits with a fixed seed (80/10/10 by default).
public enum GroupSplit {
    /// Splits each group's examples separately, so every group appears in every split in proportion.
    public static func split(_ examples: [PreferenceExample], seed: UInt64, fractions: (Double, Double) = (0.8, 0.1))
        -> (train: [PreferenceExample], validation: [PreferenceExample], test: [PreferenceExample]) {
        split(examples, group: \.group, seed: seed, fractions: fractions)
    }

    /// The same per-group split for any kind of example (rankings too).
    public static func split<T>(_ examples: [T], group: (T) -> String, seed: UInt64, fractions: (Double, Double) = (0.8, 0.1))
        -> (train: [T], validation: [T], test: [T]) {
        var rng = SeededGenerator(seed: seed)
        var byGroup: [String: [T]] = [:]
        for e in examples { byGroup[group(e), default: []].append(e) }
        var train: [T] = [], validation: [T] = [], test: [T] = []
        for name in byGroup.keys.sorted() {
            var items = byGroup[name]!
            items.shuffle(using: &rng)
            let nTrain = Int((Double(items.count) * fractions.0).rounded())
            let nVal = Int((Double(items.count) * fractions.1).rounded())
            train += items[..<nTrain]
            validation += items[nTrain..<min(items.count, nTrain + nVal)]
            test += items[min(items.count, nTrain + nVal)...]
        }
        return (train, validation, test)
    }
}
