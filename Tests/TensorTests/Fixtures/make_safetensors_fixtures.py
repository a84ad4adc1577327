"""Writes reference safetensors files with the real `safetensors` package, for SafeTensorsReaderTests.

Run from this folder: python3 make_safetensors_fixtures.py   (safetensors 0.8.0, torch)

Output:
  reference_mixed.safetensors  F32, F16 and BF16 tensors (matrix, scalar, empty, one-element, 3-D)
  reference_mixed.json         the expected values (every value exactly representable in its dtype),
                               shapes, dtypes and metadata, for the Swift test to compare against

safetensors.numpy cannot express bfloat16 (numpy has no such dtype), so the file is written through
safetensors.torch.save_file, which calls the same Rust serializer.
"""
import json

import torch
from safetensors import safe_open
from safetensors.torch import save_file

tensors = {
    # (k - 5.5) / 4: quarters are exact in every dtype used here.
    "f32.matrix": ((torch.arange(12, dtype=torch.float64) - 5.5) / 4).reshape(3, 4).to(torch.float32),
    "f32.scalar": torch.tensor(-2.5, dtype=torch.float32),
    "f32.empty": torch.zeros((0, 3), dtype=torch.float32),
    # Half-precision edge cases: the largest finite half, the smallest subnormal, a normal fraction, zero.
    "f16.vector": torch.tensor([-1.5, -1.0, -0.5, 0.0, 0.5, 65504.0, 2.0 ** -24, 0.333251953125], dtype=torch.float16),
    "f16.one": torch.tensor([[3.140625]], dtype=torch.float16),
    "bf16.cube": ((torch.arange(12, dtype=torch.float64) - 6) / 8).reshape(2, 3, 2).to(torch.bfloat16),
    # bfloat16 keeps float32's exponent range: 2^100 and -2^-100 are exact.
    "bf16.wide": torch.tensor([2.0 ** 100, -(2.0 ** -100), 1.0078125], dtype=torch.bfloat16),
}
metadata = {"format": "pt", "source": "make_safetensors_fixtures.py"}
save_file(tensors, "reference_mixed.safetensors", metadata=metadata)

expected = {"metadata": metadata, "tensors": {}}
with safe_open("reference_mixed.safetensors", framework="pt") as f:
    assert f.metadata() == metadata
    for name in sorted(f.keys()):
        t = f.get_tensor(name)
        assert torch.equal(t, tensors[name])
        expected["tensors"][name] = {
            "dtype": {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}[t.dtype],
            "shape": list(t.shape),
            # float64 holds every half/bfloat16/float32 value exactly, and JSON round-trips float64.
            "values": t.to(torch.float64).flatten().tolist(),
        }
with open("reference_mixed.json", "w") as out:
    json.dump(expected, out, indent=1, sort_keys=True)
    out.write("\n")
print("wrote reference_mixed.safetensors and reference_mixed.json")
