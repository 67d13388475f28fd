"""ONNX Runtime side of the benchmark, with the same command line and JSON line as
`ctscreen benchmark-engine`, so both engines are run and measured the same way:

  ort_engine.py --weights W.{onnx,safetensors} --batch N --threads T --iterations K
                [--inputs FILE.safetensors] [--logits-out FILE.safetensors] [--gradcam]

prints {"batch","threads","images_per_s","forward_ms_per_image","gradcam_ms_per_slice",
"peak_rss_mb"}. ONNX Runtime has no backward pass, so gradcam_ms_per_slice is null.
Session: intra_op_num_threads = T, inter_op_num_threads = 1, sequential execution, all
graph optimisations, CPU execution provider.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import onnxruntime as ort
from safetensors.numpy import load_file, save_file

import images


def session(weights, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if weights.endswith(".onnx"):
        model = weights
    else:
        import onnx_graph
        model = onnx_graph.build(load_file(weights)).SerializeToString()
    return ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])


def run_logits(sess, x, batch):
    """Logits [M,1] for x [M,3,224,224], in chunks of `batch`."""
    outs = [sess.run(["logits"], {"input": x[i:i + batch]})[0] for i in range(0, len(x), batch)]
    return np.concatenate(outs).astype(np.float32)


def time_forward(sess, batch, iterations, seed=11):
    x = images.batch(batch, seed)
    sess.run(["logits"], {"input": x})  # warm-up: first run allocates and plans
    start = time.perf_counter()
    for _ in range(iterations):
        sess.run(["logits"], {"input": x})
    return time.perf_counter() - start


def peak_rss_mb():
    """VmHWM of this process (ru_maxrss would include the parent's RSS at fork, see measure.py)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--iterations", type=int, required=True)
    ap.add_argument("--inputs")
    ap.add_argument("--logits-out")
    ap.add_argument("--gradcam", action="store_true")
    a = ap.parse_args(argv)
    if a.batch < 1 or a.threads < 1 or a.iterations < 1:
        ap.error("--batch, --threads and --iterations must be at least 1")
    if bool(a.inputs) != bool(a.logits_out):
        ap.error("--inputs and --logits-out go together")
    sess = session(a.weights, a.threads)
    if a.inputs:
        x = load_file(a.inputs)["input"]
        save_file({"logits": run_logits(sess, x, a.batch)}, a.logits_out)
    seconds = time_forward(sess, a.batch, a.iterations)
    ips = a.batch * a.iterations / seconds
    print(json.dumps({
        "batch": a.batch, "threads": a.threads, "images_per_s": ips,
        "forward_ms_per_image": 1000 / ips, "gradcam_ms_per_slice": None,
        "peak_rss_mb": peak_rss_mb(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
