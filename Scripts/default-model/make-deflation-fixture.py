#!/usr/bin/env python3
"""Makes Tests/ModelsTests/Fixtures/deflation.safetensors: a small random inflated 3D ResNet
(blocks [1, 2, 1, 1], I3D conventions), deflated to 2D by deflate.py, with the 3D network's
output on a slab that is constant along depth as the expected values.

The tests run the deflated 2D weights through CTScreen's engine on one slice of the slab and
compare with what the 3D network (resnet_numpy, an independent numpy implementation) gives
at the slab's centre: pooled layer4 features (spatial mean at the centre depth) and the
logit. The slab is deep enough (80) that no depth padding reaches the centre of layer4.

Needs numpy: run with the importer's cache venv (Scripts/default-model/import-astra makes it):
  ~/.cache/ctscreen-astra/venv/bin/python Scripts/default-model/make-deflation-fixture.py
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import deflate  # noqa: E402
import resnet_numpy  # noqa: E402

DEPTH, SIDE = 80, 32
STEM, WIDTHS, BLOCKS = 8, [4, 8, 16, 32], [1, 2, 1, 1]


def random_inflated(rng):
    sd = {}

    def conv(name, out, inp, kd, k):
        fan = inp * kd * k * k
        sd[name] = (rng.standard_normal((out, inp, kd, k, k)) * np.sqrt(2 / fan)).astype(np.float32)

    def bn(name, c):
        sd[name + ".weight"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
        sd[name + ".bias"] = rng.uniform(-0.2, 0.2, c).astype(np.float32)
        sd[name + ".running_mean"] = rng.uniform(-0.2, 0.2, c).astype(np.float32)
        sd[name + ".running_var"] = rng.uniform(0.5, 2.0, c).astype(np.float32)

    conv("conv1.weight", STEM, 3, 3, 7)
    bn("bn1", STEM)
    inp = STEM
    for layer, (w, count) in enumerate(zip(WIDTHS, BLOCKS), start=1):
        for b in range(count):
            p = "layer%d.%d." % (layer, b)
            conv(p + "conv1.weight", w, inp, 1, 1)
            bn(p + "bn1", w)
            conv(p + "conv2.weight", w, w, 3, 3)
            bn(p + "bn2", w)
            conv(p + "conv3.weight", 4 * w, w, 1, 1)
            bn(p + "bn3", 4 * w)
            if b == 0:
                conv(p + "downsample.0.weight", 4 * w, inp, 1, 1)
                bn(p + "downsample.1", 4 * w)
            inp = 4 * w
    sd["fc.weight"] = (rng.standard_normal((1, inp)) * 0.1).astype(np.float32)
    sd["fc.bias"] = np.array([0.05], np.float32)
    return sd


def main():
    rng = np.random.default_rng(20261206)
    sd3 = random_inflated(rng)
    plane = rng.uniform(0, 1, (3, SIDE, SIDE)).astype(np.float32)
    slab = np.repeat(plane[:, None], DEPTH, axis=1)
    out3 = resnet_numpy.forward(sd3, slab, stop_after="layer4")["layer4"]  # [C, D', H', W']
    centre = out3[:, out3.shape[1] // 2]
    pooled = centre.reshape(centre.shape[0], -1).mean(axis=1)
    logit = sd3["fc.weight"] @ pooled + sd3["fc.bias"]

    tensors = deflate.deflate(sd3)
    # The 2D numpy network must agree with the 3D one too (checks the reference itself).
    out2 = resnet_numpy.forward(tensors, plane)
    assert np.allclose(out2["pooled"], pooled, rtol=1e-4, atol=1e-5), "2D and 3D numpy disagree"
    tensors["input"] = plane[None]
    tensors["expected.pooled"] = pooled.astype(np.float32)
    tensors["expected.logit"] = logit.astype(np.float32)
    out = os.path.join(here, "..", "..", "Tests", "ModelsTests", "Fixtures", "deflation.safetensors")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    deflate.write_safetensors(out, tensors, {"made_by": "Scripts/default-model/make-deflation-fixture.py",
                                             "slab_depth": str(DEPTH), "layer4_depth": str(out3.shape[1])})
    print("wrote %s: logit %.6f, layer4 depth %d, 2D vs 3D pooled max diff %.2e"
          % (os.path.normpath(out), logit[0], out3.shape[1], np.abs(out2["pooled"] - pooled).max()))


if __name__ == "__main__":
    main()
