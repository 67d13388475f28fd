#!/usr/bin/env python3
# Reference fixture for the Swift slice clustering (Sources/Clustering): z-scoring, PCA to 2D,
# k-means (k-means++ starts, seeded restarts) for k = 1...8 and the elbow choice of k, all computed
# by scikit-learn / kneed on fixed data drawn from numpy's default_rng(20261207). Writes
#   Tests/ClusteringTests/Fixtures/clustering-reference.json
# and two small arrays saved by numpy.save (reference-f16.npy, reference-u8.npy) that the Swift
# .npy reader must read and its writer reproduce byte for byte.
# The Swift tests only read those files (data included); they never regenerate the data.
#
#   Scripts/cluster-fixtures.py           # (re)write the JSON
#   Scripts/cluster-fixtures.py --check   # recompute; exit 1 if the stored JSON differs
#                                         # (floats: 1e-9 relative, 1e-12 absolute near zero)
#
# Needs python3 with venv and PyPI: on first run it makes its own venv at
# ${XDG_CACHE_HOME:-$HOME/.cache}/ctscreen-cluster-fixtures-venv with the pinned packages below
# and re-executes itself there. Single-threaded (BLAS/OpenMP threads pinned to 1); runs in seconds.
import os
import sys

PINS = ["numpy==2.4.6", "scipy==1.17.1", "scikit-learn==1.9.1", "kneed==0.9.0"]
SEED = 20261207


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cachevenv  # noqa: E402

cachevenv.enter("ctscreen-cluster-fixtures-venv", PINS, "cluster-fixtures")

import json  # noqa: E402
import math  # noqa: E402

import numpy as np  # noqa: E402
import kneed  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "ClusteringTests", "Fixtures", "clustering-reference.json")
KS = list(range(1, 9))
KMEANS_PARAMS = dict(init="k-means++", n_init=10, random_state=0, algorithm="lloyd", tol=1e-10, max_iter=1000)

CONVENTIONS = (
    "Data: drawn once from numpy default_rng(20261207) and rounded to 6 decimals before anything "
    "else; the stored 'points' are those rounded values and are the inputs (never regenerate). "
    "z-scoring: sklearn StandardScaler, per column (x - mean) / std with the population std (ddof 0); "
    "a column of zero std maps to 0. "
    "PCA: on the z-scored data, sklearn PCA(n_components=2, svd_solver='full'); 'components' is 2 x d "
    "(rows = unit principal axes, by decreasing variance); 'explained_variance' uses ddof 1 "
    "(eigenvalues of the sample covariance with n-1); 'explained_variance_ratio' = explained_variance / "
    "total variance of all d directions; 'projection' is n x 2 = (z - column mean of z) @ components^T. "
    "Sign: each component is flipped so that its entry of largest absolute value is positive, and its "
    "projection column is flipped with it. "
    "k-means: on the z-scored 'blobs', sklearn KMeans(n_clusters=k, init='k-means++', n_init=10, "
    "random_state=0, algorithm='lloyd', tol=1e-10, max_iter=1000) for k = 1...8; 'inertia' = sum over "
    "points of the squared Euclidean distance to the assigned centre (best of the 10 restarts); for k = 3 "
    "'labels' (0-based, arbitrary cluster numbering: compare partitions up to relabelling) and 'centers' "
    "(k x d, z-scored units, row i = mean of the points labelled i). "
    "'inertia_min_over_seeds' = lowest inertia sklearn found over random_state 0...19 (same params), "
    "an informational lower bound for a different RNG. "
    "Elbow: see 'elbow_rule'. "
    "'tiny': raw (not z-scored) 2-D points, KMeans(n_clusters=2, same params); centers sorted by x. "
    "Numbers are float64 written with Python's shortest round-trip repr; the --check comparison "
    "uses 1e-9 relative (1e-12 absolute for values near 0)."
)

ELBOW_RULE = (
    "Kneedle for a convex decreasing curve over k = 1...8 with inertia I(k): k_norm = (k - 1) / (8 - 1), "
    "I_norm = (I - min I) / (max I - min I); the elbow is the k maximising (1 - I_norm) - k_norm "
    "(the first such k on a tie). Equals kneed.KneeLocator(ks, inertias, curve='convex', "
    "direction='decreasing', S=1.0, interp_method='interp1d').knee, which the generator asserts."
)


def make_data():
    rng = np.random.default_rng(SEED)
    # blobs: 3 centres (sigma = 1 units before the per-dimension scaling), 30 points each, 6 dims.
    d, per = 6, 30
    centres = rng.uniform(-8.0, 8.0, size=(3, d))
    gaps = [np.linalg.norm(centres[i] - centres[j]) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) >= 8.0, f"blob centres too close: {gaps}"
    noise = rng.standard_normal((3, per, d))
    pts = (centres[:, None, :] + noise).reshape(3 * per, d)
    truth = np.repeat(np.arange(3), per)
    pts = pts * (np.arange(d) + 1.0)  # dimension j scaled by (j + 1): z-scoring matters
    order = rng.permutation(3 * per)
    blobs, truth = np.round(pts[order], 6), truth[order]
    # elongated: one anisotropic Gaussian, std 5, 2, 0.5, 0.1 along a random rotation, 60 x 4.
    q, r = np.linalg.qr(rng.standard_normal((4, 4)))
    q = q * np.sign(np.diag(r))
    elongated = np.round((rng.standard_normal((60, 4)) * np.array([5.0, 2.0, 0.5, 0.1])) @ q.T, 6)
    return blobs, truth, elongated, min(gaps)


def zscore(x):
    z = StandardScaler().fit_transform(x)
    mu, sd = x.mean(axis=0), x.std(axis=0, ddof=0)
    manual = np.where(sd > 0, (x - mu) / np.where(sd > 0, sd, 1.0), 0.0)
    assert np.allclose(z, manual, rtol=1e-12, atol=1e-12)
    return z


def pca2(z):
    pca = PCA(n_components=2, svd_solver="full").fit(z)
    comps = pca.components_.copy()
    proj = pca.transform(z)
    for i in range(2):
        if comps[i, np.argmax(np.abs(comps[i]))] < 0:
            comps[i] *= -1.0
            proj[:, i] *= -1.0
    assert np.allclose(proj, (z - z.mean(axis=0)) @ comps.T, rtol=1e-10, atol=1e-12)
    ev = pca.explained_variance_
    total = np.var(z, axis=0, ddof=1).sum()
    assert np.allclose(pca.explained_variance_ratio_, ev / total, rtol=1e-10)
    return {
        "components": comps.tolist(),
        "explained_variance": ev.tolist(),
        "explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
        "projection": proj.tolist(),
    }


def kmeans(x, k, seed=0):
    km = KMeans(n_clusters=k, **dict(KMEANS_PARAMS, random_state=seed)).fit(x)
    labels, centers = km.labels_, km.cluster_centers_
    # consistency of what we store: inertia from labels/centres; centres are the label means.
    inertia = float(((x - centers[labels]) ** 2).sum())
    assert math.isclose(inertia, km.inertia_, rel_tol=1e-9), (inertia, km.inertia_)
    for c in range(k):
        assert np.allclose(centers[c], x[labels == c].mean(axis=0), rtol=1e-9, atol=1e-12)
    return km


def plain_elbow(ks, inertias):
    k = np.asarray(ks, dtype=float)
    y = np.asarray(inertias, dtype=float)
    k_norm = (k - k.min()) / (k.max() - k.min())
    y_norm = (y - y.min()) / (y.max() - y.min())
    return int(ks[int(np.argmax((1.0 - y_norm) - k_norm))])


def compute():
    blobs, truth, elongated, min_gap = make_data()
    zb, ze = zscore(blobs), zscore(elongated)

    runs, inertias = [], []
    for k in KS:
        km = kmeans(zb, k)
        best = min(kmeans(zb, k, seed=s).inertia_ for s in range(20))
        entry = {"k": k, "inertia": float(km.inertia_), "inertia_min_over_seeds": float(best)}
        if k == 3:
            entry["labels"] = [int(v) for v in km.labels_]
            entry["centers"] = km.cluster_centers_.tolist()
            # the blob structure is really there: k = 3 recovers the generating partition.
            pairs = {(int(a), int(b)) for a, b in zip(km.labels_, truth)}
            assert len(pairs) == 3, f"k=3 does not recover the blobs: {sorted(pairs)}"
        runs.append(entry)
        inertias.append(float(km.inertia_))

    knee = kneed.KneeLocator(KS, inertias, curve="convex", direction="decreasing", S=1.0,
                             interp_method="interp1d").knee
    plain = plain_elbow(KS, inertias)
    assert knee is not None and int(knee) == plain, (knee, plain)
    assert plain == 3, f"elbow at k={plain}, expected 3: separate the blobs more"

    tiny_pts = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    tkm = kmeans(tiny_pts, 2)
    tcent = tkm.cluster_centers_[np.argsort(tkm.cluster_centers_[:, 0])]
    assert math.isclose(tkm.inertia_, 1.0, rel_tol=1e-12)
    assert np.allclose(tcent, [[0.0, 0.5], [10.0, 0.5]], atol=1e-12)

    return {
        "generator": "Scripts/cluster-fixtures.py",
        "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__,
                     "kneed": getattr(kneed, "__version__", "0.9.0")},
        "seed": SEED,
        "conventions": CONVENTIONS,
        "elbow_rule": ELBOW_RULE,
        "blobs": {
            "description": "3 Gaussian blobs x 30 points, 6 dims, sigma 1, centres uniform in [-8, 8]^6 "
                           f"(min centre distance {min_gap:.3f} sigma), dimension j then scaled by (j+1), "
                           "rows shuffled, rounded to 6 decimals",
            "points": blobs.tolist(),
            "true_labels": [int(v) for v in truth],
            "zscored": zb.tolist(),
            "pca": pca2(zb),
            "kmeans": runs,
            "elbow_k": plain,
        },
        "elongated": {
            "description": "60 points, 4 dims, one zero-mean Gaussian with std 5, 2, 0.5, 0.1 along a "
                           "random rotation, rounded to 6 decimals",
            "points": elongated.tolist(),
            "zscored": ze.tolist(),
            "pca": pca2(ze),
        },
        "tiny": {
            "points": tiny_pts.tolist(),
            "k": 2,
            "inertia": float(tkm.inertia_),
            "centers": tcent.tolist(),
        },
    }


def dumps(obj, indent=0):
    """JSON with lists of scalars on one line (readable rows), everything else indented."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, indent + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (list, dict)) for v in obj):
            return "[" + ", ".join(json.dumps(v) for v in obj) + "]"
        return "[\n" + ",\n".join(inner + dumps(v, indent + 2) for v in obj) + "\n" + pad + "]"
    if isinstance(obj, float):
        assert math.isfinite(obj)
    return json.dumps(obj)


def diff(a, b, path="$"):
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [m for k in a for m in diff(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [m for i, (x, y) in enumerate(zip(a, b)) for m in diff(x, y, f"{path}[{i}]")]
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return [] if a == b else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, int) and isinstance(b, int):
        return [] if a == b else [f"{path}: {a} != {b}"]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) else [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def npy_references():
    """File name -> bytes of numpy.save for the .npy reader/writer tests."""
    import io
    import numpy as np
    arrays = {
        "reference-f16.npy": np.array([[0.0, 1.0, -2.5, 65504.0], [0.333251953125, -0.0, 1e-4, 7.0],
                                       [3.5, -1.0, 0.5, 2048.0]], dtype=np.float16),
        "reference-u8.npy": np.arange(6, dtype=np.uint8).reshape(2, 3) * 50,
    }
    out = {}
    for name, a in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, a)
        out[name] = buffer.getvalue()
    return out


def main():
    args = sys.argv[1:]
    if args not in ([], ["--check"]):
        print("usage: Scripts/cluster-fixtures.py [--check]", file=sys.stderr)
        return 2
    ref = compute()
    rel = os.path.relpath(OUT, REPO)
    if args == ["--check"]:
        if not os.path.exists(OUT):
            print(f"cluster-fixtures: {rel} is missing", file=sys.stderr)
            return 1
        with open(OUT) as f:
            stored = json.load(f)
        problems = diff(ref, stored)
        for name, data in npy_references().items():
            path = os.path.join(os.path.dirname(OUT), name)
            if not os.path.exists(path) or open(path, "rb").read() != data:
                problems.append(f"{name}: missing or not what numpy.save writes")
        if problems:
            print(f"cluster-fixtures: {rel} differs from a fresh computation ({len(problems)}):",
                  file=sys.stderr)
            for p in problems[:20]:
                print("  " + p, file=sys.stderr)
            return 1
        print(f"cluster-fixtures: {rel} matches")
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(dumps(ref) + "\n")
    for name, data in npy_references().items():
        with open(os.path.join(os.path.dirname(OUT), name), "wb") as f:
            f.write(data)
    print(f"cluster-fixtures: wrote {rel} and the .npy references")
    return 0


if __name__ == "__main__":
    sys.exit(main())
