#!/usr/bin/python3
"""Trains a library network in PyTorch under the report's protocol, for accuracy side by side.

Reads the split a bench program wrote with --split-dir (raw uint8 files:
train_x.u8, train_y.u8, valid_x.u8, valid_y.u8, test_x.u8, test_y.u8; the
examples' split for the same seed) and the layer spec it ran (layers.txt
there, the report's final CNN for the nets' benchmarks; --layers overrides
it), builds that network (torch_net.py), standardizes with the training
set's mean and std (per pixel, or --standardize global), trains with Adam
(lr --lr 0.001, eps --eps) or SGD, batch --batch 32, a fresh shuffle every
epoch, and prints per epoch the train loss and accuracy
(dropout and noise on, as the library's history), validation loss and
accuracy and seconds, then one line

  PEER accuracy=... macro_f1=... peak_val_accuracy=... val_accuracy=... seed=... init=...

with the official-test figures of the last epoch's model.
--init he: kaiming_normal_ (fan_in, gain sqrt 2) on every conv and linear
weight, zero biases (as the library); --init default: PyTorch's own.
The library's recipe options have their PyTorch twins, with the library's
semantics (docs/guide.md section 4), so that a recipe compares like with
like:
  --standardize global   one mean and std for all pixels;
  --lr, --batch          the step size (the schedule's peak) and batch;
  --optimizer sgd        SGD(momentum=--momentum, nesterov=--nesterov),
                         its --weight-decay decoupled (each decayed weight
                         shrunk by lr_t * wd before the step, as the
                         library and AdamW); with adam, --weight-decay is
                         Adam's L2 in the gradient; either way on the conv
                         and linear weights only, as the library;
  --lr-schedule constant|cosine|linear|onecycle and --warmup FRACTION
                         the library's rate of each step, set before the
                         step (its formulas: a linear warm-up from lr/W
                         over round(warmup * T) steps, then the schedule
                         over the steps left; onecycle is OneCycleLR with
                         pct_start = warmup, cycle_momentum off);
  --label-smoothing E    CrossEntropyLoss(label_smoothing=E) in training;
                         the validation loss stays the plain cross-entropy;
  --ema-decay D          averaged weights: after step t (0-based) every
                         parameter and batch-norm running statistic a =
                         d a + (1 - d) w with d = min(D, (1+t)/(10+t)),
                         from the initial weights; the validation figures
                         and the test figures are the average's;
  --tta none|flip|flip_shift
                         the test figures from the mean of the softmax
                         probabilities over the views of each raw test
                         image (the image and its mirror, each also moved
                         one pixel up-left and down-right, zeros coming
                         in); validation without them, as the library;
  --augment "crop:P flip:PROB erase:AREA[:PROB]"
                         each training image of each batch, on the raw
                         pixels before standardization as the library
                         does, the ops in order: a random crop of the
                         image padded with P zero pixels, torchvision's
                         RandomCrop(28, padding=P); a horizontal flip with
                         probability PROB; random erasing as the library
                         draws it (a rectangle of AREA, or of an area
                         drawn from LO..HI, of the image, aspect ratio
                         log-uniform in 0.3..3.3, zeros or random bytes
                         for erase_random; torchvision's RandomErasing);
                         cutout:SIZE, a square of zeros centred on a
                         random pixel. Each op may end in :PROB, the chance
                         that it applies to an image.
"""
import argparse
import copy
import math
import time

import numpy as np

import os

from torch_net import build
from torch_peer import fit_scale, load, scores


def he_init(torch, net):
    for mod in net.modules():
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
            torch.nn.init.zeros_(mod.bias)


AUGMENT_OPS = ("crop", "flip", "erase", "erase_random", "cutout")


def parse_augment(spec):
    """The ops of the crop, flip, erase, erase_random and cutout subset of
    the transform language, in order, as (name, lo, hi, prob): NAME:VALUE
    [:PROB], VALUE a number or a range LO..HI that each image draws from
    (erase's area), PROB the chance that the op applies to an image (1)."""
    ops = []
    for token in (spec or "").split():
        parts = token.split(":")
        if parts[0] not in AUGMENT_OPS or len(parts) > 3:
            raise SystemExit("torch_train: --augment supports %s (NAME:VALUE[:PROB]), not %r"
                             % (", ".join(AUGMENT_OPS), token))
        value = parts[1] if len(parts) > 1 and parts[1] else "0.5"
        lo, _, hi = value.partition("..")
        ops.append((parts[0], float(lo), float(hi or lo), float(parts[2]) if len(parts) > 2
                    else 1.0))
    return ops


def erase(torch, img, area, fill_random):
    """The library's random erasing of one raw image (1, 28, 28) in place
    (transform/tf_occlude.c, torchvision's RandomErasing): a rectangle of
    area * 784 pixels, aspect ratio log-uniform in 0.3..1/0.3, placed where
    it fits, ten tries; zeros or random bytes."""
    if area == 0:
        return
    for _ in range(10):
        ratio = math.exp(math.log(0.3) - 2.0 * math.log(0.3) * torch.rand(1).item())
        h, w = round(math.sqrt(area * 784 * ratio)), round(math.sqrt(area * 784 / ratio))
        if h > 28 or w > 28:
            continue
        y0 = torch.randint(0, 28 - h + 1, (1,)).item()
        x0 = torch.randint(0, 28 - w + 1, (1,)).item()
        img[:, y0:y0 + h, x0:x0 + w] = (torch.randint(0, 256, (1, h, w)).float()
                                        if fill_random else 0.0)
        return


def augment(torch, raw, ops):
    """The ops in order on a batch of raw images (B, 1, 28, 28), each image
    its own draws: crop:P, a random crop of the image padded with P zeros
    (torchvision's RandomCrop(28, padding=P)); flip:P, a horizontal flip
    with probability P; erase:AREA and erase_random:AREA, random erasing;
    cutout:S, an S x S square of zeros centred on a random pixel."""
    b = raw.shape[0]
    for name, lo, hi, prob in ops:
        apply = torch.ones(b, dtype=torch.bool) if prob >= 1 else torch.rand(b) < prob
        if name == "crop" and lo:
            pad = int(lo)
            padded = torch.nn.functional.pad(raw, (pad, pad, pad, pad))
            dy = torch.randint(0, 2 * pad + 1, (b,)).tolist()
            dx = torch.randint(0, 2 * pad + 1, (b,)).tolist()
            cropped = torch.stack([padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
                                   for i in range(b)])
            raw = torch.where(apply.view(b, 1, 1, 1), cropped, raw)
        elif name == "flip" and lo:
            mask = (torch.rand(b) < lo) & apply
            raw = torch.where(mask.view(b, 1, 1, 1), raw.flip(3), raw)
        elif name in ("erase", "erase_random"):
            raw = raw.clone()
            for i in range(b):
                if apply[i]:
                    area = lo + (hi - lo) * torch.rand(1).item() if hi > lo else lo
                    erase(torch, raw[i], area, name == "erase_random")
        elif name == "cutout" and lo:
            raw = raw.clone()
            s = int(lo)
            for i in range(b):
                if apply[i]:
                    cy, cx = torch.randint(0, 28, (2,)).tolist()
                    y0, x0 = cy - s // 2, cx - s // 2
                    raw[i, :, max(y0, 0):max(y0 + s, 0), max(x0, 0):max(x0 + s, 0)] = 0.0
    return raw


def lr_at(schedule, lr, t, total, warmup):
    """The library's rate of step t (0-based) of total (nn/optimizer.c)."""
    if total == 0:
        return lr
    if schedule == "onecycle":  # PyTorch's OneCycleLR formulas, pct_start = warmup
        initial = lr / 25.0
        final = initial / 1e4
        up, last = warmup * total - 1.0, total - 1.0
        anneal = lambda a, b, pct: b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1.0)
        if t <= up:
            return anneal(initial, lr, t / up) if up > 0 else lr
        return anneal(lr, final, (t - up) / (last - up))
    w = int(warmup * total + 0.5)
    if t < w:
        return lr * (t + 1) / w
    t, steps = t - w, total - w
    if schedule == "cosine":
        return lr * (0.5 * (1.0 + math.cos(math.pi * t / steps))) if steps else lr
    if schedule == "linear":
        return lr * (1.0 - t / steps) if steps else lr
    return lr


def decayed(torch, net):
    """The conv and linear weights: the parameters the library decays."""
    return [m.weight for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]


class Average:
    """The library's averaged weights (nn/average.c): every floating-point
    parameter and buffer (batch norm's running statistics) of a copy of
    the net, a = d a + (1 - d) w after update t with d = min(decay,
    (1 + t) / (10 + t)), from the initial weights."""

    def __init__(self, net, decay):
        self.decay, self.updates = decay, 0
        self.net = copy.deepcopy(net)

    def update(self, net):
        t = self.updates
        self.updates += 1
        d = min(self.decay, (1.0 + t) / (10.0 + t))
        mine = self.net.state_dict()
        for name, w in net.state_dict().items():
            if w.dtype.is_floating_point:
                mine[name].mul_(d).add_(w.detach(), alpha=1.0 - d)
            else:
                mine[name].copy_(w)


def views(torch, raw, level):
    """The library's test-time views (models/tta.c) of raw images (B, 1,
    28, 28): the image first; its mirror; each also moved one pixel
    up-left and down-right, zeros coming in."""
    def moved(x, d):  # by d pixels right and down
        padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
        return padded[:, :, 1 - d:29 - d, 1 - d:29 - d]
    out = [raw]
    if level in ("flip", "flip_shift"):
        out.append(raw.flip(3))
    if level == "flip_shift":
        out += [moved(raw, -1), moved(raw.flip(3), -1), moved(raw, 1), moved(raw.flip(3), 1)]
    return out


def evaluate(torch, net, x, y, lossf):
    net.eval()
    with torch.no_grad():
        logits = torch.cat([net(x[i:i + 1000]) for i in range(0, len(x), 1000)])
    net.train()
    return lossf(logits, y).item(), (logits.argmax(1) == y).float().mean().item(), logits


def test_proba(torch, net, raw, mean_t, std_t, level):
    """Softmax probabilities of the raw test images, averaged over the
    views of the test-time augmentation level."""
    net.eval()
    each = []
    with torch.no_grad():
        for v in views(torch, raw, level):
            z = (v - mean_t) / std_t
            each.append(torch.cat([torch.softmax(net(z[i:i + 1000]), 1)
                                   for i in range(0, len(z), 1000)]))
    net.train()
    return sum(each) / len(each)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--eps", type=float, default=1e-7)
    p.add_argument("--init", choices=["he", "default"], default="he")
    p.add_argument("--layers", help="layer spec (default: layers.txt of --dir)")
    p.add_argument("--standardize", choices=["pixel", "global"], default="pixel")
    p.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD's")
    p.add_argument("--nesterov", type=int, choices=[0, 1], default=1, help="SGD's")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--lr-schedule", choices=["constant", "cosine", "linear", "onecycle"],
                   default="constant")
    p.add_argument("--warmup", type=float, default=0.0, help="fraction of the steps")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--ema-decay", type=float, default=0.0)
    p.add_argument("--tta", choices=["none", "flip", "flip_shift"], default="none")
    p.add_argument("--augment", help="crop:P flip:PROB erase:AREA[:PROB] erase_random:AREA "
                   "cutout:SIZE, in order, on every training batch (none)")
    a = p.parse_args()
    if a.layers is None:
        with open(os.path.join(a.dir, "layers.txt")) as f:
            a.layers = f.read().strip()

    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr = load(a.dir, "train_x.u8", 784), load(a.dir, "train_y.u8", 1)
    xva, yva = load(a.dir, "valid_x.u8", 784), load(a.dir, "valid_y.u8", 1)
    xte, yte = load(a.dir, "test_x.u8", 784), load(a.dir, "test_y.u8", 1)
    m32, s32 = fit_scale(xtr, a.standardize)
    scale = lambda x: (x.astype(np.float32) - m32) / s32
    ztr, zva = scale(xtr), scale(xva)
    ops = parse_augment(a.augment)
    shape = (-1, 1, 28, 28)
    as_x = lambda z: torch.from_numpy(z).reshape(shape)
    as_y = lambda y: torch.from_numpy(y.astype(np.int64))
    xtr_t, xva_t = as_x(ztr), as_x(zva)
    ytr_t, yva_t = as_y(ytr), as_y(yva)
    raw_t = torch.from_numpy(xtr.astype(np.float32)).reshape(shape)  # for augmentation
    raw_test = torch.from_numpy(xte.astype(np.float32)).reshape(shape)  # for the test views
    mean_t, std_t = torch.from_numpy(m32), torch.from_numpy(s32)
    if a.standardize == "pixel":
        mean_t, std_t = mean_t.reshape(shape), std_t.reshape(shape)

    net = build(torch, a.layers)
    if a.init == "he":
        he_init(torch, net)
    decay_these = decayed(torch, net)
    ids = {id(w) for w in decay_these}
    others = [w for w in net.parameters() if id(w) not in ids]
    if a.optimizer == "adam":  # L2 in the gradient of the decayed weights only
        opt = torch.optim.Adam([{"params": decay_these, "weight_decay": a.weight_decay},
                                {"params": others, "weight_decay": 0.0}], lr=a.lr, eps=a.eps)
    else:  # the decay is applied by hand below, decoupled
        opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum,
                              nesterov=bool(a.nesterov))
    lossf = torch.nn.CrossEntropyLoss()
    train_loss = torch.nn.CrossEntropyLoss(label_smoothing=a.label_smoothing)
    average = Average(net, a.ema_decay) if a.ema_decay > 0 else None
    n = len(xtr_t)
    total_steps, step = a.epochs * ((n + a.batch - 1) // a.batch), 0
    peak = 0.0
    print("epoch train_loss train_acc val_loss val_acc secs", flush=True)
    fit_t0 = time.perf_counter()
    for e in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        net.train()
        total, correct = 0.0, 0
        for b in range(0, n, a.batch):
            idx = perm[b:b + a.batch]
            lr = lr_at(a.lr_schedule, a.lr, step, total_steps, a.warmup)
            for g in opt.param_groups:
                g["lr"] = lr
            step += 1
            x = xtr_t[idx] if not ops else (augment(torch, raw_t[idx], ops) - mean_t) / std_t
            opt.zero_grad()
            out = net(x)
            loss = train_loss(out, ytr_t[idx])
            loss.backward()
            if a.optimizer == "sgd" and a.weight_decay:
                with torch.no_grad():
                    for w in decay_these:
                        w.mul_(1.0 - lr * a.weight_decay)
            opt.step()
            if average:
                average.update(net)
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == ytr_t[idx]).sum().item()
        model = average.net if average else net
        vloss, vacc, _ = evaluate(torch, model, xva_t, yva_t, lossf)
        peak = max(peak, vacc)
        print("%d %.4f %.4f %.4f %.4f %.1f" % (e + 1, total / n, correct / n, vloss, vacc,
                                                time.perf_counter() - t0), flush=True)
    fit_s = time.perf_counter() - fit_t0
    model = average.net if average else net
    proba = test_proba(torch, model, raw_test, mean_t, std_t, a.tta)
    acc, f1 = scores(yte, proba.argmax(1).numpy())
    print("PEER accuracy=%.4f macro_f1=%.4f peak_val_accuracy=%.4f val_accuracy=%.4f seed=%d "
          "init=%s epochs=%d standardize=%s lr_schedule=%s augment=%s fit_s=%.1f torch=%s "
          "batch=%d lr=%g optimizer=%s momentum=%g nesterov=%d weight_decay=%g warmup=%g "
          "label_smoothing=%g ema_decay=%g tta=%s"
          % (acc, f1, peak, vacc, a.seed, a.init, a.epochs, a.standardize, a.lr_schedule,
             (a.augment or "none").replace(" ", ","), fit_s, torch.__version__, a.batch, a.lr,
             a.optimizer, a.momentum, a.nesterov, a.weight_decay, a.warmup, a.label_smoothing,
             a.ema_decay, a.tta), flush=True)


if __name__ == "__main__":
    main()
