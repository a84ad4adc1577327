#!/usr/bin/env python3
"""bench_tokenizer_shapes.py - HF `tokenizers` single-thread encode speed for each model-family tokenizer shape.

Trains, with tokenizers' BpeTrainer on the bench corpus, the shapes that Tests/TokenizerTests/Fixtures/pipeline/
make_pipeline_fixtures.py defines (GPT-2, Llama 3, Qwen2, SmolLM2, Llama 2, Metaspace, Gemma, wordish), saves each
as DIR/<shape>.json for `tinyalign bench tokenizer --shapes DIR`, and times encoding the corpus one line per call
(the way the Swift bench does) with RAYON_NUM_THREADS=1.

Usage: python3 scripts/bench_tokenizer_shapes.py --corpus FILE --out DIR [--vocab-size 4096] [--repeats 3]
Needs: pip install tokenizers==0.23.3
Prints one JSON line per shape: encode MB/s (median of repeats, per-line calls and one batch call), token count.
"""
import argparse, json, os, statistics, sys, time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "TokenizerTests", "Fixtures", "pipeline"))
import make_pipeline_fixtures as shapes_module  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab-size", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated shape names")
    args = ap.parse_args()
    text = open(args.corpus, encoding="utf-8", newline="").read()
    # The Swift bench splits at "\n" only, keeping it; do the same so both encode identical strings.
    lines = [l + "\n" for l in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    else:
        lines[-1] = lines[-1][:-1]
    nbytes = len(text.encode("utf-8"))
    shapes_module.TRAIN_LINES = lines
    shapes_module.VOCAB_SIZE = args.vocab_size
    os.makedirs(args.out, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    for name, tok in shapes_module.shapes().items():
        if only and name not in only:
            continue
        tok.save(os.path.join(args.out, name + ".json"))

        def timed(fn):
            times, n = [], 0
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                n = fn()
                times.append(time.perf_counter() - t0)
            return nbytes / statistics.median(times) / 1e6, n

        per_line, ntok = timed(lambda: sum(len(tok.encode(line).ids) for line in lines))
        batch, _ = timed(lambda: sum(len(e.ids) for e in tok.encode_batch(lines)))
        print(json.dumps({"tool": "hf-tokenizers", "shape": name, "threads": os.environ["RAYON_NUM_THREADS"],
                          "corpus_bytes": nbytes, "vocab_size": tok.get_vocab_size(),
                          "encode_MBps_per_line_call": round(per_line, 2), "encode_MBps_batch": round(batch, 2),
                          "tokens": ntok}), flush=True)


if __name__ == "__main__":
    main()
