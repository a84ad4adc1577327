import FuzzSupport
import Foundation
@testable import Models

// One input: a Llama-family config.json (llama, qwen2, qwen3, mistral, gemma). Decoding, validation, the
// parameter count, the context length and the tensor shapes computed from it must never trap whatever the
// numbers; the model itself is not built (that allocates by design).
runFuzzer { bytes in
    let json = Data(bytes)
    guard let config = try? JSONDecoder().decode(LlamaConfig.self, from: json) else {
        _ = try? Llama.expectedTensorShapes(configJSON: json)
        return
    }
    precondition(config.contextLength >= 1)
    precondition((try? config.parameterCount()) != nil)
    if let shapes = try? Llama.expectedTensorShapes(configJSON: json) { precondition(!shapes.isEmpty) }
    _ = try? JSONEncoder().encode(config)
}
