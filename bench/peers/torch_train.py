#!/usr/bin/python3
"""Trains a library network in PyTorch under the report's protocol, for accuracy side by side.

Reads the split a bench program wrote with --split-dir (raw uint8 files:
train_x.u8, train_y.u8, valid_x.u8, valid_y.u8, test_x.u8, test_y.u8; the
examples' split for the same seed) and the layer spec it ran (layers.txt
there, the report's final CNN for the nets' benchmarks; --layers overrides
it), builds that network (torch_net.py), standardizes with the training
set's mean and std (per pixel, or --standardize global), trains with Adam (lr 0.001, eps --eps), batch 32, a
fresh shuffle every epoch, and prints per epoch the train loss and accuracy
(dropout and noise on, as the library's history), validation loss and
accuracy and seconds, then one line

  PEER accuracy=... macro_f1=... peak_val_accuracy=... val_accuracy=... seed=... init=...

with the official-test figures of the last epoch's model.
--init he: kaiming_normal_ (fan_in, gain sqrt 2) on every conv and linear
weight, zero biases (as the library); --init default: PyTorch's own.
The library's recipe options have their PyTorch twins, so that a recipe
compares like with like: --standardize global (one mean and std for all
pixels), --lr-schedule cosine (Adam's lr annealed by a cosine to 0 over
all steps, set before each step, as the library's), --augment "crop:P
flip:PROB" (each training image of each batch, on the raw pixels before
standardization as the library does: a random crop of the image padded
with P zero pixels, torchvision's RandomCrop(28, padding=P), then a
horizontal flip with probability PROB).
"""
import argparse
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


def parse_augment(spec):
    """(pad, flip probability) of the crop/flip subset of the transform language."""
    pad, flip = 0, 0.0
    for token in (spec or "").split():
        name, _, value = token.partition(":")
        if name == "crop":
            pad = int(value)
        elif name == "flip":
            flip = float(value) if value else 0.5
        else:
            raise SystemExit("torch_train: --augment supports crop:P and flip:PROB, not %r" % token)
    return pad, flip


def augment(torch, raw, pad, flip):
    """Random crop with zero padding and random horizontal flip of a batch
    of raw images (B, 1, 28, 28), each image its own draw."""
    b = raw.shape[0]
    if pad:
        padded = torch.nn.functional.pad(raw, (pad, pad, pad, pad))
        dy = torch.randint(0, 2 * pad + 1, (b,)).tolist()
        dx = torch.randint(0, 2 * pad + 1, (b,)).tolist()
        raw = torch.stack([padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28] for i in range(b)])
    if flip:
        mask = torch.rand(b) < flip
        raw = torch.where(mask.view(b, 1, 1, 1), raw.flip(3), raw)
    return raw


def evaluate(torch, net, x, y, lossf):
    net.eval()
    with torch.no_grad():
        logits = torch.cat([net(x[i:i + 1000]) for i in range(0, len(x), 1000)])
    net.train()
    return lossf(logits, y).item(), (logits.argmax(1) == y).float().mean().item(), logits


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--eps", type=float, default=1e-7)
    p.add_argument("--init", choices=["he", "default"], default="he")
    p.add_argument("--layers", help="layer spec (default: layers.txt of --dir)")
    p.add_argument("--standardize", choices=["pixel", "global"], default="pixel")
    p.add_argument("--lr-schedule", choices=["constant", "cosine"], default="constant")
    p.add_argument("--augment", help="crop:P flip:PROB on every training batch (none)")
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
    ztr, zva, zte = scale(xtr), scale(xva), scale(xte)
    pad, flip = parse_augment(a.augment)
    shape = (-1, 1, 28, 28)
    as_x = lambda z: torch.from_numpy(z).reshape(shape)
    as_y = lambda y: torch.from_numpy(y.astype(np.int64))
    xtr_t, xva_t, xte_t = as_x(ztr), as_x(zva), as_x(zte)
    ytr_t, yva_t, yte_t = as_y(ytr), as_y(yva), as_y(yte)
    raw_t = torch.from_numpy(xtr.astype(np.float32)).reshape(shape)  # for augmentation
    mean_t, std_t = torch.from_numpy(m32), torch.from_numpy(s32)
    if a.standardize == "pixel":
        mean_t, std_t = mean_t.reshape(shape), std_t.reshape(shape)

    net = build(torch, a.layers)
    if a.init == "he":
        he_init(torch, net)
    opt = torch.optim.Adam(net.parameters(), lr=0.001, eps=a.eps)
    lossf = torch.nn.CrossEntropyLoss()
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
            if a.lr_schedule == "cosine":
                for g in opt.param_groups:
                    g["lr"] = 0.001 * 0.5 * (1 + math.cos(math.pi * step / total_steps))
            step += 1
            x = xtr_t[idx] if not (pad or flip) else \
                (augment(torch, raw_t[idx], pad, flip) - mean_t) / std_t
            opt.zero_grad()
            out = net(x)
            loss = lossf(out, ytr_t[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == ytr_t[idx]).sum().item()
        vloss, vacc, _ = evaluate(torch, net, xva_t, yva_t, lossf)
        peak = max(peak, vacc)
        print("%d %.4f %.4f %.4f %.4f %.1f" % (e + 1, total / n, correct / n, vloss, vacc,
                                                time.perf_counter() - t0), flush=True)
    fit_s = time.perf_counter() - fit_t0
    _, _, logits = evaluate(torch, net, xte_t, yte_t, lossf)
    acc, f1 = scores(yte, logits.argmax(1).numpy())
    print("PEER accuracy=%.4f macro_f1=%.4f peak_val_accuracy=%.4f val_accuracy=%.4f seed=%d "
          "init=%s epochs=%d standardize=%s lr_schedule=%s augment=%s fit_s=%.1f torch=%s"
          % (acc, f1, peak, vacc, a.seed, a.init, a.epochs, a.standardize, a.lr_schedule,
             (a.augment or "none").replace(" ", ","), fit_s, torch.__version__), flush=True)


if __name__ == "__main__":
    main()
