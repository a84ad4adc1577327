import ArgumentParser
import Autograd
import Dispatch
import Datasets
import Foundation
import Recipes
import Report
import Training
import TensorCore

/// `tinyalign bench ops`: forward and backward of the fused kernels on the `small` GPT's activation shapes at
/// batch 8 and a smollm2-135m DPO step's, as GB/s of the bytes each pass must read and write, beside this
/// machine's copy bandwidth measured in the same process just before each op.
struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops", abstract: "GB/s of the fused kernels (layer norm, softmax, GELU, cross-entropy, attention softmax, RMSNorm, RoPE, SwiGLU; forward and backward), LoRA's rank-r products, AdamW and gradient accumulation.")

    @Option(help: "Timed repetitions per op.") var iterations = 20
    @Option(help: "Run only these ops (layernorm, softmax, gelu, cross_entropy, attention_softmax, rmsnorm, rope, swiglu, lowrank_project, lowrank_reduce, lowrank_expand, adamw, axpy); all when not given.") var op: [String] = []

    func run() throws {
        let bandwidth = Self.copyBandwidth()
        Timing.emit(["bench": "memory_bandwidth", "threads": 2, "buffer_mb": 256, "memory_bandwidth_gbps": bandwidth])
        var rng = SeededGenerator(seed: 1)
        let b = 8, t = 256, c = 384, heads = 6, vocab = 256

        // Layer norm over (B·T, C). Forward reads x, weight, bias and writes y, mean, rstd; backward reads dy, x,
        // weight, mean, rstd and writes dx, dweight, dbias.
        do {
            let rows = b * t
            let x = Tensor.normal([rows, c], using: &rng), dy = Tensor.normal([rows, c], using: &rng)
            let w = Tensor.normal([c], using: &rng), bias = Tensor.normal([c], using: &rng)
            let f = try x.layerNorm(weight: w, bias: bias)
            try report("layernorm", shape: [rows, c],
                       forward: (2 * rows * c + 2 * c + 2 * rows, { _ = try x.layerNorm(weight: w, bias: bias) }),
                       backward: (3 * rows * c + c + 2 * rows + 2 * c, {
                           _ = Tensor.layerNormBackward(gradOutput: dy, input: x, weight: w, mean: f.mean, rstd: f.rstd)
                       }))
        }
        // Row softmax over (B·H·T, T). Forward reads x, writes y; backward reads y, dy, writes dx.
        do {
            let rows = b * heads * t
            let x = Tensor.normal([rows, t], using: &rng), dy = Tensor.normal([rows, t], using: &rng)
            let y = x.softmax()
            try eachAVX512Setting { impl in
                try report("softmax", shape: [rows, t], impl: impl, forward: (2 * rows * t, { _ = x.softmax() }),
                           backward: (3 * rows * t, { _ = Tensor.softmaxBackward(output: y, gradOutput: dy) }))
            }
        }
        // MLP GELU over (B·T, 4C). Forward reads x, writes y; backward reads x, dy, writes dx.
        do {
            let n = b * t * 4 * c
            let x = Tensor.normal([b * t, 4 * c], using: &rng), dy = Tensor.normal([b * t, 4 * c], using: &rng)
            // Both the portable Swift kernel (4-wide SSE) and the AVX2+FMA C kernel, when this CPU has it.
            let saved = VectorKernels.enabled
            defer { VectorKernels.enabled = saved }
            for vector in VectorKernels.available ? [false, true] : [false] {
                VectorKernels.enabled = vector
                try report("gelu", shape: [b * t, 4 * c], impl: vector ? "avx2" : "swift", forward: (2 * n, { _ = x.gelu() }),
                           backward: (3 * n, { _ = Tensor.geluBackward(input: x, gradOutput: dy) }))
            }
        }
        // Cross-entropy over (B·T, V). Forward reads logits and targets, writes logsumexp; backward reads logits,
        // targets, logsumexp and writes dlogits.
        do {
            let rows = b * t
            let z = Tensor.normal([rows, vocab], std: 2, using: &rng)
            let targets = (0..<rows).map { _ in Int32(rng.nextInt(below: vocab)) }
            let f = try Tensor.crossEntropy(logits: z, targets: targets)
            try eachAVX512Setting { impl in
                try report("cross_entropy", shape: [rows, vocab], impl: impl,
                           forward: (rows * vocab + 2 * rows, { _ = try Tensor.crossEntropy(logits: z, targets: targets) }),
                           backward: (2 * rows * vocab + 3 * rows, {
                               _ = Tensor.crossEntropyBackward(logits: z, targets: targets, logSumExp: f.logSumExp, count: f.count, gradLoss: 1)
                           }))
            }
        }
        // The Llama-family kernels on a smollm2-135m DPO step's shapes: 16 sequences of 160 tokens (2560 rows),
        // hidden 576, 9 query heads of 64, intermediate 1536.
        do {
            let rows = 2560, hidden = 576, headDim = 64, heads = 9, inter = 1536, tokens = 160
            // Attention's causal softmax rows, (16·9, 160, 160): forward reads the lower triangle of the scores
            // and writes whole rows (zeros above the diagonal); backward reads the lower triangles of P and dP and
            // writes whole rows of dS.
            let scores = Tensor.normal([rows / tokens * heads, tokens, tokens], using: &rng)
            let dP = Tensor.normal(scores.shape, using: &rng)
            let probabilities = CausalAttentionKernel.causalSoftmax(scores)
            let triangle = rows / tokens * heads * tokens * (tokens + 1) / 2, square = scores.count
            try eachRowKernelSetting { impl in
                try report("attention_softmax", shape: scores.shape, impl: impl,
                           forward: (triangle + square, { _ = CausalAttentionKernel.causalSoftmax(scores) }),
                           backward: (2 * triangle + square, {
                               _ = CausalAttentionKernel.causalSoftmaxBackward(probabilities: probabilities, gradient: dP, scale: 0.125)
                           }))
            }
            // RMSNorm: forward reads x, weight and writes y, rstd; backward reads dy, x, weight, rstd and writes
            // dx, dweight.
            let x = Tensor.normal([rows, hidden], using: &rng), dy = Tensor.normal([rows, hidden], using: &rng)
            let w = Tensor.normal([hidden], using: &rng)
            let f = try x.rmsNorm(weight: w, eps: 1e-5)
            try eachRowKernelSetting { impl in
                try report("rmsnorm", shape: [rows, hidden], impl: impl,
                           forward: (2 * rows * hidden + hidden + rows, { _ = try x.rmsNorm(weight: w, eps: 1e-5) }),
                           backward: (3 * rows * hidden + 2 * hidden + rows, {
                               _ = Tensor.rmsNormBackward(gradOutput: dy, input: x, weight: w, rstd: f.rstd)
                           }))
            }
            // RoPE on the queries: each direction reads x (and the small cos/sin tables) and writes y.
            let q = Tensor.normal([rows / tokens, tokens, heads * headDim], using: &rng)
            let angles = (0..<(tokens * headDim / 2)).map { Float($0 / (headDim / 2)) * Float($0 % (headDim / 2) + 1) * 0.01 }
            let cos = Tensor(shape: [tokens, headDim / 2], angles.map { Foundation.cos($0) })
            let sin = Tensor(shape: [tokens, headDim / 2], angles.map { Foundation.sin($0) })
            try eachRowKernelSetting { impl in
                try report("rope", shape: q.shape, impl: impl,
                           forward: (2 * q.count + 2 * cos.count, { _ = try RotaryEmbeddingKernel.forward(q, cos: cos, sin: sin, headDim: headDim) }),
                           backward: (2 * q.count + 2 * cos.count, { _ = try RotaryEmbeddingKernel.backward(q, cos: cos, sin: sin, headDim: headDim) }))
            }
            // SwiGLU silu(gate)·up: forward reads gate, up and writes out; backward reads dy, gate, up and writes
            // d gate, d up.
            let gate = Tensor.normal([rows, inter], using: &rng), up = Tensor.normal([rows, inter], using: &rng)
            let dOut = Tensor.normal([rows, inter], using: &rng)
            try eachRowKernelSetting { impl in
                try report("swiglu", shape: gate.shape, impl: impl,
                           forward: (3 * gate.count, { _ = try GatedActivationKernel.forward(gate: gate, up: up, activation: .silu) }),
                           backward: (5 * gate.count, { _ = GatedActivationKernel.backward(dOut, gate: gate, up: up, activation: .silu) }))
            }
        }
        // LoRA's rank-16 products (`LowRankKernel`) on a smollm2-135m step's widest layer input (2560 rows of the
        // MLP's 1536): project reads x and A once and writes h; reduce (an adapter's gradient) reads x and dh and
        // writes the (1536, 16) sum; expand (the fold W + s·B·A of down_proj) reads W and writes W_eff.
        do {
            let rows = 2560, k = 1536, r = 16, out = 576
            let x = Tensor.normal([rows, k], using: &rng), a = Tensor.normal([k, r], using: &rng)
            let v = Tensor.normal([rows, r], using: &rng), w = Tensor.normal([out, k], using: &rng)
            let p = Tensor.normal([out, r], using: &rng), q = Tensor.normal([r, k], using: &rng)
            var h = Tensor.zeros([rows, r]), sum = Tensor.zeros([k, r]), folded = Tensor.zeros([out, k])
            try eachRowKernelSetting { impl in
                try report("lowrank_project", shape: [rows, k, r], impl: impl, forward: (rows * k + k * r + rows * r, {
                    x.withUnsafeBufferPointer { px in a.withUnsafeBufferPointer { pa in h.withUnsafeMutableBufferPointer { ph in
                        LowRankKernel.project(px.baseAddress!, ldIn: k, rows: rows, k: k, pa.baseAddress!, r: r, into: ph.baseAddress!)
                    } } }
                }), backward: nil)
                try report("lowrank_reduce", shape: [rows, k, r], impl: impl, forward: (rows * k + rows * r + k * r, {
                    x.withUnsafeBufferPointer { px in v.withUnsafeBufferPointer { pv in sum.withUnsafeMutableBufferPointer { ps in
                        LowRankKernel.reduce(px.baseAddress!, ldIn: k, rows: rows, k: k, pv.baseAddress!, r: r, into: ps.baseAddress!)
                    } } }
                }), backward: nil)
                try report("lowrank_expand", shape: [out, k, r], impl: impl, forward: (2 * out * k + out * r + r * k, {
                    w.withUnsafeBufferPointer { pw in p.withUnsafeBufferPointer { pp in q.withUnsafeBufferPointer { pq in
                        folded.withUnsafeMutableBufferPointer { pf in
                            LowRankKernel.expand(base: pw.baseAddress!, pp.baseAddress!, pq.baseAddress!, r: r, alpha: 2,
                                                 into: pf.baseAddress!, rows: out, n: k)
                        }
                    } } }
                }), backward: nil)
            }
        }
        // AdamW over the `small` GPT's parameter count (~10.8M floats) in one tensor: each step reads the
        // parameter, gradient and both moments and writes the parameter and both moments. Gradient accumulation
        // (Tensor.add, y += a·x) on the same count reads two buffers and writes one.
        do {
            let n = 12 * 6 * c * c + (256 + 256) * c
            let p = Variable(Tensor.normal([n / c, c], std: 0.02, using: &rng), requiresGrad: true)
            p.grad = Tensor.normal([n / c, c], std: 0.01, using: &rng)
            let opt = try AdamW(parameters: [p], lr: 1e-4, weightDecay: 0.1)
            try eachAVX512Setting { impl in
                try report("adamw", shape: [n / c, c], impl: impl, forward: (7 * n, { opt.step() }), backward: nil)
            }
            var acc = Tensor.normal([n / c, c], using: &rng)
            let grad = Tensor.normal([n / c, c], using: &rng)
            try eachAVX512Setting { impl in
                try report("axpy", shape: [n / c, c], impl: impl == "avx512" && BLAS.ownLevel1 ? "avx512" : "openblas",
                           forward: (3 * n, { acc.add(grad, scale: 1e-3) }), backward: nil)
            }
        }
    }

    /// Runs `body` with the AVX-512 kernels off ("swift"), then on ("avx512") if this CPU has them.
    private func eachAVX512Setting(_ body: (String) throws -> Void) rethrows {
        let saved = VectorKernels.avx512Enabled
        defer { VectorKernels.avx512Enabled = saved }
        for wide in VectorKernels.avx512Available ? [false, true] : [false] {
            VectorKernels.avx512Enabled = wide
            try body(wide ? "avx512" : "swift")
        }
    }

    /// Runs `body` on each variant of the session-5 row kernels this CPU runs: the portable Swift loops, AVX2,
    /// AVX-512 (`VectorKernels.rowKernels`), named by what really ran.
    private func eachRowKernelSetting(_ body: (String) throws -> Void) rethrows {
        let saved = VectorKernels.wantedRowKernels
        defer { VectorKernels.wantedRowKernels = saved }
        var seen: Set<String> = []
        for wanted in [nil, .avx2, .avx512] as [VectorKernels.RowKernels?] {
            VectorKernels.wantedRowKernels = wanted
            let name = VectorKernels.rowKernels?.rawValue ?? "swift"
            if seen.insert(name).inserted { try body(name) }
        }
    }

    /// Times the forward and the backward pass of one op, each given as (4-byte floats it must move, body), and
    /// prints one JSON line per pass, beside a copy bandwidth measured just before (the cores' speed drifts from
    /// minute to minute, so a figure from the start of the run would not be comparable).
    private func report(_ op: String, shape: [Int], impl: String = "swift",
                        forward: (floats: Int, body: () throws -> Void),
                        backward: (floats: Int, body: () throws -> Void)?) throws {
        guard self.op.isEmpty || self.op.contains(op) else { return }
        let bandwidth = Self.copyBandwidth()
        for (pass, part) in [("forward", Optional(forward)), ("backward", backward)] {
            guard let part else { continue }
            var row = Timing.summary(try Timing.measure(warmup: 3, iterations: iterations, part.body))
            let gbps = Double(part.floats * 4) / ((row["ms_median"] as! Double) * 1e6)
            row["bench"] = "ops"; row["op"] = op; row["pass"] = pass; row["impl"] = impl; row["shape"] = shape
            row["threads"] = Parallel.workers
            row["gbps"] = gbps
            row["memory_bandwidth_gbps"] = bandwidth
            row["fraction_of_bandwidth"] = gbps / bandwidth
            // On a loaded machine the median mostly times the neighbours; the fastest run is what the kernel can do
            // (the copy bandwidth is a best-of-eight too).
            let best = Double(part.floats * 4) / ((row["ms_min"] as! Double) * 1e6)
            row["gbps_best"] = best
            row["fraction_of_bandwidth_best"] = best / bandwidth
            Timing.emit(row)
        }
    }

    /// Copy bandwidth in GB/s (bytes read + bytes written per second): two threads each `memcpy` half of a
    /// 256 MB buffer into another, best of several runs after the pages are touched.
    static func copyBandwidth() -> Double {
        let bytes = 256 << 20, half = bytes / 2
        let src = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { src.deallocate(); dst.deallocate() }
        memset(src, 1, bytes)
        memset(dst, 0, bytes)
        let times = Timing.measure(warmup: 1, iterations: 8) {
            DispatchQueue.concurrentPerform(iterations: 2) { i in memcpy(dst + i * half, src + i * half, half) }
        }
        return Double(2 * bytes) / (times.min()! * 1e6)
    }
}
