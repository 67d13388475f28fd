"""ResNet-50 v1.5 in the torchvision layout: tensor names, shapes and a plain NumPy forward.

The forward pass here is the reference the ONNX graph is checked against, and the tool
used to calibrate the BatchNorm running statistics of the random benchmark model. It is
written for clarity (im2col + one matmul per convolution, BN applied unfused), not speed.
Axis order everywhere: NCHW; conv weights [out, in, kh, kw].
"""
from dataclasses import dataclass

import numpy as np

BLOCKS = (3, 4, 6, 3)  # bottlenecks per stage
EXPANSION = 4
BN_EPS = 1e-5


@dataclass(frozen=True)
class Conv:
    """One convolution followed by its BatchNorm; `relu` tells whether a ReLU follows directly."""
    weight: str          # name of the conv weight tensor
    bn: str              # prefix of the BN tensors (bn.weight, bn.bias, ...)
    c_in: int
    c_out: int
    k: int
    stride: int
    relu: bool


@dataclass(frozen=True)
class Block:
    name: str            # e.g. "layer2.0"
    convs: tuple         # conv1, conv2, conv3 (Conv)
    downsample: object   # Conv or None


def architecture(base_width):
    """Stem conv, then the bottleneck blocks, for base width 64 (full) or 8 (fixture)."""
    stem = Conv("conv1.weight", "bn1", 3, base_width, 7, 2, True)
    blocks = []
    c_in = base_width
    for stage, count in enumerate(BLOCKS):
        width = base_width * 2 ** stage
        c_out = width * EXPANSION
        for b in range(count):
            name = f"layer{stage + 1}.{b}"
            s = 2 if (b == 0 and stage > 0) else 1  # v1.5: stride on the 3x3 conv
            convs = (
                Conv(f"{name}.conv1.weight", f"{name}.bn1", c_in, width, 1, 1, True),
                Conv(f"{name}.conv2.weight", f"{name}.bn2", width, width, 3, s, True),
                Conv(f"{name}.conv3.weight", f"{name}.bn3", width, c_out, 1, 1, False),
            )
            down = None
            if b == 0:
                down = Conv(f"{name}.downsample.0.weight", f"{name}.downsample.1",
                            c_in, c_out, 1, s, False)
            blocks.append(Block(name, convs, down))
            c_in = c_out
    return stem, blocks, c_in


def all_convs(base_width):
    stem, blocks, _ = architecture(base_width)
    out = [stem]
    for blk in blocks:
        out.extend(blk.convs)
        if blk.downsample is not None:
            out.append(blk.downsample)
    return out


def expected_shapes(base_width):
    """Every tensor name and its shape; used to check a weights file before use."""
    shapes = {}
    for c in all_convs(base_width):
        shapes[c.weight] = (c.c_out, c.c_in, c.k, c.k)
        for p in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{c.bn}.{p}"] = (c.c_out,)
    features = base_width * 8 * EXPANSION
    shapes["fc.weight"] = (1, features)
    shapes["fc.bias"] = (1,)
    return shapes


def infer_base_width(params):
    return int(params["conv1.weight"].shape[0])


def check_params(params):
    """Raise ValueError naming the first missing or mis-shaped tensor."""
    base = infer_base_width(params)
    for name, shape in expected_shapes(base).items():
        if name not in params:
            raise ValueError(f"weights: missing tensor {name}")
        if tuple(params[name].shape) != shape:
            raise ValueError(f"weights: {name} has shape {tuple(params[name].shape)}, expected {shape}")
    return base


# ---- NumPy operators -------------------------------------------------------------------

def conv2d(x, w, stride, pad):
    """x [N,C,H,W], w [O,C,k,k] -> [N,O,Ho,Wo] by im2col and one matmul."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    if k == 1:
        xs = x[:, :, ::stride, ::stride]
        return np.einsum("oc,nchw->nohw", w.reshape(o, c), xs, optimize=True)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]                      # [N,C,Ho,Wo,k,k]
    ho, wo = win.shape[2], win.shape[3]
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * k * k)
    y = cols @ w.reshape(o, c * k * k).T                      # [N*Ho*Wo, O]
    return y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)


def batchnorm(x, params, prefix):
    g = params[f"{prefix}.weight"][None, :, None, None]
    b = params[f"{prefix}.bias"][None, :, None, None]
    m = params[f"{prefix}.running_mean"][None, :, None, None]
    v = params[f"{prefix}.running_var"][None, :, None, None]
    return (x - m) / np.sqrt(v + BN_EPS) * g + b


def maxpool_3x3_s2(x):
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3))
    return win[:, :, ::2, ::2].max(axis=(4, 5))


def forward(params, x, dtype=np.float64, on_bn_input=None):
    """Logits [N,1] for x [N,3,224,224].

    `on_bn_input(prefix, tensor)` is called with every BN's input before the BN is applied;
    calibration uses it to set that BN's running statistics (it may mutate `params`).
    """
    p = {k: np.asarray(v, dtype=dtype) for k, v in params.items()}
    base = infer_base_width(params)
    stem, blocks, _ = architecture(base)

    def conv_bn(conv, h):
        y = conv2d(h, p[conv.weight], conv.stride, conv.k // 2)
        if on_bn_input is not None:
            on_bn_input(conv.bn, y)
            for q in ("weight", "bias", "running_mean", "running_var"):
                p[f"{conv.bn}.{q}"] = np.asarray(params[f"{conv.bn}.{q}"], dtype=dtype)
        y = batchnorm(y, p, conv.bn)
        return np.maximum(y, 0) if conv.relu else y

    h = maxpool_3x3_s2(conv_bn(stem, np.asarray(x, dtype=dtype)))
    for blk in blocks:
        main = h
        for conv in blk.convs:
            main = conv_bn(conv, main)
        short = conv_bn(blk.downsample, h) if blk.downsample is not None else h
        h = np.maximum(main + short, 0)
    pooled = h.mean(axis=(2, 3))
    return pooled @ p["fc.weight"].T + p["fc.bias"], pooled
