// Tour, chapter 4: DPO. The loss of two pairs computed by hand from the four sequence log-probs of each pair,
// checked against `DPOLoss`: ℓ = −log σ(β·[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]).
import Alignment
import Autograd
import Foundation
import TensorCore

let beta: Float = 0.1
let policyChosen: [Float] = [-12.0, -7.5], policyRejected: [Float] = [-14.0, -6.0]
let referenceChosen: [Float] = [-13.0, -7.0], referenceRejected: [Float] = [-13.5, -6.5]

var byHand: [Double] = []
for i in 0..<2 {
    let h = Double((policyChosen[i] - referenceChosen[i]) - (policyRejected[i] - referenceRejected[i]))
    byHand.append(-Foundation.log(1 / (1 + Foundation.exp(-Double(beta) * h))))
}

let batch = PairLogProbs(policyChosen: Variable(Tensor(shape: [2], policyChosen), requiresGrad: true),
                         policyRejected: Variable(Tensor(shape: [2], policyRejected), requiresGrad: true),
                         referenceChosen: Tensor(shape: [2], referenceChosen), referenceRejected: Tensor(shape: [2], referenceRejected))
let loss = try DPOLoss(beta: beta).perPairLoss(batch)
loss.sum().backward()

print(String(format: "by hand  %.6f %.6f", byHand[0], byHand[1]))
print(String(format: "DPOLoss  %.6f %.6f", loss.value.scalars[0], loss.value.scalars[1]))
// ∂ℓ/∂ log π(y_w) = −β·σ(−β h): the chosen log-prob is pushed up, harder where the pair is ranked wrong.
print(String(format: "gradient wrt log π(y_w): %.6f %.6f", batch.policyChosen.grad!.scalars[0], batch.policyChosen.grad!.scalars[1]))
