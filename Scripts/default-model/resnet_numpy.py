"""A plain numpy forward pass of torchvision-layout bottleneck ResNets, in 2D and in 3D
(inflated, I3D conventions), BatchNorm in eval mode. The independent reference for the
deflation check: it shares no code with CTScreen's engine.

3D conventions (as the inflated ResNets of Merlin/Astra): stem conv kernel depth 3, depth
stride 1, depth padding 1; max-pool 3x3x3 stride 2 padding 1; a block's conv2 and
downsample take the spatial stride in depth too. Arrays are [C, (D,) H, W] (one image).
"""
import numpy as np

EPS = 1e-5


def conv(x, w, stride, padding):
    """x [C, *S], w [O, C, *K] -> [O, *S']; stride and padding per spatial axis."""
    nd = w.ndim - 2
    pads = [(0, 0)] + [(p, p) for p in padding]
    xp = np.pad(x, pads)
    win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=tuple(range(1, nd + 1)))
    win = win[(slice(None),) + tuple(slice(None, None, s) for s in stride)]
    # win [C, *S', *K] with w [O, C, *K]
    axes_x = [0] + list(range(nd + 1, 2 * nd + 1))
    axes_w = [1] + list(range(2, nd + 2))
    out = np.tensordot(win, w, axes=(axes_x, axes_w))  # [*S', O]
    return np.moveaxis(out, -1, 0).astype(np.float32)


def batchnorm(x, sd, prefix):
    g, b = sd[prefix + ".weight"], sd[prefix + ".bias"]
    m, v = sd[prefix + ".running_mean"], sd[prefix + ".running_var"]
    shape = (-1,) + (1,) * (x.ndim - 1)
    return ((x - m.reshape(shape)) / np.sqrt(v.reshape(shape) + EPS) * g.reshape(shape) + b.reshape(shape)).astype(np.float32)


def maxpool(x, nd):
    pads = [(0, 0)] + [(1, 1)] * nd
    xp = np.pad(x, pads, constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xp, (3,) * nd, axis=tuple(range(1, nd + 1)))
    win = win[(slice(None),) + (slice(None, None, 2),) * nd]
    return win.max(axis=tuple(range(nd + 1, 2 * nd + 1)))


def relu(x):
    return np.maximum(x, 0)


def block_counts(sd):
    counts = []
    for layer in range(1, 5):
        n = 0
        while "layer%d.%d.conv1.weight" % (layer, n) in sd:
            n += 1
        counts.append(n)
    return counts


def forward(sd, x, stop_after=None):
    """Runs image x ([3, H, W] for 2D weights, [3, D, H, W] for 3D) and returns a dict of
    the outputs of 'stem' (after max-pool), 'layer1'..'layer4', 'pooled' and 'logit'
    (the last two when the weights have an fc). `stop_after`: a name to stop at."""
    nd = sd["conv1.weight"].ndim - 2
    out = {}
    stem_stride = (1, 2, 2) if nd == 3 else (2, 2)
    stem_pad = tuple(k // 2 for k in sd["conv1.weight"].shape[2:])
    y = relu(batchnorm(conv(x, sd["conv1.weight"], stem_stride, stem_pad), sd, "bn1"))
    y = maxpool(y, nd)
    out["stem"] = y
    if stop_after == "stem":
        return out
    for layer, count in enumerate(block_counts(sd), start=1):
        for b in range(count):
            p = "layer%d.%d." % (layer, b)
            s = 2 if (layer > 1 and b == 0) else 1
            stride = (s,) * nd
            t = relu(batchnorm(conv(y, sd[p + "conv1.weight"], (1,) * nd, (0,) * nd), sd, p + "bn1"))
            t = relu(batchnorm(conv(t, sd[p + "conv2.weight"], stride, (1,) * nd), sd, p + "bn2"))
            t = batchnorm(conv(t, sd[p + "conv3.weight"], (1,) * nd, (0,) * nd), sd, p + "bn3")
            if p + "downsample.0.weight" in sd:
                y = batchnorm(conv(y, sd[p + "downsample.0.weight"], stride, (0,) * nd), sd, p + "downsample.1")
            y = relu(t + y)
        out["layer%d" % layer] = y
        if stop_after == "layer%d" % layer:
            return out
    if "fc.weight" in sd:
        pooled = y.reshape(y.shape[0], -1).mean(axis=1)
        out["pooled"] = pooled
        out["logit"] = sd["fc.weight"] @ pooled + sd["fc.bias"]
    return out
