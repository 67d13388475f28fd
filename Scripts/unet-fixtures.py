#!/usr/bin/env python3
# Reference fixture for the Swift TernausNet-16 style lung-segmentation U-Net (VGG-16 encoder,
# bilinear-upsampling decoder). Builds the network at a SMALL width (encoder 8, 16, 32, 64, 64;
# decoder f = 4) as an ONNX graph with onnx.helper, fills it with seeded random weights drawn from
# numpy's default_rng(20261208), runs it with ONNX Runtime (CPU, 1 thread, graph optimisations
# off, so it is a plain reference) and writes
#   Tests/ModelsTests/Fixtures/unet16/unet16-w8.safetensors   the weights (F32, names below)
#   Tests/ModelsTests/Fixtures/unet16/case.safetensors        input [2,3,64,64], logits [2,1,64,64],
#                                                             and the intermediates conv5 [2,64,4,4]
#                                                             and center [2,32,4,4] for debugging
# As a self-check it also runs the same forward pass in plain numpy (float64 im2col convolution,
# max-pool, half-pixel bilinear with edge clamping, concat) and fails unless ORT agrees with it to
# 1e-4 relative (max |ORT - numpy| <= 1e-4 * max |numpy|, per output tensor).
# The Swift tests only read those files; they never regenerate them.
#
#   Scripts/unet-fixtures.py           # (re)write both files
#   Scripts/unet-fixtures.py --check   # recompute in memory; exit 1 if the stored files differ
#                                      # (floats: 1e-6 relative + 1e-7 absolute, elementwise;
#                                      # any tensor name, shape, dtype or metadata difference)
#
# Needs python3 with venv and PyPI: on first run it makes its own venv at
# ${XDG_CACHE_HOME:-$HOME/.cache}/ctscreen-unet-fixtures-venv with the pins below (the same ones as
# Scripts/bench-engine) and re-executes itself there; a changed pin list reinstalls. Single-threaded;
# runs in a few seconds.
#
# Network contract (input x [N,3,H,W] float32, H and W multiples of 32; every conv is 3x3, stride 1,
# padding 1, with bias, followed by ReLU unless said; pool = MaxPool 2x2 stride 2, no padding):
#   conv1 = encoder.0, .2 on x              conv2 = encoder.5, .7 on pool(conv1)
#   conv3 = encoder.10, .12, .14 on pool(conv2)   conv4 = encoder.17, .19, .21 on pool(conv3)
#   conv5 = encoder.24, .26, .28 on pool(conv4)
#   D(x) = relu(conv2(relu(conv1(up2(x))))), up2 = bilinear x2, half-pixel centres (ONNX Resize
#          linear/half_pixel = PyTorch interpolate(scale_factor=2, bilinear, align_corners=False))
#   center = D(pool(conv5))          center.conv1 [c5 -> 16f], center.conv2 [16f -> 8f]
#   dec5 = D(cat(center, conv5))     dec5.conv1 [8f+c5 -> 16f], dec5.conv2 [16f -> 8f]
#   dec4 = D(cat(dec5, conv4))       dec4.conv1 [8f+c4 -> 16f], dec4.conv2 [16f -> 8f]
#   dec3 = D(cat(dec4, conv3))       dec3.conv1 [8f+c3 -> 8f],  dec3.conv2 [8f -> 2f]
#   dec2 = D(cat(dec3, conv2))       dec2.conv1 [2f+c2 -> 4f],  dec2.conv2 [4f -> f]
#   dec1 = relu(dec1(cat(dec2, conv1)))  [f+c1 -> f], 3x3, no resize
#   logits = final(dec1)             1x1 conv [f -> 1], bias, no ReLU; [N,1,H,W]
# (cat = channel concat, decoder tensor first, then the skip.)
# Weights `<name>.weight` [out,in,k,k] and `<name>.bias` [out]. Random draws, in the layer order
# listed in LAYERS below, weight then bias for each layer: weight = standard_normal(shape) *
# sqrt(2 / (in*k*k)) (He-normal, drawn in float64, cast to float32), bias = uniform(-0.1, 0.1, out)
# (float64 -> float32); then input = uniform(-1, 2, (2,3,64,64)) (float64 -> float32).
import os
import sys

PINS = ["numpy==2.4.6", "onnx==1.23.2", "onnxruntime==1.32.0", "safetensors==0.8.0"]
SEED = 20261208


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cachevenv  # noqa: E402

cachevenv.enter("ctscreen-unet-fixtures-venv", PINS, "unet-fixtures")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "Tests", "ModelsTests", "Fixtures", "unet16")
WEIGHTS_FILE = "unet16-w8.safetensors"
CASE_FILE = "case.safetensors"
WEIGHTS_METADATA = {"ctscreen.fixture": "unet16 width 8, Scripts/unet-fixtures.py"}
CASE_METADATA = {"ctscreen.fixture": "unet16 width 8 case (N=2, 64x64), Scripts/unet-fixtures.py"}

ENC = (8, 16, 32, 64, 64)  # c1..c5
F = 4                      # decoder width f
N, H, W = 2, 64, 64
OPSET = 17
SELF_CHECK_RTOL = 1e-4     # ORT vs numpy, relative to the tensor's largest magnitude
CHECK_RTOL, CHECK_ATOL = 1e-6, 1e-7


def layers():
    """[(name, in, out, k)] in the order the weights are drawn."""
    c1, c2, c3, c4, c5 = ENC
    f = F
    return [
        ("encoder.0", 3, c1, 3), ("encoder.2", c1, c1, 3),
        ("encoder.5", c1, c2, 3), ("encoder.7", c2, c2, 3),
        ("encoder.10", c2, c3, 3), ("encoder.12", c3, c3, 3), ("encoder.14", c3, c3, 3),
        ("encoder.17", c3, c4, 3), ("encoder.19", c4, c4, 3), ("encoder.21", c4, c4, 3),
        ("encoder.24", c4, c5, 3), ("encoder.26", c5, c5, 3), ("encoder.28", c5, c5, 3),
        ("center.conv1", c5, 16 * f, 3), ("center.conv2", 16 * f, 8 * f, 3),
        ("dec5.conv1", 8 * f + c5, 16 * f, 3), ("dec5.conv2", 16 * f, 8 * f, 3),
        ("dec4.conv1", 8 * f + c4, 16 * f, 3), ("dec4.conv2", 16 * f, 8 * f, 3),
        ("dec3.conv1", 8 * f + c3, 8 * f, 3), ("dec3.conv2", 8 * f, 2 * f, 3),
        ("dec2.conv1", 2 * f + c2, 4 * f, 3), ("dec2.conv2", 4 * f, f, 3),
        ("dec1", f + c1, f, 3),
        ("final", f, 1, 1),
    ]


LAYERS = layers()
KERNEL = {name: k for name, _, _, k in LAYERS}


def make_data():
    rng = np.random.default_rng(SEED)
    params = {}
    for name, cin, cout, k in LAYERS:
        std = np.sqrt(2.0 / (cin * k * k))
        params[f"{name}.weight"] = (rng.standard_normal((cout, cin, k, k)) * std).astype(np.float32)
        params[f"{name}.bias"] = rng.uniform(-0.1, 0.1, cout).astype(np.float32)
    x = rng.uniform(-1.0, 2.0, (N, 3, H, W)).astype(np.float32)
    return params, x


# ---------------------------------------------------------------------------------------------
# The forward pass for the ONNX graph, written against the builder's ops. The numpy reference
# (numpy_forward below) is a separate transcription of the contract, so wiring mistakes show up.

def forward(ops):
    def block(x, names):
        for n in names:
            x = ops.relu(ops.conv(x, n))
        return x

    x = ops.input()
    conv1 = block(x, ["encoder.0", "encoder.2"])
    conv2 = block(ops.pool(conv1), ["encoder.5", "encoder.7"])
    conv3 = block(ops.pool(conv2), ["encoder.10", "encoder.12", "encoder.14"])
    conv4 = block(ops.pool(conv3), ["encoder.17", "encoder.19", "encoder.21"])
    conv5 = block(ops.pool(conv4), ["encoder.24", "encoder.26", "encoder.28"])

    def decoder(x, name):
        return block(ops.up(x), [f"{name}.conv1", f"{name}.conv2"])

    center = decoder(ops.pool(conv5), "center")
    dec5 = decoder(ops.cat(center, conv5), "dec5")
    dec4 = decoder(ops.cat(dec5, conv4), "dec4")
    dec3 = decoder(ops.cat(dec4, conv3), "dec3")
    dec2 = decoder(ops.cat(dec3, conv2), "dec2")
    dec1 = ops.relu(ops.conv(ops.cat(dec2, conv1), "dec1"))
    logits = ops.conv(dec1, "final")
    return {"logits": logits, "conv5": conv5, "center": center}


class OnnxOps:
    def __init__(self, params):
        self.params = params
        self.nodes = []
        self.inits = [numpy_helper.from_array(np.ascontiguousarray(params[k]), k) for k in sorted(params)]
        self.inits.append(numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "up.scales"))
        self.count = 0

    def _node(self, op, ins, **attrs):
        self.count += 1
        out = f"{op.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        return out

    def input(self):
        return "input"

    def conv(self, x, name):
        k = KERNEL[name]
        p = k // 2
        return self._node("Conv", [x, f"{name}.weight", f"{name}.bias"], kernel_shape=[k, k],
                          strides=[1, 1], pads=[p, p, p, p], dilations=[1, 1], group=1)

    def relu(self, x):
        return self._node("Relu", [x])

    def pool(self, x):
        return self._node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0])

    def up(self, x):
        return self._node("Resize", [x, "", "up.scales"], mode="linear",
                          coordinate_transformation_mode="half_pixel")

    def cat(self, a, b):
        return self._node("Concat", [a, b], axis=1)


def build_model(params):
    ops = OnnxOps(params)
    outs = forward(ops)
    # Rename the tensors that become graph outputs with Identity nodes.
    shapes = {"logits": ["N", 1, "H", "W"], "conv5": ["N", ENC[4], "H16", "W16"],
              "center": ["N", 8 * F, "H16", "W16"]}
    outputs = []
    for name in ("logits", "conv5", "center"):
        ops.nodes.append(helper.make_node("Identity", [outs[name]], [name], name=name))
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shapes[name]))
    graph = helper.make_graph(
        ops.nodes, f"unet16_w{ENC[0]}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        outputs, initializer=ops.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="ctscreen-unet-fixtures")
    model.ir_version = 8  # opset 17 pairs with IR 8
    onnx.checker.check_model(model, full_check=True)
    return model


def run_ort(model, x):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), sess_options=opts,
                                providers=["CPUExecutionProvider"])
    names = ["logits", "conv5", "center"]
    return dict(zip(names, sess.run(names, {"input": x})))


def np_conv(x, params, name, relu=True):
    """Float64 3x3 (or 1x1) convolution, stride 1, zero padding k//2, with bias; im2col + einsum."""
    w = params[f"{name}.weight"].astype(np.float64)
    b = params[f"{name}.bias"].astype(np.float64)
    k = w.shape[2]
    p = k // 2
    n, c, h, wd = x.shape
    assert w.shape[1] == c, (name, w.shape, x.shape)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    # im2col: cols[n, c, i, j, y, x] = xp[n, c, y + i, x + j]
    cols = np.empty((n, c, k, k, h, wd))
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i:i + h, j:j + wd]
    y = np.einsum("ncijyx,ocij->noyx", cols, w, optimize=True) + b[None, :, None, None]
    return np.maximum(y, 0.0) if relu else y


def np_pool(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def np_up_axis(x, axis):
    """x2 linear resize along one axis, half-pixel centres, source index clamped to [0, size-1]."""
    size = x.shape[axis]
    dst = np.arange(2 * size)
    src = np.clip((dst + 0.5) / 2.0 - 0.5, 0.0, size - 1)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, size - 1)
    t = src - i0
    shape = [1] * x.ndim
    shape[axis] = -1
    t = t.reshape(shape)
    return np.take(x, i0, axis=axis) * (1 - t) + np.take(x, i1, axis=axis) * t


def np_up(x):
    return np_up_axis(np_up_axis(x, 2), 3)  # bilinear is separable


def numpy_forward(params, x):
    """The contract transcribed directly in float64 numpy (deliberately not sharing `forward`)."""
    P = params
    x = x.astype(np.float64)
    conv1 = np_conv(np_conv(x, P, "encoder.0"), P, "encoder.2")
    conv2 = np_conv(np_conv(np_pool(conv1), P, "encoder.5"), P, "encoder.7")
    conv3 = np_conv(np_conv(np_conv(np_pool(conv2), P, "encoder.10"), P, "encoder.12"), P, "encoder.14")
    conv4 = np_conv(np_conv(np_conv(np_pool(conv3), P, "encoder.17"), P, "encoder.19"), P, "encoder.21")
    conv5 = np_conv(np_conv(np_conv(np_pool(conv4), P, "encoder.24"), P, "encoder.26"), P, "encoder.28")
    center = np_conv(np_conv(np_up(np_pool(conv5)), P, "center.conv1"), P, "center.conv2")
    dec5 = np_conv(np_conv(np_up(np.concatenate([center, conv5], 1)), P, "dec5.conv1"), P, "dec5.conv2")
    dec4 = np_conv(np_conv(np_up(np.concatenate([dec5, conv4], 1)), P, "dec4.conv1"), P, "dec4.conv2")
    dec3 = np_conv(np_conv(np_up(np.concatenate([dec4, conv3], 1)), P, "dec3.conv1"), P, "dec3.conv2")
    dec2 = np_conv(np_conv(np_up(np.concatenate([dec3, conv2], 1)), P, "dec2.conv1"), P, "dec2.conv2")
    dec1 = np_conv(np.concatenate([dec2, conv1], 1), P, "dec1")
    logits = np_conv(dec1, P, "final", relu=False)
    hh, ww = x.shape[2:]
    for t, s in ((conv1, 1), (conv2, 2), (conv3, 4), (conv4, 8), (conv5, 16), (center, 16), (dec5, 8),
                 (dec4, 4), (dec3, 2), (dec2, 1), (dec1, 1), (logits, 1)):
        assert t.shape[2:] == (hh // s, ww // s), (t.shape, s)
    return {"logits": logits, "conv5": conv5, "center": center}


def compute():
    params, x = make_data()
    model = build_model(params)
    got = run_ort(model, x)
    ref = numpy_forward(params, x)
    worst = {}
    for name in ("logits", "conv5", "center"):
        a, r = got[name], ref[name]
        if a.shape != r.shape:
            raise SystemExit(f"unet-fixtures: {name} shape {a.shape} from ORT, {r.shape} from numpy")
        scale = float(np.abs(r).max())
        diff = float(np.abs(a.astype(np.float64) - r).max())
        worst[name] = (diff, diff / scale if scale > 0 else float("inf"), scale)
        if not diff <= SELF_CHECK_RTOL * scale:
            raise SystemExit(f"unet-fixtures: ORT and numpy disagree on {name}: max |diff| {diff:.3e}, "
                             f"max |value| {scale:.3e}")
    case = {"input": x, "logits": got["logits"], "conv5": got["conv5"], "center": got["center"]}
    case = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in case.items()}
    expect = {"input": (N, 3, H, W), "logits": (N, 1, H, W), "conv5": (N, ENC[4], H // 16, W // 16),
              "center": (N, 8 * F, H // 16, W // 16)}
    for k, shape in expect.items():
        assert case[k].shape == shape, (k, case[k].shape, shape)
    return params, case, worst


def load(path):
    with safe_open(path, framework="numpy") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def compare(fresh, fresh_meta, path):
    rel = os.path.relpath(path, REPO)
    if not os.path.exists(path):
        return [f"{rel}: missing"]
    stored, meta = load(path)
    problems = []
    if (meta or {}) != fresh_meta:
        problems.append(f"{rel}: metadata {meta!r} != {fresh_meta!r}")
    if set(stored) != set(fresh):
        problems.append(f"{rel}: tensors {sorted(stored)} != {sorted(fresh)}")
    for k in sorted(set(stored) & set(fresh)):
        a, b = stored[k], fresh[k]
        if a.dtype != b.dtype or a.shape != b.shape:
            problems.append(f"{rel}: {k} is {a.dtype}{list(a.shape)}, expected {b.dtype}{list(b.shape)}")
        elif not np.allclose(a, b, rtol=CHECK_RTOL, atol=CHECK_ATOL, equal_nan=False):
            d = float(np.abs(a.astype(np.float64) - b).max())
            problems.append(f"{rel}: {k} differs (max |diff| {d:.3e})")
    return problems


def main():
    args = sys.argv[1:]
    if args not in ([], ["--check"]):
        print("usage: Scripts/unet-fixtures.py [--check]", file=sys.stderr)
        return 2
    params, case, worst = compute()
    for name, (diff, rel, scale) in worst.items():
        print(f"unet-fixtures: ORT vs numpy {name}: max |diff| {diff:.3e} "
              f"({rel:.3e} of max |value| {scale:.3e})")
    lg = case["logits"]
    print(f"unet-fixtures: logits min {lg.min():.6g} max {lg.max():.6g} mean {lg.mean():.6g}")
    weights_path = os.path.join(OUT_DIR, WEIGHTS_FILE)
    case_path = os.path.join(OUT_DIR, CASE_FILE)
    if args == ["--check"]:
        problems = compare(params, WEIGHTS_METADATA, weights_path) + compare(case, CASE_METADATA, case_path)
        if problems:
            print(f"unet-fixtures: stored fixtures differ from a fresh computation ({len(problems)}):",
                  file=sys.stderr)
            for p in problems[:20]:
                print("  " + p, file=sys.stderr)
            return 1
        print("unet-fixtures: stored fixtures match")
        return 0
    os.makedirs(OUT_DIR, exist_ok=True)
    save_file(params, weights_path, metadata=WEIGHTS_METADATA)
    save_file(case, case_path, metadata=CASE_METADATA)
    for p in (weights_path, case_path):
        print(f"unet-fixtures: wrote {os.path.relpath(p, REPO)} ({os.path.getsize(p)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
