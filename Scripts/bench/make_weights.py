"""Seeded random full-width ResNet-50 (torchvision layout, single logit) as safetensors.

Weights follow the recipe of the engine fixtures (shared/fixtures/resnet50-gradcam),
at base width 64:
- conv: He-normal N(0, 2/fan_in); fc.weight: N(0, 1/2048);
- BN gamma 1 + 0.1 N(0,1), beta 0.1 N(0,1);
- BN running statistics calibrated layer by layer in float64 on a few synthetic images
  (the mean and variance each BN sees, then perturbed: mean + 0.1 std N(0,1), var U(0.5,1.5)),
  so activations stay moderate through all 16 blocks as in a trained net; plain random
  statistics make activations grow about 2x per block and the logit huge;
- fc.bias set so the mean calibration logit is LOGIT_TARGET (positive, far from 0, so the
  benchmark slices are "positive" and a relative logit comparison is meaningful).
"""
import json
import os

import numpy as np
from safetensors.numpy import save_file

import images
import resnet

VERSION = 1
LOGIT_TARGET = 2.0
CALIBRATION_IMAGES = 6


def generate(seed, base_width=64, log=print):
    rng = np.random.default_rng(seed)
    params = {}
    for conv in resnet.all_convs(base_width):
        fan_in = conv.c_in * conv.k * conv.k
        params[conv.weight] = rng.normal(0, np.sqrt(2 / fan_in), (conv.c_out, conv.c_in, conv.k, conv.k))
        params[f"{conv.bn}.weight"] = 1 + 0.1 * rng.normal(size=conv.c_out)
        params[f"{conv.bn}.bias"] = 0.1 * rng.normal(size=conv.c_out)
        params[f"{conv.bn}.running_mean"] = np.zeros(conv.c_out)
        params[f"{conv.bn}.running_var"] = np.ones(conv.c_out)
    features = base_width * 8 * resnet.EXPANSION
    params["fc.weight"] = rng.normal(0, np.sqrt(1 / features), (1, features))
    params["fc.bias"] = np.zeros(1)
    params = {k: v.astype(np.float32) for k, v in params.items()}

    def calibrate(prefix, y):
        mean = y.mean(axis=(0, 2, 3))
        var = y.var(axis=(0, 2, 3))
        params[f"{prefix}.running_mean"] = (mean + 0.1 * np.sqrt(var) * rng.normal(size=mean.shape)).astype(np.float32)
        params[f"{prefix}.running_var"] = (var * rng.uniform(0.5, 1.5, size=var.shape)).astype(np.float32)

    calib = images.batch(CALIBRATION_IMAGES, seed + 1)
    logits, _ = resnet.forward(params, calib, on_bn_input=calibrate)
    # Second pass with the final statistics gives the logits the bias is set from.
    logits, pooled = resnet.forward(params, calib)
    params["fc.bias"] = np.array([LOGIT_TARGET - logits.mean()], dtype=np.float32)
    info = {
        "version": VERSION, "seed": seed, "base_width": base_width,
        "floats": int(sum(v.size for v in params.values())),
        "fc_bias": float(params["fc.bias"][0]),
        "calibration_logits": [float(v) + float(params["fc.bias"][0]) for v in logits[:, 0]],
        "calibration_pooled_mean": float(pooled.mean()), "calibration_pooled_max": float(pooled.max()),
    }
    log(f"weights: {info['floats']:,} floats, calibration logits "
        f"{[round(v, 3) for v in info['calibration_logits']]}")
    return params, info


def cached(cache_dir, seed, log=print):
    """Path of the weights file for `seed`, generating it once (atomic rename)."""
    path = os.path.join(cache_dir, f"resnet50-w64-seed{seed}-v{VERSION}.safetensors")
    if not os.path.exists(path):
        log(f"weights: generating {path} (once; about a minute)")
        params, info = generate(seed, log=log)
        tmp = path + ".tmp"
        save_file(params, tmp)
        with open(path + ".json", "w") as f:
            json.dump(info, f, indent=1)
        os.replace(tmp, path)
    return path
