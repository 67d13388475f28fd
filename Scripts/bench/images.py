"""Seeded synthetic 224x224 inputs, normalised with the ImageNet mean/std like real slices.

Three kinds, so the benchmark sees varied activation patterns: a smooth random pattern,
a CT-like slice (body, two lungs, bright blobs) and uniform noise.
"""
import numpy as np

SIZE = 224
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float64)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float64)


def _grid():
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) / SIZE
    return y, x


def _minmax(a):
    lo, hi = a.min(), a.max()
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def smooth(rng):
    y, x = _grid()
    chans = []
    for _ in range(3):
        a = np.zeros((SIZE, SIZE))
        for _ in range(6):
            f = rng.uniform(0.5, 4.0)
            th = rng.uniform(0, 2 * np.pi)
            a += np.cos(2 * np.pi * f * (x * np.cos(th) + y * np.sin(th)) + rng.uniform(0, 2 * np.pi))
        for _ in range(3):
            cy, cx, s = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.2)
            a += 3 * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s))
        chans.append(_minmax(a))
    return np.stack(chans)


def ct_like(rng):
    y, x = _grid()
    img = np.zeros((SIZE, SIZE))
    body = ((x - 0.5) / 0.45) ** 2 + ((y - 0.5) / 0.35) ** 2 < 1
    img[body] = 0.9
    for cx in (0.3 + rng.uniform(-0.03, 0.03), 0.7 + rng.uniform(-0.03, 0.03)):
        r = ((x - cx) / 0.15) ** 2 + ((y - 0.48) / 0.25) ** 2
        lung = 1 / (1 + np.exp((r - 1) * 12))
        img = img * (1 - lung) + 0.12 * lung
        for _ in range(2):
            by, bx = 0.48 + rng.uniform(-0.15, 0.15), cx + rng.uniform(-0.08, 0.08)
            s = rng.uniform(0.02, 0.05)
            img += rng.uniform(0.3, 0.6) * lung * np.exp(-((y - by) ** 2 + (x - bx) ** 2) / (2 * s * s))
    img[((x - 0.5) / 0.05) ** 2 + ((y - 0.75) / 0.06) ** 2 < 1] = 1.0
    img = np.clip(img + rng.normal(0, 0.01, img.shape), 0, 1)
    return np.stack([img] * 3)


def noise(rng):
    return rng.uniform(0, 1, (3, SIZE, SIZE))


def batch(count, seed):
    """float32 [count,3,224,224], cycling through the three kinds."""
    rng = np.random.default_rng(seed)
    kinds = (smooth, ct_like, noise)
    imgs = [kinds[i % 3](rng) for i in range(count)]
    x = (np.stack(imgs) - MEAN[None, :, None, None]) / STD[None, :, None, None]
    return x.astype(np.float32)
