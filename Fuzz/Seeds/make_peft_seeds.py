#!/usr/bin/env python3
"""Seeds for FuzzPEFTAdapter: adapter folders written by PEFT's save_pretrained, each packed as the target reads
them (adapter_config.json, one NUL byte, adapter_model.safetensors).

Run from the repository root, offline (made with peft 0.21.2, transformers 5, torch CPU):
  python3 Fuzz/Seeds/make_peft_seeds.py
The base models are random and tiny, with the widths the fuzz target's models have (GPT-2: vocab 16, n_embd 8,
1 layer, 2 heads; Llama: vocab 16, hidden 8, intermediate 12, 1 layer, 2 heads), so the seeds attach and merge.
"""
import os
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Corpus", "FuzzPEFTAdapter")


def gpt2():
    return GPT2LMHeadModel(GPT2Config(vocab_size=16, n_positions=8, n_embd=8, n_layer=1, n_head=2))


def llama():
    return LlamaForCausalLM(LlamaConfig(vocab_size=16, hidden_size=8, intermediate_size=12, num_hidden_layers=1,
                                        num_attention_heads=2, max_position_embeddings=8))


CASES = {
    "gpt2-c_attn-r2": (gpt2, dict(r=2, lora_alpha=4, target_modules=["c_attn"], fan_in_fan_out=True)),
    "gpt2-all-r1-rslora": (gpt2, dict(r=1, lora_alpha=2, target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True,
                                      use_rslora=True, lora_dropout=0.1)),
    "llama-qv-r2": (llama, dict(r=2, lora_alpha=8, target_modules=["q_proj", "v_proj"])),
    "llama-all-linear-r4": (llama, dict(r=4, lora_alpha=4, target_modules="all-linear")),
}

torch.manual_seed(0)
os.makedirs(OUT, exist_ok=True)
for name, (make, kwargs) in CASES.items():
    model = get_peft_model(make(), LoraConfig(task_type="CAUSAL_LM", **kwargs))
    for n, p in model.named_parameters():
        if "lora_B" in n:
            torch.nn.init.normal_(p, std=0.1)  # PEFT starts B at zero; a non-zero B makes the merge do something
    with tempfile.TemporaryDirectory() as d:
        model.save_pretrained(d)
        config = open(os.path.join(d, "adapter_config.json"), "rb").read()
        weights = open(os.path.join(d, "adapter_model.safetensors"), "rb").read()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(config + b"\0" + weights)
    print(name, len(config), len(weights))
