import Datasets
import Autograd
import Models
import Training
import TensorCore

/// One pre-LN block of the GPO transformer: context attention and a GELU MLP (4×), each added to the residual.
final class GPOBlock: Module {
    let ln1: LayerNorm
    let qkv: Linear
    let proj: Linear
    let ln2: LayerNorm
    let fc: Linear
    let fcProj: Linear
    let heads: Int

    /// Weights ~ N(0, 1/fan_in), residual projections scaled by 1/√(2·layers) as in GPT-2.
    init(dModel d: Int, heads: Int, layers: Int, rng: inout SeededGenerator) {
        let std = 1 / Float(d).squareRoot(), residual = std / Float(2 * layers).squareRoot()
        ln1 = LayerNorm(d, eps: 1e-5)
        qkv = Linear(d, 3 * d, std: std, rng: &rng)
        proj = Linear(d, d, std: residual, rng: &rng)
        ln2 = LayerNorm(d, eps: 1e-5)
        fc = Linear(d, 4 * d, std: std, rng: &rng)
        fcProj = Linear(4 * d, d, std: residual / 2, rng: &rng)
        self.heads = heads
    }

    /// x: (N, d) with the context points first -> (N, d).
    func callAsFunction(_ x: Variable, contextCount: Int) throws -> Variable {
        let a = try Variable.contextAttention(qkv: qkv(ln1(x)), contextCount: contextCount, heads: heads)
        let h = try x + proj(a)
        return try h + fcProj(fc(ln2(h)).gelu())
    }

    var namedParameters: [(String, Variable)] {
        ln1.scoped("ln_1") + qkv.scoped("attn.c_attn") + proj.scoped("attn.c_proj") + ln2.scoped("ln_2")
            + fc.scoped("mlp.c_fc") + fcProj.scoped("mlp.c_proj")
    }
}
