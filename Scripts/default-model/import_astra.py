#!/usr/bin/env python3
"""Imports the Astra chest-CT backbone (inflated 3D ResNet-152, MIT) as a 2D torchvision-layout
ResNet safetensors file that `ctscreen train --init` takes.

  import_astra.py convert SOURCE.pt OUT.safetensors [--blocks spread|first|all] [--dtype f32|f16]
  import_astra.py check SOURCE.pt [--depth 40] [--size 64]

convert: deflates every 3D kernel (sum over depth), cuts the stages [3, 8, 36, 3] to
ResNet-50's [3, 4, 6, 3] ('all' keeps ResNet-152), adds a zero single-logit head, and writes
the input preparation the backbone was trained with into the file's metadata (see
PREPARATION). check: runs the 3D network on a slab that is constant along depth and the
deflated 2D network on one slice, both in numpy, and prints how far apart the stem, layer1
and layer2 outputs are at the slab's centre (deeper stages see the slab's ends).
"""
import argparse
import hashlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deflate  # noqa: E402
import resnet_numpy  # noqa: E402
import torch_zip  # noqa: E402

SOURCE_SHA256 = "d793f6bb020381d998a40548425f62cf34165c88c98f3fa3c5ef20f6cf23828a"

# How Astra feeds its backbone: HU clipped to [-1000, 200], scaled to [0, 1], one channel
# copied to three, no mean/std. The in-plane orientation is measured (Scripts/default-model/
# measure-orientation, see the model card) and given with --orientation.
PREPARATION = {
    "ctscreen.input.window_hu": "-1000,200",
    "ctscreen.input.channel_mean": "0,0,0",
    "ctscreen.input.channel_std": "1,1,1",
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_backbone(path):
    digest = sha256(path)
    if digest != SOURCE_SHA256:
        sys.exit("%s: SHA-256 %s, expected %s (not the Astra backbone this importer knows)" % (path, digest, SOURCE_SHA256))
    obj = torch_zip.load(path)
    sd = obj["state_dict"] if isinstance(obj, dict) and "state_dict" in obj else obj
    return {k: v for k, v in sd.items()}


def convert(args):
    sd3 = load_backbone(args.source)
    sd2 = deflate.deflate(sd3)
    have = resnet_numpy.block_counts(sd2)
    chosen = [list(range(n)) for n in have]
    if args.blocks != "all":
        sd2, chosen = deflate.cut_blocks(sd2, have, deflate.STAGE_COUNTS_RESNET50, args.blocks)
    channels = sd2["layer4.0.conv3.weight"].shape[0]
    sd2["fc.weight"] = np.zeros((1, channels), np.float32)
    sd2["fc.bias"] = np.zeros((1,), np.float32)
    meta = dict(PREPARATION)
    if args.orientation:
        meta["ctscreen.input.orientation"] = args.orientation
    meta.update({
        "ctscreen.source": "Astra image backbone (inflated 3D ResNet-152 from Merlin), MIT; SHA-256 " + SOURCE_SHA256,
        "ctscreen.conversion": "3D kernels summed over depth; blocks kept per stage: "
                               + "; ".join("layer%d %s" % (i + 1, c) for i, c in enumerate(chosen)),
        "ctscreen.head": "zeros (untrained)",
    })
    deflate.write_safetensors(args.out, sd2, meta, args.dtype)
    print("wrote %s: blocks %s of %s (%s), %d tensors, %s" % (
        args.out, [len(c) for c in chosen], have, args.blocks, len(sd2), args.dtype))


def check(args):
    sd3 = load_backbone(args.source)
    sd3 = {k: np.asarray(v, np.float32) for k, v in sd3.items() if not k.endswith("num_batches_tracked")}
    sd2 = deflate.deflate(sd3)
    rng = np.random.default_rng(0)
    plane = rng.uniform(0, 1, size=(3, args.size, args.size)).astype(np.float32)
    slab = np.repeat(plane[:, None], args.depth, axis=1)
    out3 = resnet_numpy.forward(sd3, slab, stop_after="layer2")
    out2 = resnet_numpy.forward(sd2, plane, stop_after="layer2")
    worst = 0.0
    for name in ("stem", "layer1", "layer2"):
        a3, a2 = out3[name], out2[name]
        centre = a3[:, a3.shape[1] // 2]
        rel = float(np.abs(centre - a2).max() / (np.abs(a2).max() + 1e-12))
        worst = max(worst, rel)
        print("%-7s 3D centre depth %d of %d vs 2D: max |diff| / max |2D| = %.2e" % (name, a3.shape[1] // 2, a3.shape[1], rel))
    print("deflation check %s (limit 1e-4)" % ("passed" if worst < 1e-4 else "FAILED"))
    sys.exit(0 if worst < 1e-4 else 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert")
    c.add_argument("source")
    c.add_argument("out")
    c.add_argument("--blocks", choices=["spread", "first", "all"], default="spread")
    c.add_argument("--dtype", choices=["f32", "f16"], default="f32")
    c.add_argument("--orientation", default="", help="input plane orientation to record (a PlaneOrientation name)")
    k = sub.add_parser("check")
    k.add_argument("source")
    k.add_argument("--depth", type=int, default=40)
    k.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    {"convert": convert, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
