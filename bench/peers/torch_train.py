#!/usr/bin/python3
"""Trains a library network in PyTorch under the report's protocol, for accuracy side by side.

Reads the split a bench program wrote with --split-dir (raw uint8 files:
train_x.u8, train_y.u8, valid_x.u8, valid_y.u8, test_x.u8, test_y.u8; the
examples' split for the same seed) and the layer spec it ran (layers.txt
there, the report's final CNN for the nets' benchmarks; --layers overrides
it), builds that network (torch_net.py), standardizes per pixel with the training
set's mean and std, trains with Adam (lr 0.001, eps --eps), batch 32, a
fresh shuffle every epoch, and prints per epoch the train loss and accuracy
(dropout and noise on, as the library's history), validation loss and
accuracy and seconds, then one line

  PEER accuracy=... macro_f1=... peak_val_accuracy=... val_accuracy=... seed=... init=...

with the official-test figures of the last epoch's model.
--init he: kaiming_normal_ (fan_in, gain sqrt 2) on every conv and linear
weight, zero biases (as the library); --init default: PyTorch's own.
"""
import argparse
import time

import numpy as np

import os

from torch_net import build
from torch_peer import load, scores, standardize


def he_init(torch, net):
    for mod in net.modules():
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
            torch.nn.init.zeros_(mod.bias)


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
    ztr, zrest = standardize(xtr, np.concatenate([xva, xte]))  # one fit of mean and std
    zva, zte = zrest[:len(xva)], zrest[len(xva):]
    shape = (-1, 1, 28, 28)
    as_x = lambda z: torch.from_numpy(z).reshape(shape)
    as_y = lambda y: torch.from_numpy(y.astype(np.int64))
    xtr_t, xva_t, xte_t = as_x(ztr), as_x(zva), as_x(zte)
    ytr_t, yva_t, yte_t = as_y(ytr), as_y(yva), as_y(yte)

    net = build(torch, a.layers)
    if a.init == "he":
        he_init(torch, net)
    opt = torch.optim.Adam(net.parameters(), lr=0.001, eps=a.eps)
    lossf = torch.nn.CrossEntropyLoss()
    n = len(xtr_t)
    peak = 0.0
    print("epoch train_loss train_acc val_loss val_acc secs", flush=True)
    for e in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        net.train()
        total, correct = 0.0, 0
        for b in range(0, n, a.batch):
            idx = perm[b:b + a.batch]
            opt.zero_grad()
            out = net(xtr_t[idx])
            loss = lossf(out, ytr_t[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == ytr_t[idx]).sum().item()
        vloss, vacc, _ = evaluate(torch, net, xva_t, yva_t, lossf)
        peak = max(peak, vacc)
        print("%d %.4f %.4f %.4f %.4f %.1f" % (e + 1, total / n, correct / n, vloss, vacc,
                                                time.perf_counter() - t0), flush=True)
    _, _, logits = evaluate(torch, net, xte_t, yte_t, lossf)
    acc, f1 = scores(yte, logits.argmax(1).numpy())
    print("PEER accuracy=%.4f macro_f1=%.4f peak_val_accuracy=%.4f val_accuracy=%.4f seed=%d "
          "init=%s epochs=%d torch=%s" % (acc, f1, peak, vacc, a.seed, a.init, a.epochs,
                                          torch.__version__), flush=True)


if __name__ == "__main__":
    main()
