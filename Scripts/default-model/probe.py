#!/usr/bin/env python3
"""Linear probe on pooled features written by `ctscreen predict --features`: an L2 logistic
regression scored by grouped cross-validation (whole patients or volumes per fold), AUC of
the pooled out-of-fold scores, overall and per dataset. Used to measure which input
orientation and which kept blocks suit a backbone (Scripts/default-model/measure-orientation).

  probe.py PREDICT.csv FEATURES.f32 [--folds 5] [--l2 1.0]
"""
import argparse
import csv
import zlib

import numpy as np


def auc(labels, scores):
    labels, scores = np.asarray(labels), np.asarray(scores)
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    allv = np.concatenate([pos, neg])[order]
    # average ranks for ties
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def fit(x, y, l2, steps=60):
    """Newton's method on the L2-penalised logistic loss (bias unpenalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    pen = np.full(d + 1, l2)
    pen[-1] = 0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w)))
        g = xb.T @ (p - y) / n + pen * w
        h = (xb * (p * (1 - p))[:, None]).T @ xb / n + np.diag(pen + 1e-8)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("features")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=1.0)
    a = ap.parse_args()
    rows = list(csv.DictReader(open(a.csv)))
    feats = np.fromfile(a.features, dtype="<f4").reshape(len(rows), -1).astype(np.float64)
    y = np.array([int(r["label"]) for r in rows], dtype=np.float64)
    groups = [r["dataset"] + "/" + r["patient"] for r in rows]
    fold = np.array([zlib.crc32(g.encode()) % a.folds for g in groups])
    scores = np.zeros(len(rows))
    for k in range(a.folds):
        tr, te = fold != k, fold == k
        mu, sd = feats[tr].mean(0), feats[tr].std(0) + 1e-6
        w = fit((feats[tr] - mu) / sd, y[tr], a.l2)
        xt = (feats[te] - mu) / sd
        scores[te] = xt @ w[:-1] + w[-1]
    datasets = sorted({r["dataset"] for r in rows})
    parts = ["all %.3f" % auc(y, scores)]
    for d in datasets:
        m = np.array([r["dataset"] == d for r in rows])
        parts.append("%s %.3f" % (d, auc(y[m], scores[m])))
    print("probe AUC (grouped %d-fold, out of fold): %s" % (a.folds, ", ".join(parts)))


if __name__ == "__main__":
    main()
