import Alignment
import Foundation
import Training

/// Whether a separate reference model can score the policy's sequences: the log-ratio log π(y|x) − log π_ref(y|x)
/// only means something when both read the same token ids, so the tokenizer files must be identical (their
/// fingerprints, not merely their vocabulary sizes: two BPEs of one size split text differently).
public enum ReferenceCheck {
    /// The fingerprint of a bundle's tokenizer files (`tokenizer.json`, and `tokenizer_config.json` when present).
    public static func tokenizerFingerprint(_ bundle: ModelBundle) -> String {
        bundle.extraFiles.keys.sorted().map { FileFingerprint(bytes: bundle.extraFiles[$0]!, path: $0).fnv1a }.joined(separator: "+")
    }

    /// Throws, naming the reference folder, unless `reference` tokenises as `policy` does and covers its context.
    public static func compatible(policy: ModelBundle, reference: ModelBundle, referencePath: String) throws {
        let a = tokenizerFingerprint(policy), b = tokenizerFingerprint(reference)
        guard a == b else {
            throw AlignmentError.invalidInput("--reference \(referencePath): its tokenizer files differ from the policy's "
                                              + "(fingerprint \(b) vs \(a)); a reference must use the policy's tokenizer")
        }
        guard reference.model.contextLength >= policy.model.contextLength else {
            throw AlignmentError.invalidInput("--reference \(referencePath): context of \(reference.model.contextLength) tokens is shorter than the policy's \(policy.model.contextLength)")
        }
    }
}
