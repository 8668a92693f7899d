#!/usr/bin/python3
"""PyTorch peer of bench-viz: the same look inside the paper's Table 6 CNN, with the same weights.

usage: torch_viz.py --dir DIR [--threads 2] [--repeats 20] [--scan-repeats 3]
                    [--tile 150] [--stride 75] [--batch 16]
DIR is where bench-viz wrote model.safetensors (a Patina checkpoint: the nn.Sequential's
state_dict) and patina-viz.safetensors (the inputs and Patina's answers). Times per image,
median of the repeats, in ms:
  activations  forward hooks on every module keep each module's output (eval, no grad)
  gradcam      a forward hook on the ReLU after conv3 keeps A; backward of the class-1 logit;
  gradcampp    the map as tests/make_golden.py computes it, upsampled to the input and / max
  scan         the surface cut into tiles (unfold), forward 16 at a time, sigmoid, each pixel
               the mean of the tiles covering it
and the largest differences from Patina's answers, so like is compared with like.
Needs Debian's python3-torch; run with /usr/bin/python3. Peak memory: run it under
/usr/bin/time -v (bench/viz.sh does).
"""
import argparse, json, os, statistics, struct, time

import sys

import numpy as np
import torch, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--dir", required=True)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repeats", type=int, default=20)
p.add_argument("--scan-repeats", type=int, default=3)
p.add_argument("--tile", type=int, default=150)
p.add_argument("--stride", type=int, default=75)
p.add_argument("--batch", type=int, default=16)
a = p.parse_args()
torch.set_num_threads(a.threads)

# The same network and Grad-CAM as the golden fixtures, so the bench compares like with like.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from make_golden import gradcam_maps, paper_cnn  # noqa: E402


def load_safetensors(path):
    """The F32 tensors and metadata of a .safetensors file (no safetensors package needed)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", f"{path}: {name} is {info['dtype']}, not F32"
        lo, hi = info["data_offsets"]
        arr = np.frombuffer(data[lo:hi], dtype="<f4").reshape(info["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def timed(fn, repeats):
    """Median ms of repeats calls after one warm-up; returns (ms, last result)."""
    out = fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times), out


def max_diff(x, y):
    return (x.reshape(-1).double() - y.reshape(-1).double()).abs().max().item()


state, meta = load_safetensors(os.path.join(a.dir, "model.safetensors"))
channels, size, _ = json.loads(meta["patina.input"])
m = paper_cnn(size, len(json.loads(meta["patina.classes"])))
m.load_state_dict(state)
m.eval()
ref, _ = load_safetensors(os.path.join(a.dir, "patina-viz.safetensors"))
x = ref["x"][None]
r = {"peer": "pytorch " + torch.__version__, "threads": a.threads, "size": size}

# ---- 1. every module's output of one image
outputs = {}
for i, mod in enumerate(m):
    mod.register_forward_hook(lambda mod, inp, o, i=i: outputs.__setitem__(i, o))


def activations():
    outputs.clear()
    with torch.no_grad():
        m(x)
    return dict(outputs)


r["activations_ms"], acts = timed(activations, a.repeats)
r["activations_max_abs_diff"] = max(max_diff(acts[i], ref[f"act.{i}"]) for i in acts)
r["activations_max_abs"] = max(acts[i].abs().max().item() for i in acts)

# ---- 2. Grad-CAM and Grad-CAM++ of conv3 (Sequential index 6; A is the ReLU's output, 7)
for mod in m:
    mod._forward_hooks.clear()
store = {}


def keep_activation(mod, inp, o):
    o.retain_grad()
    store["a"] = o


m[7].register_forward_hook(keep_activation)


def cam(plus):
    m.zero_grad()
    logit = m(x)
    logit[0, 0].backward()  # class 1 of the binary head: its logit
    act = store["a"]
    with torch.no_grad():
        raw = gradcam_maps(act[0], act.grad[0], plus)
        up = F.interpolate(raw[None, None], size=(size, size), mode="bilinear",
                           align_corners=False)[0, 0]
        mx = up.max()
        return raw, up / mx if mx > 0 else up


for key, plus in (("gradcam", False), ("gradcampp", True)):
    r[key + "_ms"], (raw, up) = timed(lambda: cam(plus), a.repeats)
    # the raw map's scale follows the random weights; relative to its maximum it compares
    r[key + "_max_rel_diff"] = max_diff(raw, ref[key]) / max(raw.max().item(), 1e-30)
    r[key + "_max"] = raw.max().item()
    r[key + "_up_max_abs_diff"] = max_diff(up, ref[key + ".up"])
m[7]._forward_hooks.clear()

# ---- 3. the surface scan
surface = ref["surface"]
height, width = surface.shape
t, s = a.tile, a.stride


def positions(length):
    """Every stride, the last one moved flush with the edge (as patina_scan places them)."""
    ps = list(range(0, length - t + 1, s))
    if ps[-1] != length - t:
        ps.append(length - t)
    return ps


ys, xs = positions(height), positions(width)


def scan():
    # unfold with step 1 is a view of every t×t window; indexing it copies only the tiles
    windows = surface.unfold(0, t, 1).unfold(1, t, 1)
    tiles = windows[torch.tensor(ys)[:, None], torch.tensor(xs)[None, :]].reshape(-1, t, t)
    if t != size:
        tiles = F.interpolate(tiles[:, None], size=(size, size), mode="bilinear",
                              align_corners=False)[:, 0]
    probs = []
    with torch.no_grad():
        for i in range(0, len(tiles), a.batch):
            batch = tiles[i:i + a.batch, None].expand(-1, channels, -1, -1)
            p1 = torch.sigmoid(m(batch)[:, 0])
            probs.append(torch.stack([1 - p1, p1], dim=1))
    probs = torch.cat(probs)
    total = torch.zeros(2, height, width)
    count = torch.zeros(height, width)
    for i, (y, x0) in enumerate((y, x0) for y in ys for x0 in xs):
        total[:, y:y + t, x0:x0 + t] += probs[i][:, None, None]
        count[y:y + t, x0:x0 + t] += 1
    return probs, total / count


r["scan_ms"], (tile_probs, pixel_probs) = timed(scan, a.scan_repeats)
r["scan_tiles"] = len(tile_probs)
xy = torch.tensor([[x0, y] for y in ys for x0 in xs], dtype=torch.float32)
assert xy.shape == ref["scan.tile_xy"].shape and torch.equal(xy, ref["scan.tile_xy"]), \
    "the tiles are not where patina_scan put them"
r["scan_tile_probs_max_abs_diff"] = max_diff(tile_probs, ref["scan.tile_probs"])
r["scan_map_max_abs_diff"] = max_diff(pixel_probs[1], ref["scan.map1"])
r["scan_tile_probs_spread"] = (tile_probs[:, 1].max() - tile_probs[:, 1].min()).item()

print("\n".join(f"{k}: {v:.6g}" if isinstance(v, float) else f"{k}: {v}" for k, v in r.items()))
