"""Fixtures for TinyAlign's GGUF parity tests, made with llama.cpp's `gguf` Python package (gguf-py).

Run from this folder (never in CI):  pip install gguf numpy safetensors tokenizers && python3 make_gguf_fixtures.py
  types.gguf                one small tensor of every type TinyAlign dequantizes (F32 F16 BF16 Q8_0 Q4_0 Q4_1
                            Q5_0 Q5_1 Q4_K Q5_K Q6_K), quantised with gguf.quants.quantize where gguf-py can,
                            random-but-valid raw blocks for the K-quants; plus the float sources of the quantised
                            ones, and metadata of every value type (nested arrays included), alignment 64.
  types_expected.safetensors  gguf.quants.dequantize of each tensor as read back by gguf.GGUFReader, and the sources.
  types_metadata.json       every metadata key with its gguf-py type name and value, as GGUFReader reads it.
  tiny_llama.gguf           a 2-layer llama-arch model written as convert_hf_to_gguf.py writes one: llama.* keys,
                            a byte-level BPE ("gpt2") tokenizer, a chat template, Q/K rows permuted.
  tiny_llama_hf.safetensors the original Hugging Face tensors (unpermuted, HF names).
  tiny_llama_config.json    the config.json those tensors belong to.
  tiny_llama_tokenizer.json the HF tokenizer the GGUF vocabulary came from, and tiny_llama_encodings.json, the ids
                            HF `tokenizers` gives for a few strings.
  tiny_spm.gguf             a SentencePiece BPE vocabulary (byte fallback, 400 pieces, trained with `sentencepiece`)
                            stored as convert_hf_to_gguf.py's _create_vocab_sentencepiece stores one (tokens, scores,
                            token types; tokenizer.ggml.model "llama").
  tiny_spm_tokenizer.json   the tokenizer.json `transformers` (5.x, LlamaTokenizerFast, legacy) makes of that
                            vocabulary, and tiny_spm_encodings.json, its ids for a few strings (no special tokens).
  (also needs: pip install sentencepiece transformers)
"""
import json

import numpy as np
from gguf import GGMLQuantizationType as T, GGUFReader, GGUFValueType as V, GGUFWriter
from gguf.quants import dequantize, quantize
from safetensors.numpy import save_file

rng = np.random.default_rng(20261201)

# ---------------------------------------------------------------- every tensor type
def edge_floats():
    """Values that probe float -> half rounding: ties, subnormals, overflow, signed zero, tiny values."""
    v = [0.0, -0.0, 1.0, -1.0, 65504.0, 65519.0, 65520.0, -70000.0, 6.1035156e-05, 6.0e-05, 5.96e-08,
         2.98e-08, 2.99e-08, 1e-9, 1.0009765625, 1.00048828125, 1.00146484375, 3.14159, -2.71828,
         0.333333, 1e-5, 1e-6, 1234.5678, -0.00098]
    return np.array(v + list(rng.standard_normal(64 - len(v)) * 10), dtype=np.float32)


def kquant_blocks(qtype, n_blocks):
    """Random bytes for whole blocks, with the binary16 scales set to moderate finite values."""
    from gguf.constants import GGML_QUANT_SIZES
    _, size = GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    def half(n):
        return (rng.uniform(-0.05, 0.05, size=(n_blocks, n)).astype(np.float16)).view(np.uint8)
    if qtype in (T.Q4_K, T.Q5_K):
        raw[:, 0:4] = half(2)      # d, dmin
    elif qtype == T.Q6_K:
        raw[:, 208:210] = half(1)  # d
    return raw


def write_types():
    w = GGUFWriter("types.gguf", arch="test")
    w.add_custom_alignment(64)
    # metadata of every value type
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_uint64("test.u64", 18000000000000000000)
    w.add_int64("test.i64", -9000000000000000000)
    w.add_float32("test.f32", 0.1)
    w.add_float64("test.f64", 0.1)
    w.add_bool("test.true", True)
    w.add_bool("test.false", False)
    w.add_string("test.string", "héllo, GGUF ✓")
    w.add_string("test.empty", "")
    w.add_array("test.ints", [1, -2, 3])
    w.add_array("test.floats", [0.5, -1.25])
    w.add_array("test.strings", ["a", "bc", ""])
    w.add_array("test.bools", [True, False, True])
    w.add_key_value("test.bytes", [1, 2, 255], V.ARRAY, sub_type=V.UINT8)
    w.add_key_value("test.nested", [[1, 2], [3], [4, 5, 6]], V.ARRAY)
    w.add_key_value("test.nested_strings", [["x", "y"], ["z"]], V.ARRAY)

    sources = {}
    # 32-element-block types: (4 rows, 64 columns); K-quants: (2 rows, 512 columns)
    for qtype in (T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1):
        x = (rng.standard_normal((4, 64)) * 2).astype(np.float32)
        if qtype in (T.F16, T.BF16, T.Q8_0):
            x[0] = edge_floats()
            x[1, :32] = 0.0          # an all-zero block (d = 0)
            x[2, :32] = 1e-30        # a block whose scale underflows binary16
        sources[qtype.name] = x
        data = quantize(x, qtype)
        w.add_tensor(qtype.name, data, raw_dtype=qtype)
    for qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
        raw = kquant_blocks(qtype, 4).reshape(2, -1)
        w.add_tensor(qtype.name, raw, raw_dtype=qtype)
    # a 3-d tensor, to pin the dims order (ggml ne = reversed numpy shape)
    cube = np.arange(2 * 3 * 32, dtype=np.float32).reshape(2, 3, 32)
    w.add_tensor("cube", quantize(cube, T.Q8_0), raw_dtype=T.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    r = GGUFReader("types.gguf")
    expected = {}
    for t in r.tensors:
        expected[t.name] = np.ascontiguousarray(dequantize(t.data, t.tensor_type).reshape(tuple(reversed(t.shape.tolist()))))
    for name, x in sources.items():
        expected["source." + name] = x
    save_file(expected, "types_expected.safetensors")

    meta = {}
    for name, f in r.fields.items():
        if name.startswith("GGUF."):
            continue
        meta[name] = {"types": [t.name for t in f.types], "value": f.contents()}
    # GGUFReader.contents() flattens nested arrays; record those as written (checked against the flat form).
    for name, nested in (("test.nested", [[1, 2], [3], [4, 5, 6]]), ("test.nested_strings", [["x", "y"], ["z"]])):
        assert meta[name]["value"] == [x for inner in nested for x in inner]
        meta[name]["value"] = nested
    with open("types_metadata.json", "w") as fh:
        json.dump(meta, fh, indent=1, ensure_ascii=False)


# ---------------------------------------------------------------- a tiny llama, as convert_hf_to_gguf writes it
CHAT_TEMPLATE = ("{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + "
                 "'<|end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}")
TEXTS = ["Hello world! How are you today?", "The quick brown fox jumps over the lazy dog.",
         "Opinion of people in Avalon on: family", "  spaces   and\ttabs\nnewlines 12345 éàü"]


def make_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>", "<|end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    corpus = TEXTS * 20 + ["the cat sat on the mat", "people opinions survey answers", "hello there"] * 20
    tok.train_from_iterator(corpus, trainer)
    tok.save("tiny_llama_tokenizer.json")
    enc = {t: tok.encode(t).ids for t in TEXTS}
    with open("tiny_llama_encodings.json", "w") as fh:
        json.dump(enc, fh, indent=1, ensure_ascii=False)
    return tok


def permute(w, n_head, n_head_kv):
    """convert_hf_to_gguf.py's LlamaModel.permute: interleaved rotary halves -> llama.cpp's pair order."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape))


def write_tiny_llama():
    tok = make_tokenizer()
    vocab = tok.get_vocab()
    tokens = [None] * len(vocab)
    for s, i in vocab.items():
        tokens[i] = s
    model_json = json.loads(tok.to_str())["model"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model_json["merges"]]
    special = {"<|endoftext|>", "<|end|>"}
    token_types = [3 if t in special else 1 for t in tokens]  # CONTROL / NORMAL

    n_vocab, d, ff, n_layer, n_head, n_kv, head_dim = len(tokens), 32, 48, 2, 4, 2, 8
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": d, "intermediate_size": ff,
        "num_hidden_layers": n_layer, "num_attention_heads": n_head, "num_key_value_heads": n_kv,
        "head_dim": head_dim, "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "max_position_embeddings": 128,
        "vocab_size": n_vocab, "tie_word_embeddings": False, "bos_token_id": vocab["<|endoftext|>"],
        "eos_token_id": vocab["<|end|>"], "hidden_act": "silu", "rope_scaling": {"rope_type": "linear", "factor": 2.0},
    }
    hf = {"model.embed_tokens.weight": rng.standard_normal((n_vocab, d)) * 0.1,
          "model.norm.weight": 1 + rng.standard_normal(d) * 0.1,
          "lm_head.weight": rng.standard_normal((n_vocab, d)) * 0.1}
    for i in range(n_layer):
        p = f"model.layers.{i}."
        hf[p + "input_layernorm.weight"] = 1 + rng.standard_normal(d) * 0.1
        hf[p + "post_attention_layernorm.weight"] = 1 + rng.standard_normal(d) * 0.1
        hf[p + "self_attn.q_proj.weight"] = rng.standard_normal((n_head * head_dim, d)) * 0.1
        hf[p + "self_attn.k_proj.weight"] = rng.standard_normal((n_kv * head_dim, d)) * 0.1
        hf[p + "self_attn.v_proj.weight"] = rng.standard_normal((n_kv * head_dim, d)) * 0.1
        hf[p + "self_attn.o_proj.weight"] = rng.standard_normal((d, n_head * head_dim)) * 0.1
        hf[p + "mlp.gate_proj.weight"] = rng.standard_normal((ff, d)) * 0.1
        hf[p + "mlp.up_proj.weight"] = rng.standard_normal((ff, d)) * 0.1
        hf[p + "mlp.down_proj.weight"] = rng.standard_normal((d, ff)) * 0.1
    hf = {k: v.astype(np.float32) for k, v in hf.items()}
    save_file(hf, "tiny_llama_hf.safetensors", metadata={"format": "pt"})
    with open("tiny_llama_config.json", "w") as fh:
        json.dump(config, fh, indent=1)

    w = GGUFWriter("tiny_llama.gguf", arch="llama")
    w.add_name("tiny-llama")
    w.add_vocab_size(n_vocab)
    w.add_context_length(config["max_position_embeddings"])
    w.add_embedding_length(d)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(ff)
    w.add_rope_dimension_count(head_dim)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_rope_freq_base(config["rope_theta"])
    w.add_layer_norm_rms_eps(config["rms_norm_eps"])
    w.add_rope_scaling_type(__import__("gguf").RopeScalingType.LINEAR)
    w.add_rope_scaling_factor(2.0)
    w.add_file_type(0)  # ALL_F32
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt2")
    w.add_token_list(tokens)
    w.add_token_types(token_types)
    w.add_token_merges(merges)
    w.add_bos_token_id(config["bos_token_id"])
    w.add_eos_token_id(config["eos_token_id"])
    w.add_add_bos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    names = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    per_layer = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm", "self_attn.q_proj": "attn_q",
                 "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
                 "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    for name, x in hf.items():
        if name in names:
            gname = names[name]
        else:
            i = name.split(".")[2]
            part = ".".join(name.split(".")[3:-1])
            gname = f"blk.{i}.{per_layer[part]}.weight"
        if name.endswith("q_proj.weight"):
            x = permute(x, n_head, n_head)
        elif name.endswith("k_proj.weight"):
            x = permute(x, n_head, n_kv)
        w.add_tensor(gname, np.ascontiguousarray(x))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_tiny_spm():
    import os
    import tempfile

    import sentencepiece as spm
    from tokenizers.models import BPE
    from transformers import LlamaTokenizerFast
    from transformers.convert_slow_tokenizer import SentencePieceExtractor

    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w") as fh:
            fh.write("\n".join((TEXTS + ["the cat sat on the mat", "people opinions survey answers"]) * 30))
        spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(tmp, "sp"), vocab_size=400, model_type="bpe",
                                       byte_fallback=True, character_coverage=1.0, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
                                       num_threads=1, minloglevel=2)
        model = os.path.join(tmp, "sp.model")
        sp = spm.SentencePieceProcessor(model_file=model)
        tokens, scores, types = [], [], []
        for i in range(sp.get_piece_size()):
            tokens.append(sp.id_to_piece(i))
            scores.append(sp.get_score(i))
            types.append(2 if sp.is_unknown(i) else 3 if sp.is_control(i) else 5 if sp.is_unused(i) else 6 if sp.is_byte(i) else 1)
        kw = SentencePieceExtractor(model).extract(BPE)
    tok = LlamaTokenizerFast(vocab=kw["vocab"], merges=kw["merges"], legacy=True)
    tok.backend_tokenizer.save("tiny_spm_tokenizer.json")
    enc = {t: tok(t, add_special_tokens=False).input_ids for t in TEXTS + ["zebra ĳ 日本 <0x41>"]}
    with open("tiny_spm_encodings.json", "w") as fh:
        json.dump(enc, fh, indent=1, ensure_ascii=False)

    w = GGUFWriter("tiny_spm.gguf", arch="llama")
    w.add_context_length(256)
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    write_types()
    write_tiny_llama()
    write_tiny_spm()
