"""Swift engine vs ONNX Runtime on a full-width ResNet-50 with seeded random weights.

Steps: check the ONNX graph builder on the fixture model; make (once) the benchmark weights
and their ONNX graph; check ORT against a NumPy float64 forward; check Swift and ORT give
the same logits on 16 inputs; then time both, interleaved, for several rounds, and print a
table (and write every figure as JSON). Run through Scripts/bench-engine.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

import check_graph
import images
import make_weights
import measure
import onnx_graph
import report

PARITY_INPUTS = 16
PARITY_RELATIVE = 1e-4
FORWARD_CONFIGS = [(1, 1), (16, 1), (1, 2), (16, 2)]    # (batch, threads)
GRADCAM_CONFIGS = [(1, 1), (1, 2), (16, 2)]
IMAGES_PER_RUN = 48                                      # batch 1: 48 iterations, batch 16: 3


def log(msg):
    print(msg, flush=True)


def onnx_for(weights):
    path = weights.replace(".safetensors", ".onnx")
    if not os.path.exists(path):
        log(f"onnx: building {path}")
        model = onnx_graph.build(load_file(weights))
        with open(path + ".tmp", "wb") as f:
            f.write(model.SerializeToString())
        os.replace(path + ".tmp", path)
    return path


def parity(ort_cmd, swift_cmd, weights, onnx_path, workdir):
    """Swift and ORT logits on the same inputs; returns the figures, raises on mismatch.

    Swift runs twice (batch 16 on 2 threads, batch 1 on 1 thread), so a result that depends
    on batch size or thread count fails too.
    """
    inputs = os.path.join(workdir, "parity-inputs.safetensors")
    save_file({"input": images.batch(PARITY_INPUTS, 2026)}, inputs)

    def logits(name, base, w, batch, threads):
        out = os.path.join(workdir, f"parity-logits-{name}-b{batch}-t{threads}.safetensors")
        measure.run(measure.engine_args(base, w, batch, threads, 1, inputs=inputs, logits_out=out), name)
        t = load_file(out)
        if "logits" not in t or t["logits"].shape != (PARITY_INPUTS, 1):
            raise measure.EngineFailed(f"{name}: {out} lacks tensor logits [{PARITY_INPUTS},1]: "
                                       f"{ {k: v.shape for k, v in t.items()} }")
        return t["logits"][:, 0].astype(np.float64)

    o = logits("ort", ort_cmd, onnx_path, PARITY_INPUTS, 2)
    fc_bias = float(load_file(weights)["fc.bias"][0])
    log(f"  logits ORT             : {np.array2string(o, precision=5, max_line_width=200)}")
    result = {"ort": o.tolist(), "swift": {}}
    for batch, threads in ((PARITY_INPUTS, 2), (1, 1)):
        s = logits("swift", swift_cmd, weights, batch, threads)
        rel = np.abs(s - o) / np.abs(o)
        key = f"batch{batch}_threads{threads}"
        result["swift"][key] = {
            "logits": s.tolist(), "max_relative": float(rel.max()), "max_abs": float(np.abs(s - o).max()),
            # the same difference against the input-dependent part of the logit only
            "max_abs_over_max_fc_term": float(np.abs(s - o).max() / np.abs(o - fc_bias).max())}
        r = result["swift"][key]
        log(f"  logits Swift b{batch:<2} t{threads}    : {np.array2string(s, precision=5, max_line_width=200)}")
        log(f"    max relative diff {r['max_relative']:.2e} (limit {PARITY_RELATIVE:.0e}), max abs "
            f"{r['max_abs']:.2e}, over max |logit - fc.bias| {r['max_abs_over_max_fc_term']:.2e}")
        if not np.all(np.isfinite(s)) or rel.max() > PARITY_RELATIVE:
            raise measure.EngineFailed(f"logits differ: Swift (batch {batch}, {threads} threads) vs ORT max "
                                       f"relative {rel.max():.3e} > {PARITY_RELATIVE:.0e} (input {int(rel.argmax())})")
    result["max_relative"] = max(v["max_relative"] for v in result["swift"].values())
    return result


def timing(ort_cmd, swift_cmd, weights, onnx_path, rounds, images_per_run):
    runs = []
    for rnd in range(rounds):
        order = [("ort", ort_cmd, onnx_path), ("swift", swift_cmd, weights)]
        if rnd % 2:
            order.reverse()  # alternate who goes first so drift in machine load is shared
        jobs = [(b, t, e) for b, t in FORWARD_CONFIGS for e in order]
        for batch, threads, (eng, base, w) in jobs:
            runs.append(_one(eng, base, w, batch, threads, rnd, False, images_per_run))
        for batch, threads in GRADCAM_CONFIGS:
            runs.append(_one("swift", swift_cmd, weights, batch, threads, rnd, True, images_per_run))
    return runs


def _one(eng, base, w, batch, threads, rnd, gradcam, images_per_run):
    iters = max(1, images_per_run // batch)
    res, rss, wall = measure.run(measure.engine_args(base, w, batch, threads, iters, gradcam=gradcam),
                                 f"{eng} batch {batch} threads {threads}")
    if res["batch"] != batch or res["threads"] != threads:
        raise measure.EngineFailed(f"{eng}: asked batch {batch} threads {threads}, it reports "
                                   f"batch {res['batch']} threads {res['threads']}")
    load = os.getloadavg()[0]  # 1-minute load average after the run: shows when others competed
    kind = "gradcam" if gradcam else "forward"
    g = res.get("gradcam_ms_per_slice")
    extra = (f", Grad-CAM {g:.1f} ms/slice" if g is not None else ", Grad-CAM n/a") if gradcam else ""
    log(f"  round {rnd + 1} {eng:5} {kind:7} batch {batch:2} threads {threads}: "
        f"{res['images_per_s']:7.2f} img/s{extra}, peak RSS {rss:.0f} MB, {wall:.1f} s, load {load:.1f}")
    return {"engine": eng, "kind": kind, "batch": batch, "threads": threads, "round": rnd,
            "iterations": iters, "images_per_s": res["images_per_s"],
            "forward_ms_per_image": res["forward_ms_per_image"],
            "gradcam_ms_per_slice": res.get("gradcam_ms_per_slice"),
            "gradcam_ms_one_in_batch": res.get("gradcam_ms_one_in_batch"),
            "peak_rss_mb_reported": res["peak_rss_mb"], "peak_rss_mb": rss, "wall_s": wall,
            "load_average_1min": load}


def machine():
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), None)
    except OSError:
        pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if var in os.environ:
            info[var] = os.environ[var]
    import onnx
    import onnxruntime
    info["versions"] = {"numpy": np.__version__, "onnx": onnx.__version__,
                        "onnxruntime": onnxruntime.__version__}
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", required=True, help="folder for weights, ONNX model and results")
    ap.add_argument("--swift-cmd", required=True, help="command that runs `benchmark-engine` (shell words)")
    ap.add_argument("--fixture", required=True, help="shared/fixtures/resnet50-gradcam")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--images-per-run", type=int, default=IMAGES_PER_RUN)
    ap.add_argument("--seed", type=int, default=437)
    ap.add_argument("--out", help="JSON results path (default: CACHE/results/bench-TIME.json)")
    ap.add_argument("--checks-only", action="store_true", help="stop after the correctness checks")
    a = ap.parse_args()
    os.makedirs(a.cache, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = a.out or os.path.join(a.cache, "results", f"bench-{stamp}.json")
    workdir = os.path.join(a.cache, "work")
    os.makedirs(workdir, exist_ok=True)
    swift_cmd = shlex.split(a.swift_cmd)
    ort_cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort_engine.py")]
    results = {"started": stamp, "machine": machine(), "swift_cmd": swift_cmd}
    try:
        log("1/5 graph builder vs the fixture model (stored logits, tolerance 2e-4)")
        results["fixture_max_abs"] = check_graph.check_fixture(a.fixture, log)
        log("2/5 benchmark weights and ONNX graph")
        weights = make_weights.cached(a.cache, a.seed, log)
        onnx_path = onnx_for(weights)
        results.update(weights=weights, onnx=onnx_path)
        log("3/5 ORT vs NumPy float64 reference, full width, one input")
        results["full_width_relative"] = check_graph.check_full(weights, onnx_path, log)
        log(f"4/5 Swift vs ORT logits on {PARITY_INPUTS} inputs (limit {PARITY_RELATIVE:.0e} relative)")
        measure.probe(swift_cmd, "swift")
        results["parity"] = parity(ort_cmd, swift_cmd, weights, onnx_path, workdir)
        if a.checks_only:
            log("checks passed")
            return 0
        log(f"5/5 timing, {a.rounds} rounds, interleaved (shared 2-core machine: expect noise)")
        runs = timing(ort_cmd, swift_cmd, weights, onnx_path, a.rounds, a.images_per_run)
    except (check_graph.CheckFailed, measure.EngineFailed) as e:
        sys.exit(f"bench-engine: {e}")
    results["load_average_after"] = os.getloadavg()
    results["runs"] = runs
    results["summary"] = report.summarise(runs, FORWARD_CONFIGS, GRADCAM_CONFIGS)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
    log("")
    log(report.table(results["summary"], a.rounds))
    log(f"\nload average before {results['machine']['load_average']}, after {results['load_average_after']}")
    log(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
