"""Checks, with llama.cpp's `gguf` package, the GGUF files TinyAlign wrote (GGUFWriterTests refreshes them when
run with TINYALIGN_WRITE_GGUF_FIXTURES=1, and fails whenever the writer's output stops matching them).

Run from this folder (never in CI):  pip install gguf numpy && python3 check_tinyalign_gguf.py
  tinyalign_written.gguf          GGUFReader opens it; the metadata has the values and types the Swift test set;
                                  as_f16 / as_bf16 / as_q8_0 / cube_q8_0 hold exactly gguf.quants.quantize(source);
                                  copied_q4_k holds the Q4_K blocks of types.gguf unchanged.
  tinyalign_tiny_llama_q8_0.gguf  TinyAlign's HF -> GGUF Q8_0 conversion of the tiny llama: same tensor names, dims and
                                  llama.* / tokenizer.* metadata as tiny_llama.gguf (gguf-py's); every 2-D tensor equals
                                  gguf.quants.quantize of gguf-py's F32 tensor (so the Q/K rows are permuted the same
                                  way), F16 where rows are not whole Q8_0 blocks, 1-D tensors F32 and identical.
  tinyalign_spm_tokenizer.json    TinyAlign's tokenizer.json for the SentencePiece vocabulary of tiny_spm.gguf: HF
                                  `tokenizers` loads it and encodes the strings of tiny_spm_encodings.json to the ids
                                  transformers' own conversion gives, and decodes them back to the same text.
"""
import numpy as np
from gguf import GGMLQuantizationType as T, GGUFReader
from gguf.quants import quantize

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def field(r, key):
    f = r.fields[key]
    return f.contents(), [t.name for t in f.types]


r = GGUFReader("tinyalign_written.gguf")
expected_meta = {
    "general.architecture": ("llama", ["STRING"]), "general.name": ("tinyalign ✓", ["STRING"]),
    "t.u8": (250, ["UINT8"]), "t.i8": (-7, ["INT8"]), "t.u16": (65535, ["UINT16"]), "t.i16": (-32768, ["INT16"]),
    "t.u32": (123456789, ["UINT32"]), "t.i32": (-5, ["INT32"]), "t.u64": (1 << 63, ["UINT64"]),
    "t.i64": (-(1 << 40), ["INT64"]), "t.f32": (0.25, ["FLOAT32"]), "t.f64": (-1e-300, ["FLOAT64"]),
    "t.bool": (True, ["BOOL"]), "t.empty_string": ("", ["STRING"]),
    "t.strings": (["a b", "Ġx", ""], ["ARRAY", "STRING"]), "t.floats": ([1.5, -2.0], ["ARRAY", "FLOAT32"]),
    "t.nested": ([1, -2, 3], ["ARRAY", "ARRAY", "INT64"]),
}
keys = [k for k in r.fields if not k.startswith("GGUF.")]
check(keys == list(expected_meta), f"metadata keys in order: {keys}")
for k, want in expected_meta.items():
    got = field(r, k)
    check(got == want, f"metadata {k} = {got}")
check(r.fields["GGUF.version"].contents() == 3, "version 3")

tensors = {t.name: t for t in r.tensors}
source = tensors["source"].data.reshape(4, 64)
check(tensors["source"].tensor_type == T.F32 and source.dtype == np.float32, "source is F32")
for name, qtype in (("as_f16", T.F16), ("as_bf16", T.BF16), ("as_q8_0", T.Q8_0)):
    t = tensors[name]
    ours = np.asarray(t.data).view(np.uint8).tobytes()
    theirs = quantize(source, qtype).view(np.uint8).tobytes()
    check(t.tensor_type == qtype and ours == theirs, f"{name}: type {t.tensor_type.name}, bytes equal quantize(source)")
cube = tensors["cube_q8_0"]
check(list(cube.shape) == [64, 2, 2] and np.asarray(cube.data).tobytes() == quantize(source.reshape(2, 2, 64), T.Q8_0).tobytes(),
      "cube_q8_0: ne [64, 2, 2], bytes equal quantize(source reshaped)")
ref = {t.name: t for t in GGUFReader("types.gguf").tensors}
check(np.asarray(tensors["copied_q4_k"].data).tobytes() == np.asarray(ref["Q4_K"].data).tobytes(), "copied_q4_k: raw Q4_K blocks unchanged")

ours = GGUFReader("tinyalign_tiny_llama_q8_0.gguf")
theirs = GGUFReader("tiny_llama.gguf")
ot = {t.name: t for t in ours.tensors}
tt = {t.name: t for t in theirs.tensors}
check(set(ot) == set(tt), f"tiny llama: same {len(tt)} tensor names")
for name, t in tt.items():
    o = ot[name]
    src = np.asarray(t.data, dtype=np.float32)
    if src.ndim == 1:
        want_type, want = T.F32, src.tobytes()
    elif src.shape[-1] % 32 == 0:
        want_type, want = T.Q8_0, quantize(src, T.Q8_0).tobytes()
    else:
        want_type, want = T.F16, quantize(src, T.F16).tobytes()
    check(o.tensor_type == want_type and list(o.shape) == list(t.shape) and np.asarray(o.data).tobytes() == want,
          f"tiny llama {name}: {o.tensor_type.name} {list(o.shape)}")
for key in ("llama.block_count", "llama.embedding_length", "llama.feed_forward_length", "llama.attention.head_count",
            "llama.attention.head_count_kv", "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon",
            "llama.context_length", "llama.rope.dimension_count", "llama.rope.scaling.factor", "llama.rope.scaling.type",
            "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
            "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.chat_template"):
    check(field(ours, key) == field(theirs, key), f"tiny llama metadata {key}")
check(field(ours, "general.file_type")[0] == 7, "general.file_type 7 (mostly Q8_0)")

import json

from tokenizers import Tokenizer

ours_tok = Tokenizer.from_file("tinyalign_spm_tokenizer.json")
ref_tok = Tokenizer.from_file("tiny_spm_tokenizer.json")
for text, ids in json.load(open("tiny_spm_encodings.json")).items():
    got = ours_tok.encode(text, add_special_tokens=False).ids
    check(got == ids, f"spm encode {text!r}")
    check(ours_tok.decode(ids) == ref_tok.decode(ids), f"spm decode {text!r}")
check(ours_tok.encode("hi").ids[0] == 1, "spm: BOS <s> added by the post-processor")

print(f"{len(failures)} failed" if failures else "all checks passed")
raise SystemExit(1 if failures else 0)
