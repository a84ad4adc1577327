import TensorCore

/// llama.cpp's reordering of the rows of Llama's Q and K projections (`convert_hf_to_gguf.py`'s
/// `LlamaModel.permute`). Hugging Face rotates the two halves of each head (row i with row i + d/2); llama.cpp's
/// `llama` graph rotates adjacent pairs (row 2i with 2i + 1). The converter therefore moves, within each head
/// of d rows, row j·d/2 + i (j ∈ {0, 1}) to row 2i + j: `reshape(heads, 2, d/2, …).swapaxes(1, 2)`.
///
/// weight: (heads · d, in) or bias: (heads · d); for K the head count is the KV head count.
public enum QKPermutation {
    /// Hugging Face order → llama.cpp order (the converter's `permute`).
    public static func permute(_ t: Tensor, heads: Int) throws -> Tensor { try reorder(t, heads: heads, toGGUF: true) }

    /// llama.cpp order → Hugging Face order (the inverse).
    public static func unpermute(_ t: Tensor, heads: Int) throws -> Tensor { try reorder(t, heads: heads, toGGUF: false) }

    private static func reorder(_ t: Tensor, heads: Int, toGGUF: Bool) throws -> Tensor {
        guard let rows = t.shape.first, heads > 0, rows % (2 * heads) == 0 else {
            throw GGUFError.invalidArgument("cannot permute Q/K of shape \(t.shape) over \(heads) heads (rows must be a multiple of 2 · heads)")
        }
        let width = t.count / max(rows, 1)
        let d = rows / heads, half = d / 2
        var out = Tensor(uninitializedShape: t.shape)
        t.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for h in 0..<heads {
                    for j in 0..<2 {
                        for i in 0..<half {
                            let hfRow = h * d + j * half + i, ggufRow = h * d + 2 * i + j
                            let (from, to) = toGGUF ? (hfRow, ggufRow) : (ggufRow, hfRow)
                            for c in 0..<width { dst[to * width + c] = src[from * width + c] }
                        }
                    }
                }
            }
        }
        return out
    }
}
