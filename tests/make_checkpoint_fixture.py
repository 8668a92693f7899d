#!/usr/bin/python3
"""Writes the PyTorch-made fixtures that tests/test-safetensors.c and tests/test-checkpoint.c read.

usage: /usr/bin/python3 tests/make_checkpoint_fixture.py [OUTDIR]   (default tests/fixtures/checkpoint)
       /usr/bin/python3 tests/make_checkpoint_fixture.py --dump FILE  (prints a file's header and
                                                                        loads every tensor)

  paper46.safetensors  the paper's Table 6 CNN (torch_cnn.py's paper_cnn) for 2 classes at
                       46x46x3, torch.manual_seed(0) initialisation, as a bare state_dict, plus
                       "input" (torch.rand(2, 3, 46, 46) from a generator seeded with 1) and
                       "logits" (the model's eval-mode output for it, [2, 1]).
  tiny.safetensors     one small tensor of every dtype Patina reads, with known values, laid
                       out the way the reference `safetensors` package lays them out (sorted by
                       alignment then name, header padded with spaces to 8 bytes).

Needs Debian's python3-torch. The safetensors package is not in Debian 12, so the format is
written by hand with struct + json, exactly as safetensors.torch.save_file would write it.
"""
import json, os, struct, sys

import torch
import torch.nn as nn

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.float16: "F16"}
SIZES = {"F32": 4, "F64": 8, "I64": 8, "F16": 2}
TORCH = {v: k for k, v in DTYPES.items()}


def save_file(tensors, path, metadata=None):
    """The reference writer's layout: tensors ordered by (alignment desc, name), contiguous
    data, compact JSON with __metadata__ first, header padded with spaces to 8 bytes."""
    order = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t in order:
        b = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def load_file(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None)
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[b:e]), dtype=TORCH[info["dtype"]]) if e > b else \
            torch.empty(0, dtype=TORCH[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out, meta, header


def paper_cnn(size, classes):
    # Identical to ../shared/peers/torch_cnn.py's paper_cnn.
    feat = nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 128, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
    n = feat(torch.zeros(1, 3, size, size)).shape[1]
    return nn.Sequential(*feat, nn.Linear(n, 512), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(512, 1 if classes == 2 else classes))


def make(outdir):
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    m = paper_cnn(46, 2)
    m.eval()
    x = torch.rand(2, 3, 46, 46, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = m(x)
    tensors = dict(m.state_dict())
    # Names that no nn.Sequential state_dict can produce, so loading ignores them.
    tensors["input"] = x
    tensors["logits"] = logits
    save_file(tensors, os.path.join(outdir, "paper46.safetensors"), {"format": "pt"})

    tiny = {
        "a.f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1,
        "b.f64": torch.tensor([1.0 / 3, -2.5e300, 0.0], dtype=torch.float64),
        "c.i64": torch.tensor([[-(2 ** 62), 7]], dtype=torch.int64),
        "d.f16": torch.tensor([1.5, -0.25, 65504.0], dtype=torch.float16),
        "e.scalar": torch.tensor(42, dtype=torch.int64),
        "f.empty": torch.zeros(0, 4, dtype=torch.float32),
    }
    save_file(tiny, os.path.join(outdir, "tiny.safetensors"),
              {"format": "pt", "note": "caf\u00e9 \"quoted\"\n"})


def dump(path):
    tensors, meta, header = load_file(path)
    print("metadata:", json.dumps(meta, indent=1))
    for name, t in tensors.items():
        print(f"{name}: {header[name]['dtype']} {list(t.shape)} sum={t.double().sum().item():.6g}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--dump":
        dump(sys.argv[2])
    else:
        here = os.path.dirname(os.path.abspath(__file__))
        make(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "fixtures", "checkpoint"))
