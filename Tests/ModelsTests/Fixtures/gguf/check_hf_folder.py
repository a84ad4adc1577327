"""Checks that a Hugging Face folder TinyAlign converted from tiny_llama.gguf loads in `transformers` and
`tokenizers` and matches the original model (never run in CI).

  pip install transformers tokenizers safetensors numpy jinja2
  tinyalign convert --gguf tiny_llama.gguf --out /tmp/tiny_llama_hf
  python3 check_hf_folder.py /tmp/tiny_llama_hf

Checks: AutoConfig reads config.json as a LlamaConfig equal (on every key of tiny_llama_config.json) to the
original; AutoTokenizer loads tokenizer.json + tokenizer_config.json and encodes the fixture strings to the ids
the original tokenizer gives; its bos/eos tokens are the original ones; apply_chat_template renders the GGUF's
template; model.safetensors holds exactly the original tensors (tiny_llama_hf.safetensors).
"""
import json
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer
from transformers import AutoConfig, AutoTokenizer

folder = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


expected = json.load(open("tiny_llama_config.json"))
config = AutoConfig.from_pretrained(folder)
check(type(config).__name__ == "LlamaConfig", f"AutoConfig -> {type(config).__name__}")
as_dict = config.to_dict()
for key, value in expected.items():
    got = as_dict.get(key)
    # transformers 5 folds rope_theta and rope_scaling into rope_parameters; 4.x keeps them top-level.
    rope = as_dict.get("rope_parameters") or {}
    if key == "rope_theta" and got is None:
        got = rope.get("rope_theta")
    if key == "rope_scaling":
        got = {k: (got or rope).get(k) for k in value}
    check(got == value, f"config {key} = {got!r}")

tok = AutoTokenizer.from_pretrained(folder)
original = Tokenizer.from_file("tiny_llama_tokenizer.json")
for text, ids in json.load(open("tiny_llama_encodings.json")).items():
    check(tok(text)["input_ids"] == ids == original.encode(text).ids, f"encode {text!r}")
    check(tok.decode(ids) == original.decode(ids, skip_special_tokens=False), f"decode {text!r}")
check(tok.bos_token == "<|endoftext|>" and tok.eos_token == "<|end|>", f"bos {tok.bos_token!r} eos {tok.eos_token!r}")
rendered = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
check(rendered == "<|user|>\nhi<|end|>\n<|assistant|>\n", f"chat template renders {rendered!r}")

ours, theirs = load_file(folder + "/model.safetensors"), load_file("tiny_llama_hf.safetensors")
check(set(ours) == set(theirs), f"{len(theirs)} tensor names")
for name in sorted(theirs):
    check(ours[name].dtype == np.float32 and np.array_equal(ours[name], theirs[name]), f"tensor {name}")

print(f"{len(failures)} failed" if failures else "all checks passed")
raise SystemExit(1 if failures else 0)
