"""Reads written_by_tinyalign.safetensors (made by our writer, see SafeTensorsWriterTests) with the real
safetensors package and prints what it finds; the output is committed as check_tinyalign_file.txt.

Run from this folder: python3 check_tinyalign_file.py > check_tinyalign_file.txt   (safetensors 0.8.0, numpy)

SafeTensorsWriterTests.testWriterReproducesCommittedFixtureByteForByte keeps the file identical to what the
writer produces today, so this check stays valid for the current writer.
"""
import struct

import numpy as np
import safetensors
from safetensors import safe_open
from safetensors.numpy import load_file

PATH = "written_by_tinyalign.safetensors"

with open(PATH, "rb") as f:
    raw = f.read()
(header_len,) = struct.unpack("<Q", raw[:8])
assert header_len % 8 == 0, "header not padded to 8 bytes"

tensors = load_file(PATH)
with safe_open(PATH, framework="numpy") as f:
    metadata = f.metadata()
    dtypes = {name: f.get_slice(name).get_dtype() for name in f.keys()}

print(f"safetensors {safetensors.__version__}: loaded {len(tensors)} tensors, header {header_len} bytes")
print(f"metadata {sorted(metadata.items())}")
for name in sorted(tensors):
    t = tensors[name]
    assert t.dtype == np.float32
    print(f"{name!r} dtype={dtypes[name]} shape={list(t.shape)} values={[float(v) for v in t.flatten()]}")
