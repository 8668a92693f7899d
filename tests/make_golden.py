#!/usr/bin/python3
"""Writes the golden fixtures of tests/test-golden.c: PyTorch's answers for every NN kernel.

usage: /usr/bin/python3 tests/make_golden.py [--only=NAME,...] [OUT_DIR]
       (default: tests/fixtures/golden; --only runs just those generators, e.g. --only=gradcam)

Run by hand (Debian's python3-torch); CI only reads the .safetensors files it writes.

Every input is drawn in float32 from a fixed seed (so the C side sees the same numbers), then
the reference is computed in float64 and rounded to float32 once at the end: the fixtures hold
the exact answer, not PyTorch's float32 rounding of it. Files are written by hand (struct + json,
no safetensors package): an 8-byte little-endian header length, a JSON header of
{name: {dtype: "F32", shape, data_offsets}} padded with spaces to a multiple of 8, then the data.
Integer data (class labels) is stored as F32 too.
"""
import copy
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ONLY = [n for a in sys.argv[1:] if a.startswith("--only=") for n in a[7:].split(",")]
ARGS = [a for a in sys.argv[1:] if not a.startswith("--only=")]
OUT = ARGS[0] if ARGS else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "fixtures", "golden")
D = torch.float64


def save(name, tensors, meta=None):
    """tensors: list of (name, tensor-like); written in that order as little-endian F32."""
    header, blobs, off = {}, [], 0
    if meta:
        header["__metadata__"] = {k: str(v) for k, v in meta.items()}
    for key, t in tensors:
        if isinstance(t, torch.Tensor):
            t = t.detach().cpu().numpy()
        a = np.ascontiguousarray(np.asarray(t, dtype=np.float64).astype("<f4"))
        b = a.tobytes()
        header[key] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    path = os.path.join(OUT, name + ".safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    print(f"{path}: {os.path.getsize(path)} bytes, {len(tensors)} tensors")


def randn(*shape, scale=1.0):
    """float32 draw, returned as float64 holding exactly the float32 values."""
    return (torch.randn(*shape, dtype=torch.float32) * scale).to(D)


def rand(*shape, lo=0.0, hi=1.0):
    return (torch.rand(*shape, dtype=torch.float32) * (hi - lo) + lo).to(D)


def f32(t):
    """Rounds a float64 tensor to float32 values (kept as float64)."""
    return t.to(torch.float32).to(D)


def leaf(t):
    return t.clone().requires_grad_(True)


META = {"generator": "tests/make_golden.py", "torch": torch.__version__}


# ---------------------------------------------------------------- conv2d
def gen_conv(name, seed, kh, kw, stride, pad):
    torch.manual_seed(seed)
    x, w, b = leaf(randn(2, 3, 7, 9)), leaf(randn(4, 3, kh, kw, scale=0.3)), leaf(randn(4))
    y = F.conv2d(x, w, b, stride=stride, padding=pad)
    dy = randn(*y.shape)
    y.backward(dy)
    save(name, [("x", x), ("weight", w), ("bias", b), ("y", y), ("dy", dy), ("dx", x.grad),
                ("dweight", w.grad), ("dbias", b.grad)],
         dict(META, kh=kh, kw=kw, stride=stride, pad=pad))


# ---------------------------------------------------------------- dense
def gen_dense():
    torch.manual_seed(10)
    x, w, b = leaf(randn(3, 5)), leaf(randn(4, 5, scale=0.5)), leaf(randn(4))
    y = F.linear(x, w, b)
    dy = randn(3, 4)
    y.backward(dy)
    save("dense", [("x", x), ("weight", w), ("bias", b), ("y", y), ("dy", dy), ("dx", x.grad),
                   ("dweight", w.grad), ("dbias", b.grad)], META)


# ---------------------------------------------------------------- activations
def gen_activations():
    torch.manual_seed(20)
    x = randn(4, 6, scale=2.0)
    # no exact zeros (the kink's subgradient is a convention); push values off 0
    x = torch.where(x.abs() < 0.05, x + 0.1, x)
    # a few large magnitudes to check the sigmoid and tanh saturate without NaN
    x[0, 0], x[0, 1], x[0, 2], x[0, 3] = 30.0, -30.0, 100.0, -100.0
    dy = randn(4, 6)
    out = [("x", x), ("dy", dy)]
    for name, fn in [("relu", F.relu), ("leaky_relu", lambda t: F.leaky_relu(t, 0.2)),
                     ("sigmoid", torch.sigmoid), ("tanh", torch.tanh)]:
        xl = leaf(x)
        y = fn(xl)
        y.backward(dy)
        out += [(name + ".y", y), (name + ".dx", xl.grad)]
    save("activations", out, dict(META, leaky_relu_slope=0.2))


# ---------------------------------------------------------------- maxpool2d
def gen_maxpool(name, seed, kernel, stride, ties=False):
    torch.manual_seed(seed)
    n = 2 * 3 * 7 * 9
    if ties:
        # values in {0, 1, 2}: most windows hold a tie, which PyTorch gives to the first
        # maximum in row-major window order
        x = torch.randint(0, 3, (2, 3, 7, 9)).to(D)
    else:
        # distinct values (a shuffled ramp plus noise): the argmax is unambiguous
        x = f32((torch.randperm(n).to(D) / n * 4.0 - 2.0 + randn(n, scale=1e-3))
                .reshape(2, 3, 7, 9))
    xl = leaf(x)
    y = F.max_pool2d(xl, kernel, stride)  # floor mode
    dy = randn(*y.shape)
    y.backward(dy)
    save(name, [("x", x), ("y", y), ("dy", dy), ("dx", xl.grad)],
         dict(META, kernel=kernel, stride=stride))


# ---------------------------------------------------------------- batchnorm2d
def gen_batchnorm():
    torch.manual_seed(30)
    n, c, h, w = 3, 4, 5, 6
    x = randn(n, c, h, w, scale=2.0) + randn(1, c, 1, 1, scale=3.0)
    # channel 3 nearly constant (variance ~4e-6, below eps = 1e-5): where eps goes matters
    x[:, 3] = f32(x[:, 3] * 1e-3 + 0.5)
    gamma, beta = randn(c) * 0.5 + 1.0, randn(c)
    rm0, rv0 = randn(c), rand(c, lo=0.5, hi=2.0)
    bn = nn.BatchNorm2d(c, eps=1e-5, momentum=0.1).to(D)
    with torch.no_grad():
        bn.weight.copy_(gamma)
        bn.bias.copy_(beta)
        bn.running_mean.copy_(rm0)
        bn.running_var.copy_(rv0)
    bn.train()
    xl = leaf(x)
    y = bn(xl)
    dy = randn(n, c, h, w)
    y.backward(dy)
    # eval: its own running statistics, so a mix-up with the batch statistics shows
    erm, erv = randn(c), rand(c, lo=0.5, hi=2.0)
    erv[1] = f32(torch.tensor(3e-6, dtype=D))  # a running variance below eps
    bn_eval = nn.BatchNorm2d(c, eps=1e-5).to(D)
    with torch.no_grad():
        bn_eval.weight.copy_(gamma)
        bn_eval.bias.copy_(beta)
        bn_eval.running_mean.copy_(erm)
        bn_eval.running_var.copy_(erv)
    bn_eval.eval()
    with torch.no_grad():
        y_eval = bn_eval(x)
    save("batchnorm2d", [("x", x), ("weight", gamma), ("bias", beta),
                         ("running_mean_in", rm0), ("running_var_in", rv0),
                         ("y", y), ("dy", dy), ("dx", xl.grad), ("dweight", bn.weight.grad),
                         ("dbias", bn.bias.grad), ("running_mean", bn.running_mean),
                         ("running_var", bn.running_var),
                         ("eval.running_mean", erm), ("eval.running_var", erv),
                         ("eval.y", y_eval)],
         dict(META, eps=1e-5, momentum=0.1))


# ---------------------------------------------------------------- softmax
def gen_softmax():
    torch.manual_seed(40)
    x = randn(3, 5, scale=2.0)
    x[2] = torch.tensor([1000.0, 999.0, -1000.0, 998.5, 0.0], dtype=D)  # needs max-shift
    dy = randn(3, 5)
    xl = leaf(x)
    y = F.softmax(xl, dim=1)
    y.backward(dy)
    save("softmax", [("x", x), ("dy", dy), ("y", y), ("dx", xl.grad)], META)


# ---------------------------------------------------------------- losses
def loss_and_grad(fn, pred, *args):
    p = leaf(pred)
    loss = fn(p, *args)
    loss.backward()
    return loss.reshape(1), p.grad


def gen_losses():
    torch.manual_seed(50)
    out = []
    # BCEWithLogits: hard and soft targets, then per-element weights, then huge logits
    logits = randn(8, scale=2.0)
    targets = torch.tensor([1, 0, 1, 1, 0, 0.3, 0.75, 0], dtype=D)
    weights = rand(8, lo=0.2, hi=2.0)
    l, g = loss_and_grad(F.binary_cross_entropy_with_logits, logits, targets)
    out += [("bce.logits", logits), ("bce.targets", targets), ("bce.loss", l), ("bce.dlogits", g)]
    l, g = loss_and_grad(lambda p, t: F.binary_cross_entropy_with_logits(p, t, weight=weights),
                         logits, targets)
    out += [("bce.weights", weights), ("bce_w.loss", l), ("bce_w.dlogits", g)]
    big = torch.tensor([100.0, -100.0, 60.0, -60.0, 200.0, -200.0], dtype=D)
    bigt = torch.tensor([1, 0, 0, 1, 1, 1], dtype=D)
    l, g = loss_and_grad(F.binary_cross_entropy_with_logits, big, bigt)
    out += [("bce_big.logits", big), ("bce_big.targets", bigt), ("bce_big.loss", l),
            ("bce_big.dlogits", g)]
    # CrossEntropy: plain mean, class weights (weighted mean), huge logits
    rows, classes = 5, 4
    ce_logits = randn(rows, classes, scale=2.0)
    labels = torch.tensor([0, 3, 1, 1, 2])
    cw = torch.tensor([0.5, 2.0, 1.0, 3.0], dtype=D)
    l, g = loss_and_grad(F.cross_entropy, ce_logits, labels)
    out += [("ce.logits", ce_logits), ("ce.labels", labels), ("ce.loss", l), ("ce.dlogits", g)]
    l, g = loss_and_grad(lambda p, t: F.cross_entropy(p, t, weight=cw), ce_logits, labels)
    out += [("ce.class_weights", cw), ("ce_w.loss", l), ("ce_w.dlogits", g)]
    ce_big = torch.tensor([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]], dtype=D)
    ce_big_l = torch.tensor([2, 2])
    l, g = loss_and_grad(F.cross_entropy, ce_big, ce_big_l)
    out += [("ce_big.logits", ce_big), ("ce_big.labels", ce_big_l), ("ce_big.loss", l),
            ("ce_big.dlogits", g)]
    # MSE and L1 (no pred == target: L1's kink)
    pred, target = randn(2, 7), randn(2, 7)
    l, g = loss_and_grad(F.mse_loss, pred, target)
    out += [("mse.pred", pred), ("mse.target", target), ("mse.loss", l), ("mse.dpred", g)]
    l, g = loss_and_grad(F.l1_loss, pred, target)
    out += [("l1.loss", l), ("l1.dpred", g)]
    save("losses", out, META)


# ---------------------------------------------------------------- optimisers
def run_opt(make, p0, grads):
    p = p0.clone().requires_grad_(True)
    opt = make([p])
    after = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        after.append(p.detach().clone())
    return torch.stack(after)


def gen_optim():
    torch.manual_seed(60)
    n, steps = 16, 3
    p0 = randn(n)
    grads = randn(steps, n)
    # a spread of magnitudes: tiny gradients make Adam's eps placement matter
    grads[:, 0] *= 1e-6
    grads[:, 1] *= 1e-4
    grads[:, 2] *= 10.0
    grads[1, 3] = 0.0
    grads[:, 4] = torch.tensor([1.0, -1.0, 1.0], dtype=D)
    out = [("param0", p0), ("grads", grads)]
    cfgs = {
        "adam": lambda ps: torch.optim.Adam(ps, lr=7e-4),
        "adam_wd": lambda ps: torch.optim.Adam(ps, lr=2e-4, betas=(0.5, 0.999), eps=1e-6,
                                               weight_decay=0.01),
        "sgd": lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9),
        "sgd_damp_wd": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, dampening=0.3,
                                                  weight_decay=0.02),
        "sgd_nesterov": lambda ps: torch.optim.SGD(ps, lr=0.02, momentum=0.9, nesterov=True,
                                                   weight_decay=0.001),
        "sgd_plain": lambda ps: torch.optim.SGD(ps, lr=0.1),
    }
    for name, make in cfgs.items():
        out.append((name + ".params", run_opt(make, p0, grads)))
    save("optim", out, META)


# ---------------------------------------------------------------- kinks
def kink_margins(m, x):
    """[(layer index, margin)] for every ReLU (min |input| / max |input|) and max-pool (min gap
    between a window's two largest values when the largest is > 0, over the input's max).
    float32 forward errors are ~1e-7..1e-6 of a layer's scale: below that margin float32 and
    float64 may switch a ReLU or pick another max, and every gradient upstream moves by ~1%."""
    out, h = [], x
    m = copy.deepcopy(m)  # a train-mode forward updates batchnorm's running statistics
    with torch.no_grad():
        for k, mod in enumerate(m):
            if isinstance(mod, nn.ReLU):
                a = h.abs()
                out.append((k, (a.min() / a.max()).item()))
            elif isinstance(mod, nn.MaxPool2d):
                b, c, hh, ww = h.shape
                win = h[:, :, :hh // 2 * 2, :ww // 2 * 2].reshape(b, c, hh // 2, 2, ww // 2, 2)
                top = win.permute(0, 1, 2, 4, 3, 5).reshape(b, c, hh // 2, ww // 2, 4)
                top = top.sort(dim=-1, descending=True)[0]
                pos = top[..., 0] > 0
                out.append((k, ((top[..., 0] - top[..., 1])[pos].min() / h.max()).item()))
            h = mod(h)
    return out


def check_margins(what, m, x, first, least):
    """Asserts every kink at index >= first has a margin >= least."""
    for k, margin in kink_margins(m, x):
        print(f"  {what}: kink margin at layer {k}: {margin:.1e}")
        assert k < first or margin >= least, f"{what}: layer {k} margin {margin:.1e} < {least}"


# ---------------------------------------------------------------- the paper CNN
def paper_cnn(size, classes):
    """Copied from /work/shared/peers/torch_cnn.py."""
    feat = nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 128, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
    n = feat(torch.zeros(1, 3, size, size)).shape[1]
    return nn.Sequential(*feat, nn.Linear(n, 512), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(512, 1 if classes == 2 else classes))


def gen_paper_cnn():
    size = 46
    torch.manual_seed(70)
    m = paper_cnn(size, 2)  # float32 default init: these exact values go into the fixture
    # seed 76: of seeds 71..110 the input whose ReLUs and max-pools sit farthest from a kink
    # (>= 6e-6 of scale), so float32 and float64 take the same branches everywhere
    torch.manual_seed(76)
    x = torch.rand(2, 3, size, size).to(D)
    target = torch.tensor([[1.0], [0.0]], dtype=D)
    params = [(k, v.detach().clone()) for k, v in m.state_dict().items()]
    m = m.to(D)
    m.train()
    m[15].eval()  # dropout off (its mask cannot match PyTorch's RNG); everything else trains
    check_margins("paper_cnn", m, x, 0, 5e-6)
    xl = leaf(x)
    logits = m(xl)
    loss = F.binary_cross_entropy_with_logits(logits, target)
    loss.backward()
    out = [("x", x), ("target", target)] + params + [("logits", logits), ("loss", loss.reshape(1)),
                                                     ("dx", xl.grad)]
    out += [("grad." + k, p.grad) for k, p in m.named_parameters()]
    save("paper_cnn", out, dict(META, size=size, classes=2, dropout="disabled (module in eval)"))

    # 3 classes: the same layers 0..13 (read them from paper_cnn), a new 3-output head 16;
    # only the gradients of layers 0 and 16 and of the input are stored (size budget)
    torch.manual_seed(72)
    head = nn.Linear(512, 3)
    m3 = nn.Sequential(*list(m.children())[:16], head.to(D))
    w16, b16 = head.weight.detach().clone(), head.bias.detach().clone()
    labels = torch.tensor([2, 0])
    m3.zero_grad()
    m3.train()
    m3[15].eval()
    xl = leaf(x)
    logits = m3(xl)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    save("paper_cnn_3class",
         [("labels", labels), ("16.weight", w16), ("16.bias", b16), ("logits", logits),
          ("loss", loss.reshape(1)), ("dx", xl.grad), ("grad.0.weight", m3[0].weight.grad),
          ("grad.0.bias", m3[0].bias.grad), ("grad.13.bias", m3[13].bias.grad),
          ("grad.16.weight", m3[16].weight.grad), ("grad.16.bias", m3[16].bias.grad)],
         dict(META, size=size, classes=3, dropout="disabled (module in eval)"))


# ---------------------------------------------------------------- the paper's 5-conv variant
# Its 460k parameters would not fit the fixture budget, so they are not stored: both sides make
# them from an integer hash (murmur3's finaliser) with exact IEEE steps, test-golden.c's
# hash_uniform() being the C twin of hash_uniform() here.
M32 = 0xFFFFFFFF


def hash_uniform(seed, n):
    """n doubles in [0, 1): fmix32(i * 0x9E3779B1 + seed * 0x85EBCA77 + 1) / 2^32."""
    h = (np.arange(n, dtype=np.uint64) * 0x9E3779B1 + seed * 0x85EBCA77 + 1) & M32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h.astype(np.float64) / 4294967296.0


def hash_params(seed, n, bound, center=0.0):
    """float32 values center + (2u - 1) * bound, computed in double and rounded once."""
    return torch.from_numpy((center + (2.0 * hash_uniform(seed, n) - 1.0) * bound)
                            .astype(np.float32)).to(D)


def paper5_cnn(size, classes):
    """patina_spec_paper5 as an nn.Sequential (indices = Patina's layer indices)."""
    layers, c = [], 3
    for i, w in enumerate([32, 64, 128, 128, 128]):
        layers += [nn.Conv2d(c, w, 3, stride=2 if i == 0 else 1), nn.BatchNorm2d(w), nn.ReLU()]
        if i < 4:
            layers.append(nn.MaxPool2d(2))
        c = w
    layers.append(nn.Flatten())
    n = nn.Sequential(*layers).eval()(torch.zeros(1, 3, size, size)).shape[1]
    for w in [256, 128, 64]:
        layers += [nn.Linear(n, w), nn.ReLU(), nn.Dropout(0.5)]
        n = w
    layers.append(nn.Linear(n, 1 if classes == 2 else classes))
    return nn.Sequential(*layers)


def gen_paper5():
    size, batch = 153, 8  # 153: the smallest input the 5 convs and 4 pools take
    m = paper5_cnn(size, 2).to(D)
    with torch.no_grad():
        for k, mod in enumerate(m):
            if isinstance(mod, (nn.Conv2d, nn.Linear)):
                fan_in = mod.weight[0].numel()
                bound = 1.0 / np.sqrt(float(fan_in))
                mod.weight.copy_(hash_params(2 * k + 1, mod.weight.numel(), bound)
                                 .reshape(mod.weight.shape))
                mod.bias.copy_(hash_params(2 * k + 2, mod.bias.numel(), bound))
            elif isinstance(mod, nn.BatchNorm2d):
                mod.weight.copy_(hash_params(2 * k + 1, mod.weight.numel(), 0.25, 1.0))
                mod.bias.copy_(hash_params(2 * k + 2, mod.bias.numel(), 0.25))
    # 3.4M ReLU inputs and 0.7M pooling windows: some always sit within float32 rounding of a
    # kink, so gradients upstream of layer 12 can move by ~1% between float32 and float64 (the
    # C test compares those by relative L2 norm). x_seed 1007 (of 1000..1009) keeps the kinks
    # from layer 14 on at >= 5e-6 of scale, so layers 12..29 are compared element by element.
    x_seed = 1007
    x = torch.from_numpy(hash_uniform(x_seed, batch * 3 * size * size).astype(np.float32)).to(D)
    x = x.reshape(batch, 3, size, size)
    target = torch.tensor([[1.0], [0.0], [1.0], [1.0], [0.0], [0.0], [1.0], [0.0]], dtype=D)
    m.train()
    for mod in m:
        if isinstance(mod, nn.Dropout):
            mod.eval()  # dropout off, as for paper_cnn; batchnorm trains
    check_margins("paper5_cnn", m, x, 14, 5e-6)
    xl = leaf(x)
    logits = m(xl)
    loss = F.binary_cross_entropy_with_logits(logits, target)
    loss.backward()
    m.eval()
    with torch.no_grad():
        eval_logits = m(x)
    out = [("target", target), ("logits", logits), ("loss", loss.reshape(1)),
           ("eval_logits", eval_logits), ("dx[:, :, :16, :16]", xl.grad[:, :, :16, :16])]
    for k in (0, 4, 16):  # conv weights (their biases feed batchnorm: gradient 0)
        if m[k].weight.numel() <= 20000:
            out.append((f"grad.{k}.weight", m[k].weight.grad))
    for k in (1, 5, 9, 13, 17):  # batchnorm
        out += [(f"grad.{k}.weight", m[k].weight.grad), (f"grad.{k}.bias", m[k].bias.grad),
                (f"{k}.running_mean", m[k].running_mean), (f"{k}.running_var", m[k].running_var)]
    for k in (20, 23, 26, 29):
        out.append((f"grad.{k}.bias", m[k].bias.grad))
        if m[k].weight.numel() <= 10000:
            out.append((f"grad.{k}.weight", m[k].weight.grad))
    save("paper5_cnn", out, dict(META, size=size, classes=2, batch=batch, x_seed=x_seed,
                                 params="hash_params: see make_golden.py",
                                 dropout="disabled (modules in eval)"))


# ---------------------------------------------------------------- Grad-CAM of the paper CNN
# The activation A of a conv layer is the output of the nn.ReLU that follows it (what a forward
# hook on that ReLU module sees): the rectified feature maps of Selvaraju et al., before pooling.
# The class score is the logit for class 1 of the binary head and its negation for class 0 (the
# log-odds of class 0). Both methods as pytorch-grad-cam computes them; the map is ReLU'd at
# the layer's resolution, upsampled bilinearly (align_corners=False) to the input size and
# divided by its maximum.
def gradcam_maps(a, g, plus):
    if plus:
        g2, g3 = g * g, g * g * g
        aij = g2 / (2 * g2 + a.sum(dim=(1, 2))[:, None, None] * g3 + 1e-6)
        aij = torch.where(g != 0, aij, torch.zeros_like(aij))
        w = (torch.clamp(g, min=0) * aij).sum(dim=(1, 2))
    else:
        w = g.mean(dim=(1, 2))
    cam = torch.clamp((w[:, None, None] * a).sum(dim=0), min=0)
    return cam


def gen_gradcam():
    size = 46
    torch.manual_seed(70)
    m = paper_cnn(size, 2)  # the weights of paper_cnn.safetensors (same seed, same draws)
    torch.manual_seed(76)
    x = torch.rand(2, 3, size, size).to(D)[:1]  # paper_cnn.safetensors's x[0]
    m = m.to(D).eval()
    out = []
    for conv in (3, 9):
        store = {}

        def hook(mod, inp, o):
            o.retain_grad()
            store["a"] = o
        handle = m[conv + 1].register_forward_hook(hook)
        logit = m(x)
        handle.remove()
        a = store["a"]
        for klass in (0, 1):
            m.zero_grad()
            a.grad = None
            score = logit[0, 0] if klass == 1 else -logit[0, 0]
            score.backward(retain_graph=True)
            for plus in (False, True):
                cam = gradcam_maps(a[0], a.grad[0], plus)
                up = F.interpolate(cam[None, None], size=(size, size), mode="bilinear",
                                   align_corners=False)[0, 0]
                mx = up.max()
                up = up / mx if mx > 0 else up
                key = f"{conv}.class{klass}.{'gradcam++' if plus else 'gradcam'}"
                out += [(key, cam), (key + ".up", up)]
    out.append(("logit", logit.detach()))
    # a softmax head: paper_cnn_3class's (seed 72), each class's score its own logit; raw maps of
    # conv3 only (size budget)
    torch.manual_seed(72)
    m3 = nn.Sequential(*list(m.children())[:16], nn.Linear(512, 3).to(D)).eval()
    store = {}

    def hook3(mod, inp, o):
        o.retain_grad()
        store["a"] = o
    handle = m3[7].register_forward_hook(hook3)
    logits3 = m3(x)
    handle.remove()
    for klass in range(3):
        store["a"].grad = None
        logits3[0, klass].backward(retain_graph=True)
        for plus in (False, True):
            cam = gradcam_maps(store["a"][0], store["a"].grad[0], plus)
            out.append((f"3class.6.class{klass}.{'gradcam++' if plus else 'gradcam'}", cam))
    out.append(("3class.logits", logits3.detach()))
    save("gradcam", out, dict(META, size=size, weights="paper_cnn.safetensors",
                              x="paper_cnn.safetensors x[0]",
                              activation="output of the ReLU after each conv"))


# ---------------------------------------------------------------- every layer's own output
# What patina_activations_compute must give for each module of the paper CNN (the weights of
# paper_cnn.safetensors, its x[0], eval mode): a forward hook's view of each module's output,
# so the conv's is before its ReLU. The full tensors would be ~640 kB; 64 elements at fixed
# indices (j * 7919 + 31 * layer) mod n and the mean, min and max of each layer are stored.
def layer_sample_indices(layer, n):
    return [(j * 7919 + 31 * layer) % n for j in range(min(n, 64))]


def gen_layer_outputs():
    size = 46
    torch.manual_seed(70)
    m = paper_cnn(size, 2)
    torch.manual_seed(76)
    x = torch.rand(2, 3, size, size).to(D)[:1]
    m = m.to(D).eval()
    outputs = {}
    handles = [mod.register_forward_hook(
        lambda mod, inp, o, k=k: outputs.__setitem__(k, o.detach().clone()))
        for k, mod in enumerate(m)]
    with torch.no_grad():
        m(x)
    for h in handles:
        h.remove()
    out = []
    for k in range(len(m)):
        flat = outputs[k][0].reshape(-1)
        idx = torch.tensor(layer_sample_indices(k, flat.numel()))
        out += [(f"{k}.sample", flat[idx]),
                (f"{k}.stats", torch.stack([flat.mean(), flat.min(), flat.max()]))]
    save("layer_outputs", out, dict(META, size=size, weights="paper_cnn.safetensors",
                                    x="paper_cnn.safetensors x[0]", mode="eval",
                                    sample="(j * 7919 + 31 * layer) mod n, j < 64"))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    gens = [
        ("conv2d_s1p0", lambda: gen_conv("conv2d_s1p0", 1, 3, 3, 1, 0)),
        ("conv2d_s2p1", lambda: gen_conv("conv2d_s2p1", 2, 3, 3, 2, 1)),
        ("conv2d_k2x4_s3p1", lambda: gen_conv("conv2d_k2x4_s3p1", 3, 2, 4, 3, 1)),
        ("dense", gen_dense),
        ("activations", gen_activations),
        ("maxpool2d_k2s2", lambda: gen_maxpool("maxpool2d_k2s2", 21, 2, 2)),
        ("maxpool2d_k3s2", lambda: gen_maxpool("maxpool2d_k3s2", 22, 3, 2)),
        ("maxpool2d_k2s2_ties", lambda: gen_maxpool("maxpool2d_k2s2_ties", 23, 2, 2, ties=True)),
        ("maxpool2d_k3s2_ties", lambda: gen_maxpool("maxpool2d_k3s2_ties", 24, 3, 2, ties=True)),
        ("batchnorm2d", gen_batchnorm),
        ("softmax", gen_softmax),
        ("losses", gen_losses),
        ("optim", gen_optim),
        ("paper_cnn", gen_paper_cnn),
        ("paper5_cnn", gen_paper5),
        ("gradcam", gen_gradcam),
        ("layer_outputs", gen_layer_outputs),
    ]
    unknown = set(ONLY) - {n for n, _ in gens}
    if unknown:
        sys.exit(f"unknown generator(s): {', '.join(sorted(unknown))}")
    for name, gen in gens:
        if not ONLY or name in ONLY:
            gen()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
