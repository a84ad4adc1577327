"""Fixtures for TinyAlign's GPT-2 parity tests, made with PyTorch and Hugging Face transformers.

Run from this folder (needs `pip install torch transformers safetensors`; never run in CI):
  python3 make_hf_gpt2_fixtures.py create
      -> hf_gpt2/ (config.json + model.safetensors from save_pretrained) and hf_gpt2_expected.safetensors
         holding the input ids, logits, loss and some parameter gradients.
  python3 make_hf_gpt2_fixtures.py check-tinyalign
      -> loads tinyalign_gpt2/ (a folder written by TinyAlign) into GPT2LMHeadModel and writes its logits on
         the same ids to tinyalign_gpt2_hf_logits.safetensors.
"""
import sys

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel

GRAD_NAMES = [
    "transformer.wte.weight",
    "transformer.wpe.weight",
    "transformer.h.0.ln_1.weight",
    "transformer.h.0.attn.c_attn.weight",
    "transformer.h.0.attn.c_attn.bias",
    "transformer.h.1.attn.c_proj.weight",
    "transformer.h.1.mlp.c_fc.weight",
    "transformer.h.1.mlp.c_proj.bias",
    "transformer.ln_f.bias",
]


def input_ids():
    g = torch.Generator().manual_seed(1234)
    return torch.randint(0, 300, (2, 16), generator=g)


def create():
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=300, n_positions=32, n_embd=64, n_layer=2, n_head=4,
                        activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        layer_norm_epsilon=1e-5, bos_token_id=299, eos_token_id=299)
    model = GPT2LMHeadModel(config)
    # Randomise every parameter (biases and layer norms included) so that each one matters in the test.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.1 * torch.randn_like(p))
    model.eval()
    model.save_pretrained("hf_gpt2", safe_serialization=True)
    ids = input_ids()
    out = model(ids, labels=ids)
    out.loss.backward()
    params = dict(model.named_parameters())
    tensors = {
        "input_ids": ids.to(torch.float32).contiguous(),
        "logits": out.logits.detach().contiguous(),
        "loss": out.loss.detach().reshape(1).contiguous(),
    }
    for name in GRAD_NAMES:
        tensors["grad." + name] = params[name].grad.detach().contiguous()
    save_file(tensors, "hf_gpt2_expected.safetensors")
    print("loss", out.loss.item())


def check_tinyalign():
    model = GPT2LMHeadModel.from_pretrained("tinyalign_gpt2")
    model.eval()
    with torch.no_grad():
        logits = model(input_ids()).logits
    save_file({"logits": logits.contiguous()}, "tinyalign_gpt2_hf_logits.safetensors")
    print("logits[0,0,:4]", logits[0, 0, :4].tolist())


if __name__ == "__main__":
    {"create": create, "check-tinyalign": check_tinyalign}[sys.argv[1]]()
