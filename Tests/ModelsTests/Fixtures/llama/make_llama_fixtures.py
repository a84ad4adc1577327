"""Fixtures for TinyAlign's Llama-family parity tests, made with PyTorch and Hugging Face transformers.

Run from this folder (needs `pip install torch transformers safetensors`; never run by `swift test`):
  python3 make_llama_fixtures.py create
      -> for each family (llama, qwen2, qwen3, mistral, gemma): <family>/ saved by save_pretrained in BF16
         and <family>_expected.safetensors holding the input ids, logits, loss, some parameter gradients and
         20 greedy tokens decoded with the KV cache, all computed in float32 from the saved BF16 weights.
         Only llama keeps its weights (sharded into model-0000N-of-0000M.safetensors with an index); the other
         folders keep config.json and generation_config.json, and their weights come from `hashed_weight`, a
         formula the Swift test repeats exactly (values rounded to BF16, as the saved checkpoint holds them),
         which keeps the committed fixtures small.
  python3 make_llama_fixtures.py check-tinyalign DIR
      -> loads every DIR/<family>/ folder written by TinyAlign (the test `testExportForTransformers`, run with
         LLAMA_EXPORT_DIR=DIR) into transformers and compares its logits with <family>_expected.safetensors.
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
from transformers import (AutoModelForCausalLM, GemmaConfig, GemmaForCausalLM, LlamaConfig, LlamaForCausalLM,
                          MistralConfig, MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM, Qwen3Config,
                          Qwen3ForCausalLM)

VOCAB = 320
COMMON = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2, attention_dropout=0.0)

FAMILIES = {
    # Llama 3 RoPE scaling with every band in play (head 16: wavelengths 6 .. 2e4 against 64/1 and 64/4),
    # untied head, attention and MLP biases.
    "llama": (LlamaConfig, LlamaForCausalLM, dict(
        max_position_embeddings=128, rope_theta=10000.0, tie_word_embeddings=False, attention_bias=True,
        mlp_bias=True, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                     "high_freq_factor": 4.0, "original_max_position_embeddings": 64})),
    # q/k/v biases; dynamic NTK scaling past 16 positions (reached by the greedy decode of 5 + 20 tokens).
    "qwen2": (Qwen2Config, Qwen2ForCausalLM, dict(
        max_position_embeddings=16, rope_theta=1000000.0, tie_word_embeddings=True,
        rope_scaling={"rope_type": "dynamic", "factor": 2.0})),
    # per-head q/k RMSNorm, explicit head_dim 32 (≠ 64 / 4).
    "qwen3": (Qwen3Config, Qwen3ForCausalLM, dict(
        max_position_embeddings=64, rope_theta=1000000.0, head_dim=32, tie_word_embeddings=True)),
    # sliding window (longer than every test sequence), linear RoPE scaling, untied head.
    "mistral": (MistralConfig, MistralForCausalLM, dict(
        max_position_embeddings=64, rope_theta=10000.0, sliding_window=48, tie_word_embeddings=False,
        rope_scaling={"rope_type": "linear", "factor": 2.0})),
    # √C embedding scale, (1 + w) norms, GeGLU (gelu_pytorch_tanh), head_dim 32, multi-query attention.
    "gemma": (GemmaConfig, GemmaForCausalLM, dict(
        max_position_embeddings=64, rope_theta=10000.0, head_dim=32, num_key_value_heads=1,
        hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True)),
}

# A few gradients per family (all of them would be most of the fixture bytes): small ones, and ones that every
# path of the graph (MLP, attention, RoPE, norms) flows into.
GRAD_NAMES = [
    "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
    "model.layers.0.self_attn.v_proj.bias", "model.layers.0.self_attn.q_norm.weight",
    "model.layers.0.self_attn.k_norm.weight", "model.layers.0.input_layernorm.weight",
    "model.layers.0.post_attention_layernorm.weight", "model.layers.1.mlp.up_proj.bias",
    "model.layers.1.mlp.down_proj.bias", "model.norm.weight",
]


def input_ids():
    g = torch.Generator().manual_seed(1234)
    return torch.randint(0, VOCAB, (2, 8), generator=g)


def prompt_ids():
    return torch.tensor([[1, 17, 42, 99, 7]])


MASK = (1 << 64) - 1


def hashed_weight(name, shape, offset):
    """Element i of parameter `name`: splitmix64(fnv1a64(name) ^ (i · golden)) >> 56 = u in 0..255, value
    offset + (u − 128) / 1024 in float32, rounded to BF16 (to nearest even). Norm weights sit near their
    identity scale (offset 1, or 0 for Gemma)."""
    seed = 0xCBF29CE484222325
    for byte in name.encode():
        seed = ((seed ^ byte) * 0x100000001B3) & MASK
    values = []
    for i in range(int(torch.tensor(shape).prod().item()) if shape else 1):
        x = seed ^ ((i * 0x9E3779B97F4A7C15) & MASK)
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
        x ^= x >> 31
        values.append(offset + ((x >> 56) - 128) / 1024)
    return torch.tensor(values, dtype=torch.float32).to(torch.bfloat16).to(torch.float32).reshape(shape)


def build(family):
    config_cls, model_cls, extra = FAMILIES[family]
    config = config_cls(**{**COMMON, **extra})
    model = model_cls._from_config(config, attn_implementation="eager", torch_dtype=torch.float32)
    with torch.no_grad():
        for name, p in model.named_parameters():
            offset = (0.0 if family == "gemma" else 1.0) if "norm" in name else 0.0
            p.copy_(hashed_weight(name, list(p.shape), offset))
    return model


def reference(folder, family):
    """Loads the saved folder back in float32 (so the numbers come from the stored BF16 weights) and records
    logits, loss, gradients and greedy tokens."""
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32, attn_implementation="eager")
    model.eval()
    ids = input_ids()
    out = model(ids, labels=ids)
    out.loss.backward()
    params = dict(model.named_parameters())
    tensors = {"input_ids": ids.to(torch.float32).contiguous(), "logits": out.logits.detach().contiguous(),
               "loss": out.loss.detach().reshape(1).contiguous(),
               "inv_freq": model.model.rotary_emb.inv_freq.detach().to(torch.float32).contiguous()}
    if family == "qwen2":
        # Dynamic NTK frequencies for a 24-token sequence, past max_position_embeddings (16).
        tensors["inv_freq_at_24"] = ROPE_INIT_FUNCTIONS["dynamic"](model.config, seq_len=24)[0].to(torch.float32).contiguous()
    for name in GRAD_NAMES:
        if name in params:
            tensors["grad." + name] = params[name].grad.detach().contiguous()
    with torch.no_grad():
        gen = model.generate(prompt_ids(), max_new_tokens=20, do_sample=False, use_cache=True, eos_token_id=None,
                             pad_token_id=0)
    tensors["prompt"] = prompt_ids().to(torch.float32).contiguous()
    tensors["greedy"] = gen[0].to(torch.float32).contiguous()
    return tensors


def create():
    for family in FAMILIES:
        model = build(family)
        folder = family
        shard = "40KB" if family == "llama" else "10GB"
        model.to(torch.bfloat16).save_pretrained(folder, safe_serialization=True, max_shard_size=shard)
        with open(os.path.join(folder, "config.json")) as f:
            saved = json.load(f)
        tensors = reference(folder, family)
        save_file(tensors, f"{family}_expected.safetensors")
        if family != "llama":
            os.remove(os.path.join(folder, "model.safetensors"))
        print(family, "loss", tensors["loss"].item(), "greedy", tensors["greedy"].long().tolist(),
              "files", sorted(os.listdir(folder)), "dtype", saved.get("dtype", saved.get("torch_dtype")))


def check_tinyalign(root):
    worst_all = 0.0
    for family in FAMILIES:
        folder = os.path.join(root, family)
        model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32, attn_implementation="eager")
        model.eval()
        expected = load_file(f"{family}_expected.safetensors")
        with torch.no_grad():
            logits = model(input_ids()).logits
        err = ((logits - expected["logits"]).abs() / (expected["logits"].abs() + 1e-3)).max().item()
        worst_all = max(worst_all, err)
        print(f"{family}: {type(model).__name__}, files {sorted(os.listdir(folder))}, max relative logit error {err:.2e}")
    print("worst", worst_all)
    sys.exit(0 if worst_all < 1e-4 else 1)


if __name__ == "__main__":
    if sys.argv[1] == "create":
        create()
    else:
        check_tinyalign(sys.argv[2])
