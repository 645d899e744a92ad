#!/usr/bin/python3
"""Our KNN and random forest beside scikit-learn's on the report's split
(50 000 training images, validation on the other 10 000 of the official
training set, seed 42): accuracy and seconds of both, same options, same
threads. Ends with one RESULT line (as examples/compare_all).

    FMNIST_LIBRARY=lib/libfmnist.so.1 PYTHONPATH=python \
        /usr/bin/python3 python/examples/compare_sklearn.py [--threads N] [--limit N]
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier as SkForest
from sklearn.metrics import f1_score
from sklearn.neighbors import KNeighborsClassifier as SkKNN
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import fmnist


def timed(model, X, y, Xv, yv):
    t0 = time.perf_counter()
    model.fit(X, y)
    t1 = time.perf_counter()
    pred = model.predict(Xv)
    t2 = time.perf_counter()
    return np.mean(pred == yv), f1_score(yv, pred, average="macro"), t1 - t0, t2 - t1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=-1, help="n_jobs of both sides (-1: all)")
    ap.add_argument("--limit", type=int, default=0, help="first N training images (0: all)")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    X, y = fmnist.load("train")
    if a.limit:
        X, y = X[:a.limit], y[:a.limit]
    X_train, X_valid, y_train, y_valid = fmnist.split(X, y, len(y) * 5 // 6, seed=a.seed)
    rows = [
        ("knn_5", fmnist.KNeighborsClassifier(n_neighbors=5, n_jobs=a.threads),
         # ours standardizes per pixel itself; scikit-learn's gets the same scaler
         make_pipeline(StandardScaler(), SkKNN(n_neighbors=5, n_jobs=a.threads))),
        ("forest_70", fmnist.RandomForestClassifier(max_depth=70, n_jobs=a.threads,
                                                    random_state=a.seed),
         SkForest(max_depth=70, n_jobs=a.threads, random_state=a.seed)),
    ]
    print("%d training, %d validation images, n_jobs=%d\n" % (len(y_train), len(y_valid),
                                                             a.threads))
    print("%-10s %-13s %9s %9s %9s %11s" % ("model", "side", "accuracy", "macro_f1", "fit_s",
                                           "predict_s"))
    results = []
    for name, ours, theirs in rows:
        r = {}
        for side, model in (("libfmnist", ours), ("scikit-learn", theirs)):
            r[side] = timed(model, X_train, y_train, X_valid, y_valid)
            print("%-10s %-13s %9.4f %9.4f %9.2f %11.2f" % ((name, side) + r[side]))
        results.append((name, r))
    # one RESULT line, as compare_all: the best of ours, then every figure
    best = max(results, key=lambda nr: nr[1]["libfmnist"][0])
    fields = ["model=%s" % best[0], "accuracy=%.4f" % best[1]["libfmnist"][0],
              "macro_f1=%.4f" % best[1]["libfmnist"][1]]
    for name, r in results:
        for side, prefix in (("libfmnist", name), ("scikit-learn", name + "_sklearn")):
            acc, f1, fit_s, predict_s = r[side]
            fields += ["%s_accuracy=%.4f" % (prefix, acc), "%s_macro_f1=%.4f" % (prefix, f1),
                       "%s_fit_s=%.3f" % (prefix, fit_s), "%s_predict_s=%.3f" % (prefix, predict_s)]
    print("\nRESULT " + " ".join(fields))

if __name__ == "__main__":
    main()
