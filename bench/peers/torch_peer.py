#!/usr/bin/python3
"""PyTorch (and scikit-learn MLP) peer of the libfmnist neural-network benchmarks.

Reads the split a bench program wrote (raw uint8 files in --dir:
train_x.u8 n x 784, train_y.u8 n, test_x.u8 m x 784, test_y.u8 m), builds the
network of --layers, the spec the library's side ran (torch_net.py), standardizes per pixel
with the training set's mean and std (as the library does), and prints one line

  PEER fit_s=... predict_s=... accuracy=... macro_f1=... rss_mb=... [key=value ...]

fit_s is one epoch of training (batch 32, Adam 0.001, eps 1e-7, shuffled):
either a whole epoch (--batches 0) or --batches mini-batches timed after
--warmup untimed ones, scaled to ceil(n/batch) batches. predict_s is the
inference of the whole test set (eval mode, no_grad, chunks of --infer-chunk),
the median of --infer-runs passes.
accuracy is that of the (possibly partly) trained net on the test set: a sanity
check, not a result. --sklearn trains scikit-learn's MLPClassifier (hidden 128,
with the spec's hidden layers and activation, adam, batch 32) for --sk-epochs epochs instead and reports its
per-epoch time as fit_s.
"""
import argparse
import os
import resource
import time

import numpy as np

from torch_net import build, mlp_shape


def load(d, name, width):
    a = np.fromfile(os.path.join(d, name), dtype=np.uint8)
    return a.reshape(-1, width) if width > 1 else a


def fit_scale(xtr, mode="pixel"):
    """float32 mean and std of the training images as the library fits them
    (population std, 1 where it is 0): per pixel (784 each) or, for
    mode "global", one pair for all pixels."""
    axis = 0 if mode == "pixel" else None
    mean = np.asarray(xtr.mean(axis=axis, dtype=np.float64))
    std = np.asarray(xtr.std(axis=axis, dtype=np.float64))
    std[std == 0] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def standardize(xtr, xte):
    m32, s32 = fit_scale(xtr)
    f = lambda x: (x.astype(np.float32) - m32) / s32
    return f(xtr), f(xte)


def scores(yte, pred):
    from sklearn.metrics import accuracy_score, f1_score
    return accuracy_score(yte, pred), f1_score(yte, pred, average="macro")


def run_torch(a, ztr, ytr, zte, yte):
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    shape = (-1, 1, 28, 28)
    xtr_t = torch.from_numpy(ztr).reshape(shape)
    ytr_t = torch.from_numpy(ytr.astype(np.int64))
    xte_t = torch.from_numpy(zte).reshape(shape)
    net = build(torch, a.layers)
    opt = torch.optim.Adam(net.parameters(), lr=0.001, eps=1e-7)
    lossf = torch.nn.CrossEntropyLoss()
    n = xtr_t.shape[0]
    n_batches = (n + a.batch - 1) // a.batch
    perm = torch.randperm(n)
    timed = a.batches if a.batches else n_batches
    todo = min(n_batches, (a.warmup if a.batches else 0) + timed)
    net.train()
    t0 = time.perf_counter()
    for b in range(todo):
        if a.batches and b == a.warmup:
            t0 = time.perf_counter()
        idx = perm[b * a.batch:(b + 1) * a.batch]
        opt.zero_grad()
        loss = lossf(net(xtr_t[idx]), ytr_t[idx])
        loss.backward()
        opt.step()
    elapsed = time.perf_counter() - t0
    done = todo - (a.warmup if a.batches else 0)
    fit_s = elapsed * n_batches / done
    net.eval()
    with torch.no_grad():
        net(xte_t[:a.infer_chunk])  # warm-up
        times = []
        for _ in range(a.infer_runs):  # median, as the library's side
            t0 = time.perf_counter()
            out = [net(xte_t[i:i + a.infer_chunk]).argmax(1) for i in range(0, len(xte_t),
                                                                           a.infer_chunk)]
            times.append(time.perf_counter() - t0)
        predict_s = sorted(times)[len(times) // 2]
    pred = torch.cat(out).numpy()
    return fit_s, predict_s, pred, " timed_batches=%d torch=%s" % (done, torch.__version__)


def run_sklearn(a, ztr, ytr, zte, yte):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=a.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        hidden, activation = mlp_shape(a.layers)
        model = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver="adam",
                              batch_size=a.batch, learning_rate_init=0.001, epsilon=1e-7,
                              max_iter=a.sk_epochs, shuffle=True, random_state=a.seed,
                              tol=0.0, n_iter_no_change=10 ** 9)
        t0 = time.perf_counter()
        model.fit(ztr, ytr)
        fit_s = (time.perf_counter() - t0) / a.sk_epochs
        t0 = time.perf_counter()
        pred = model.predict(zte)
        predict_s = time.perf_counter() - t0
    return fit_s, predict_s, pred, " sk_epochs=%d" % a.sk_epochs


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", required=True, help="the library's layer spec of the network")
    p.add_argument("--dir", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--batches", type=int, default=0, help="timed batches; 0: a whole epoch")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--infer-chunk", type=int, default=256)
    p.add_argument("--infer-runs", type=int, default=3)
    p.add_argument("--sklearn", action="store_true", help="MLPClassifier instead of PyTorch")
    p.add_argument("--sk-epochs", type=int, default=1)
    a = p.parse_args()

    xtr, ytr = load(a.dir, "train_x.u8", 784), load(a.dir, "train_y.u8", 1)
    xte, yte = load(a.dir, "test_x.u8", 784), load(a.dir, "test_y.u8", 1)
    ztr, zte = standardize(xtr, xte)
    run = run_sklearn if a.sklearn else run_torch
    fit_s, predict_s, pred, extra = run(a, ztr, ytr, zte, yte)
    acc, f1 = scores(yte, pred)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("PEER fit_s=%.4f predict_s=%.4f accuracy=%.4f macro_f1=%.4f rss_mb=%.1f%s" % (
        fit_s, predict_s, acc, f1, rss_mb, extra), flush=True)


if __name__ == "__main__":
    main()
