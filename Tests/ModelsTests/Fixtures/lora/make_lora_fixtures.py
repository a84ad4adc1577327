"""Fixtures for TinyAlign's LoRA parity tests, made with PyTorch, Hugging Face transformers and PEFT.

Run from this folder (needs `pip install torch transformers peft safetensors`; never run by `swift test`):
  python3 make_lora_fixtures.py
    1. builds two random-weight base models in float32 and saves them with save_pretrained:
       llama_base/ (LlamaForCausalLM: GQA 4/2 heads, untied head, attention biases) and gpt2_base/ (GPT-2, Conv1D).
    2. wraps each with a PEFT LoRA (init_lora_weights=False, so B is not zero and the adapter changes the output;
       llama: all-linear, r 4, alpha 8, rsLoRA; gpt2: c_attn, c_proj, c_fc, r 4, alpha 16) and saves the adapter
       with PEFT's save_pretrained into <family>_peft_adapter/.
    3. writes <family>_expected.safetensors: the input ids (2 rows of 8), the base logits, PEFT's logits with the
       adapter, the logits after merge_and_unload, and the gradient of the mean next-token cross-entropy
       (labels = ids) with respect to every lora_A/lora_B tensor, under "grad.<PEFT tensor name>".
    4. if <family>_tinyalign_adapter/ exists (written by TinyAlign: run the Swift test
       `LoRAParityTests.testTinyAlignAdapterFilesAreUnchanged` once with TINYALIGN_WRITE_LORA_FIXTURES=1), loads it
       with PeftModel.from_pretrained onto the base and stores PEFT's logits as "tinyalign_adapter_logits".
"""
import os

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = 64


def bases():
    torch.manual_seed(1234)
    llama = LlamaForCausalLM(LlamaConfig(
        vocab_size=VOCAB, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=32, rms_norm_eps=1e-6, tie_word_embeddings=False,
        attention_bias=True, bos_token_id=1, eos_token_id=2, initializer_range=0.2))
    gpt2 = GPT2LMHeadModel(GPT2Config(
        vocab_size=VOCAB, n_embd=16, n_layer=2, n_head=2, n_positions=32, bos_token_id=1, eos_token_id=2,
        initializer_range=0.2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
    return {
        "llama": (llama, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", use_rslora=True,
                                    init_lora_weights=False, lora_dropout=0.0, task_type="CAUSAL_LM")),
        "gpt2": (gpt2, LoraConfig(r=4, lora_alpha=16, target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True,
                                  init_lora_weights=False, lora_dropout=0.0, task_type="CAUSAL_LM")),
    }


def main():
    ids = torch.tensor([[3, 17, 5, 42, 9, 0, 63, 12], [8, 8, 30, 1, 2, 55, 21, 7]])
    for family, (model, lora) in bases().items():
        model = model.float().eval()
        base_dir = os.path.join(HERE, f"{family}_base")
        model.save_pretrained(base_dir, safe_serialization=True)
        with torch.no_grad():
            base_logits = model(ids).logits
        torch.manual_seed(99)
        peft_model = get_peft_model(model, lora)
        # Shrink B so the adapted logits stay near the base's scale (still far from zero).
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if "lora_B" in name:
                    p.mul_(0.5)
        peft_model.save_pretrained(os.path.join(HERE, f"{family}_peft_adapter"))
        peft_model.eval()
        with torch.no_grad():
            peft_logits = peft_model(ids).logits
        peft_model.train()
        loss = peft_model(ids, labels=ids).loss
        loss.backward()
        out = {"ids": ids.float(), "base_logits": base_logits, "peft_logits": peft_logits, "loss": loss.detach().reshape(1)}
        for name, p in peft_model.named_parameters():
            if p.requires_grad:
                out["grad." + name.replace(".default", "")] = p.grad.detach().clone()
        peft_model.eval()
        merged = peft_model.merge_and_unload()
        with torch.no_grad():
            out["merged_logits"] = merged(ids).logits
        tinyalign_dir = os.path.join(HERE, f"{family}_tinyalign_adapter")
        if os.path.isdir(tinyalign_dir):
            fresh = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32).eval()
            loaded = PeftModel.from_pretrained(fresh, tinyalign_dir).eval()
            with torch.no_grad():
                out["tinyalign_adapter_logits"] = loaded(ids).logits
            print(family, "TinyAlign adapter: |PEFT - base| max", (out["tinyalign_adapter_logits"] - base_logits).abs().max().item())
        print(family, "loss", loss.item(), "|adapted - base| max", (peft_logits - base_logits).abs().max().item(),
              "|merged - unmerged| max", (out["merged_logits"] - peft_logits).abs().max().item())
        save_file({k: v.contiguous().float() for k, v in out.items()}, os.path.join(HERE, f"{family}_expected.safetensors"))


if __name__ == "__main__":
    main()
