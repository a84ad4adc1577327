import Foundation

/// A `tokenizer.json` post-processor: adds special tokens around the ids of one sequence (or a pair) when
/// encoding with special tokens. Without them every processor just concatenates the sequences.
protocol PostProcessor: Sendable {
    func process(_ a: [Int], _ b: [Int]?) -> [Int]
}

/// HF's TemplateProcessing: `single` / `pair` are lists of pieces, each `$A`/`$B` (the sequences) or a special
/// token name whose ids come from `special_tokens` (e.g. Llama's `<s> $A`).
struct TemplateProcessor: PostProcessor {
    enum Piece: Equatable { case sequenceA, sequenceB, special([Int]) }
    let single: [Piece]
    let pair: [Piece]

    func process(_ a: [Int], _ b: [Int]?) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(a.count + (b?.count ?? 0) + 4)
        for piece in b == nil ? single : pair {
            switch piece {
            case .sequenceA: out.append(contentsOf: a)
            case .sequenceB: out.append(contentsOf: b ?? [])
            case .special(let ids): out.append(contentsOf: ids)
            }
        }
        return out
    }
}

/// BERT's and RoBERTa's fixed templates: `cls A sep` and, for a pair, `cls A sep B sep` (RoBERTa: `sep sep` between).
struct ClassifierProcessor: PostProcessor {
    let cls: Int
    let sep: Int
    let doubleSeparator: Bool

    func process(_ a: [Int], _ b: [Int]?) -> [Int] {
        var out = [cls] + a + [sep]
        if let b { out += (doubleSeparator ? [sep] : []) + b + [sep] }
        return out
    }
}

/// Processors applied in order (ByteLevel among them only trims offsets, so it leaves ids as they are).
struct SequenceProcessor: PostProcessor {
    let stages: [PostProcessor]
    func process(_ a: [Int], _ b: [Int]?) -> [Int] {
        // Offset-only stages leave ids alone; the first processor that adds tokens consumes the pair, later ones
        // see one sequence.
        let adding = stages.filter { !($0 is ConcatenatingProcessor) }
        guard let first = adding.first else { return a + (b ?? []) }
        var ids = first.process(a, b)
        for stage in adding.dropFirst() { ids = stage.process(ids, nil) }
        return ids
    }
}

/// A processor that adds nothing (ByteLevel's offset trimming has no effect on ids).
struct ConcatenatingProcessor: PostProcessor {
    func process(_ a: [Int], _ b: [Int]?) -> [Int] { a + (b ?? []) }
}

extension JSONNode {
    /// The post-processor this JSON object describes; throws naming the field for an unknown type or a bad member.
    func postProcessor() throws -> PostProcessor {
        let type = try componentType()
        switch type {
        case "ByteLevel": return ConcatenatingProcessor()
        case "TemplateProcessing":
            var specials: [String: [Int]] = [:]
            if let map = try optional("special_tokens") {
                for (name, node) in try map.members() {
                    specials[name] = try node.required("ids").array().map { try $0.int() }
                }
            }
            func template(_ key: String) throws -> [TemplateProcessor.Piece] {
                try (optional(key)?.array() ?? []).map { item in
                    if let s = try item.optional("SpecialToken") {
                        let id = try s.required("id").string()
                        guard let ids = specials[id] else { throw s.fail("names '\(id)', which is not in special_tokens") }
                        return .special(ids)
                    }
                    if let s = try item.optional("Sequence") {
                        let id = try s.required("id").string()
                        switch id {
                        case "A": return .sequenceA
                        case "B": return .sequenceB
                        default: throw s.fail("has id '\(id)', expected \"A\" or \"B\"")
                        }
                    }
                    throw item.fail("is neither a SpecialToken nor a Sequence")
                }
            }
            return TemplateProcessor(single: try template("single"), pair: try template("pair"))
        case "BertProcessing", "RobertaProcessing":
            func token(_ key: String) throws -> Int {
                let pair = try required(key).array()
                guard pair.count == 2 else { throw try required(key).fail("is not a [token, id] pair") }
                return try pair[1].int()
            }
            return ClassifierProcessor(cls: try token("cls"), sep: try token("sep"), doubleSeparator: type == "RobertaProcessing")
        case "Sequence":
            return SequenceProcessor(stages: try required("processors").array().map { try $0.postProcessor() })
        default: throw unsupportedType(type)
        }
    }
}
