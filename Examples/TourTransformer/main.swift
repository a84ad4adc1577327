// Tour, chapter 3: the transformer. A two-layer GPT (pre-LayerNorm blocks, causal self-attention, GELU MLP, tied
// head) learns a repeating token pattern through the library API: `GPT`, `loss(_:targets:batch:)`, `AdamW`.
import Autograd
import Foundation
import Models
import TensorCore

let config = GPTConfig(vocabSize: 16, nPositions: 16, nEmbd: 32, nLayer: 2, nHead: 2)
let model = try GPT(config, seed: 0)
let pattern: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]
let ids = Array((pattern + pattern).prefix(15))          // inputs  t = 0 … 14
let targets = Array((pattern + pattern).dropFirst().prefix(15))  // targets t + 1
let optimizer = try AdamW(parameters: model.parameters, lr: 3e-3, weightDecay: 0)

var first: Float = 0, last: Float = 0
for step in 0..<60 {
    let loss = try model.loss(ids, targets: targets, batch: 1)
    if step == 0 { first = loss.value.scalars[0] }
    last = loss.value.scalars[0]
    for p in model.parameters { p.zeroGrad() }
    loss.backward()
    optimizer.step()
}
// Greedy continuation of the pattern's start, with the KV cache.
let generated = try model.generate(prompt: [1, 2, 3], maxNewTokens: 5)

print("parameters \(model.parameterCount)")
print(String(format: "loss at step 1: %.3f (ln 16 = %.3f)", first, Foundation.log(16.0)))
print(String(format: "loss at step 60: %.3f", last))
print("greedy continuation of [1, 2, 3]: \(generated.map(Int.init))")
