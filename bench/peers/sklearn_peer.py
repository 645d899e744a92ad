#!/usr/bin/python3
"""scikit-learn peer of the libfmnist benchmarks.

Reads the split a bench program wrote (raw uint8 files in --dir:
train_x.u8 n x 784, train_y.u8 n, test_x.u8 m x 784, test_y.u8 m), fits the
same model with the same options and thread count, and prints one line

  PEER fit_s=... predict_s=... accuracy=... macro_f1=... rss_mb=...
       fit_cpu_s=... predict_cpu_s=... [n_iter=...]

predict_s is the prediction of the whole test set; *_cpu_s the CPU seconds
of the process over the same span (all threads); rss_mb the peak resident
set of this process (getrusage). Standardization (StandardScaler, as the
library's models do internally) is part of fit_s and predict_s for logreg
and knn; the forest, like the library's, sees the raw pixels.
"""
import argparse
import os
import resource
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


def load(d, name, width):
    a = np.fromfile(os.path.join(d, name), dtype=np.uint8)
    return a.reshape(-1, width) if width > 1 else a


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", choices=["logreg", "knn", "forest"])
    p.add_argument("--dir", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--C", type=float, default=1.0)
    p.add_argument("--max-iter", type=int, default=100)
    p.add_argument("--tol", type=float, default=1e-3)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--weights", default="uniform")
    p.add_argument("--n-trees", type=int, default=100)
    p.add_argument("--max-depth", type=int, default=0, help="0 = none")
    p.add_argument("--criterion", default="gini")
    a = p.parse_args()

    xtr, ytr = load(a.dir, "train_x.u8", 784), load(a.dir, "train_y.u8", 1)
    xte, yte = load(a.dir, "test_x.u8", 784), load(a.dir, "test_y.u8", 1)
    extra = ""
    with threadpool_limits(limits=a.threads):
        t0, c0 = time.perf_counter(), time.process_time()
        if a.model == "forest":
            model = RandomForestClassifier(
                n_estimators=a.n_trees, criterion=a.criterion,
                max_depth=a.max_depth or None, n_jobs=a.threads,
                random_state=a.seed)
            model.fit(xtr, ytr)
            fit_s, fit_cpu_s = time.perf_counter() - t0, time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            pred = model.predict(xte)
        else:
            scaler = StandardScaler().fit(xtr)
            ztr = scaler.transform(xtr)
            if a.model == "logreg":
                model = LogisticRegression(C=a.C, solver="sag", max_iter=a.max_iter,
                                           tol=a.tol, random_state=a.seed)
            else:
                model = KNeighborsClassifier(n_neighbors=a.k, weights=a.weights,
                                             algorithm="brute", n_jobs=a.threads)
            model.fit(ztr, ytr)
            fit_s, fit_cpu_s = time.perf_counter() - t0, time.process_time() - c0
            if a.model == "logreg":
                extra = " n_iter=%d" % int(np.max(model.n_iter_))
            t0, c0 = time.perf_counter(), time.process_time()
            pred = model.predict(scaler.transform(xte))
        predict_s, predict_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("PEER fit_s=%.4f predict_s=%.4f accuracy=%.4f macro_f1=%.4f rss_mb=%.1f "
          "fit_cpu_s=%.4f predict_cpu_s=%.4f%s" % (
              fit_s, predict_s, accuracy_score(yte, pred),
              f1_score(yte, pred, average="macro"), rss_mb, fit_cpu_s, predict_cpu_s,
              extra), flush=True)


if __name__ == "__main__":
    main()
