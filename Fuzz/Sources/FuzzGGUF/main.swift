import FuzzSupport
import Foundation
@testable import Models

// One input: a whole GGUF file. The header, metadata and tensor table must come back as a value or an error;
// every tensor small enough is dequantized (its bounds were checked by the reader), and the metadata is mapped to
// a Hugging Face config.json and tokenizer files as `tinyalign convert` maps them.
runFuzzer { bytes in
    guard let file = try? GGUFFile(data: Data(bytes), path: "fuzz.gguf") else { return }
    for info in file.tensors where info.elementCount <= 1 << 20 {
        if let t = try? file.tensor(info) { precondition(t.shape == info.shape) }
    }
    _ = try? GGUFConfigMapping.architecture(of: file)
    _ = try? GGUFConfigMapping.huggingFaceConfig(of: file)
    var notes: [String] = []
    _ = try? GGUFTokenizerMapping.huggingFaceFiles(of: file, notes: &notes)
}
