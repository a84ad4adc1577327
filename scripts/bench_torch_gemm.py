#!/usr/bin/env python3
"""PyTorch's fp32 matmul (MKL on x86 wheels) on the shapes of `tinyalign bench gemm`, for a GEMM peer figure.

`tinyalign bench gemm` times our SGEMM against OpenBLAS; on machines where OpenBLAS runs old kernels that says
little about how good our kernel is. This prints the same shapes through `torch.matmul` (op(A) and op(B) as
transposed views, so MKL gets the transpose flags, not copies), one JSON line per shape and thread count, in the
fields `bench gemm` uses: medians and minima of `--rounds` calls. Run it alternately with
`tinyalign bench gemm --threads 1 --threads 2` (same session, nothing else running) and compare the medians.

    python3 scripts/bench_torch_gemm.py --threads 1 2 --only SmolLM2
"""
import argparse
import json
import statistics
import time

import torch

# (M, N, K, transA, transB, what): the list in Sources/tinyalign/BenchGemm.swift.
SHAPES = [
    (2048, 1152, 384, False, False, "small qkv fwd"),
    (2048, 1536, 384, False, False, "small mlp up fwd"),
    (2048, 384, 1536, False, False, "small mlp down fwd"),
    (2048, 384, 384, False, False, "small attn proj fwd"),
    (2048, 384, 1536, False, True, "small mlp up bwd dx"),
    (384, 1536, 2048, True, False, "small mlp up bwd dW"),
    (512, 512, 512, False, False, "square 512"),
    (1280, 576, 1536, False, False, "SmolLM2 mlp down fwd"),
    (1280, 1536, 576, False, False, "SmolLM2 mlp up fwd"),
    (1280, 49152, 576, False, True, "SmolLM2 lm_head fwd"),
    (2560, 192, 576, False, True, "SmolLM2 k/v proj fwd"),
    (2560, 576, 192, False, False, "SmolLM2 k/v proj bwd dx"),
    (192, 576, 2560, True, False, "SmolLM2 k/v proj bwd dW"),
    (1536, 576, 2560, True, False, "SmolLM2 mlp up bwd dW"),
    (2560, 576, 1536, False, False, "SmolLM2 mlp up bwd dx"),
    (2560, 16, 576, False, True, "LoRA r16 down fwd"),
    (2560, 576, 16, False, True, "LoRA r16 up fwd"),
    (16, 576, 2560, True, False, "LoRA r16 down bwd dW"),
    (576, 16, 2560, True, False, "LoRA r16 up bwd dW"),
    (2560, 8, 576, False, True, "LoRA r8 down fwd"),
    (2560, 64, 576, False, True, "LoRA r64 down fwd"),
]


def operand(rows, cols, transposed, gen):
    """op(X) of shape (rows, cols); stored (cols, rows) and viewed transposed when `transposed`."""
    if transposed:
        return torch.randn(cols, rows, generator=gen).t()
    return torch.randn(rows, cols, generator=gen)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--only", default=None, help="only shapes whose description contains this text")
    parser.add_argument("--skip-large", action="store_true", help="skip the lm_head product")
    args = parser.parse_args()
    gen = torch.Generator().manual_seed(0)
    for threads in args.threads:
        torch.set_num_threads(threads)
        for m, n, k, ta, tb, what in SHAPES:
            if args.only and args.only not in what:
                continue
            if args.skip_large and n > 8192:
                continue
            a, b = operand(m, k, ta, gen), operand(k, n, tb, gen)
            c = torch.empty(m, n)
            torch.matmul(a, b, out=c)  # warm-up: MKL's first call per shape sets up its buffers
            times = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                torch.matmul(a, b, out=c)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            print(json.dumps({
                "bench": "gemm", "impl": "torch", "shape": what, "m": m, "n": n, "k": k,
                "trans_a": ta, "trans_b": tb, "threads": threads, "rounds": args.rounds,
                "ms_median": round(median * 1e3, 3), "ms_min": round(min(times) * 1e3, 3),
                "gflops": round(2.0 * m * n * k / median / 1e9, 3),
                "torch": torch.__version__, "blas": "mkl" if torch.backends.mkl.is_available() else "other",
            }), flush=True)


if __name__ == "__main__":
    main()
