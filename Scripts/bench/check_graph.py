"""Correctness checks of the ONNX graph builder, run before any timing.

1. Fixture: the narrow model of shared/fixtures/resnet50-gradcam, built into ONNX (BN folded
   and BN as nodes), must give each case's stored `logit` within 2e-4 (the fixture's own
   tolerance; it proves the builder's layout: strides, pads, v1.5, downsample, BN, head).
2. Full width: the benchmark model's ONNX logit on one input must equal the plain NumPy
   float64 reference forward within 1e-4 relative.
"""
import os

import numpy as np
from safetensors.numpy import load_file

import images
import onnx_graph
import ort_engine
import resnet

FIXTURE_TOLERANCE = 2e-4
FULL_RELATIVE_TOLERANCE = 1e-4


class CheckFailed(Exception):
    pass


def _ort_logits(model, x, threads=1):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), sess_options=opts,
                                providers=["CPUExecutionProvider"])
    return sess.run(["logits"], {"input": x})[0]


def check_fixture(fixture_dir, log=print):
    params = load_file(os.path.join(fixture_dir, "model.safetensors"))
    worst = 0.0
    for fold in (True, False):
        model = onnx_graph.build(params, fold=fold)
        for case in "abc":
            ref = load_file(os.path.join(fixture_dir, f"case_{case}.safetensors"))
            got = _ort_logits(model, ref["input"])
            diff = float(np.abs(got - ref["logit"]).max())
            worst = max(worst, diff)
            label = "BN folded" if fold else "BN nodes"
            log(f"  fixture case {case} ({label}): ORT {got[0, 0]:.7f} stored {ref['logit'][0, 0]:.7f} |diff| {diff:.1e}")
            if diff > FIXTURE_TOLERANCE:
                raise CheckFailed(f"graph builder: fixture case {case} ({label}) logit differs by "
                                  f"{diff:.2e} > {FIXTURE_TOLERANCE:.0e}")
    return worst


def check_full(weights_path, onnx_path, log=print):
    """ORT vs NumPy float64 on one full-width input; returns the relative difference."""
    import onnx
    params = load_file(weights_path)
    x = images.batch(1, 99)
    ref, _ = resnet.forward(params, x)
    sess = ort_engine.session(onnx_path, 1)
    got = sess.run(["logits"], {"input": x})[0]
    rel = float(np.abs(got - ref).max() / np.abs(ref).max())
    log(f"  full width: ORT {got[0, 0]:.7f} NumPy float64 {ref[0, 0]:.7f} relative diff {rel:.1e}")
    if rel > FULL_RELATIVE_TOLERANCE:
        raise CheckFailed(f"full-width ONNX model differs from the NumPy reference by {rel:.2e} relative")
    return rel


if __name__ == "__main__":
    import sys
    shared = os.environ.get("CTSCREEN_SHARED",
                            os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
    try:
        check_fixture(os.path.join(shared, "fixtures", "resnet50-gradcam"))
    except CheckFailed as e:
        sys.exit(f"check_graph: {e}")
    print("check_graph: fixture logits match")
