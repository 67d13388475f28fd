"""Summaries and the printed table of a benchmark run (best of the rounds and median)."""
import statistics


def _sel(runs, **match):
    return [r for r in runs if all(r.get(k) == v for k, v in match.items())]


def _fmt(v, spec=".1f"):
    return "n/a" if v is None else format(v, spec)


def summarise(runs, configs, gradcam_configs):
    """Per-config figures; ratios are Swift / ORT (throughput: above 1 means Swift faster)."""
    out = {"forward": [], "gradcam": [], "memory": []}
    for batch, threads in configs:
        row = {"batch": batch, "threads": threads}
        for eng in ("ort", "swift"):
            rs = _sel(runs, engine=eng, kind="forward", batch=batch, threads=threads)
            ips = [r["images_per_s"] for r in rs]
            row[eng] = {"images_per_s": ips, "best": max(ips) if ips else None,
                        "median": statistics.median(ips) if ips else None,
                        "peak_rss_mb": max((r["peak_rss_mb"] for r in rs), default=None),
                        "peak_rss_mb_reported": max((r["peak_rss_mb_reported"] for r in rs), default=None)}
        o, s = row["ort"], row["swift"]
        row["ratio_best"] = s["best"] / o["best"] if o["best"] and s["best"] else None
        row["ratio_median"] = s["median"] / o["median"] if o["median"] and s["median"] else None
        paired = []  # same round: the two runs were back to back, so they saw similar load
        for r in sorted({r["round"] for r in runs}):
            a = _sel(runs, engine="ort", kind="forward", batch=batch, threads=threads, round=r)
            b = _sel(runs, engine="swift", kind="forward", batch=batch, threads=threads, round=r)
            if a and b:
                paired.append(b[0]["images_per_s"] / a[0]["images_per_s"])
        row["ratio_paired"] = paired
        row["ratio_paired_median"] = statistics.median(paired) if paired else None
        out["forward"].append(row)
        if o["peak_rss_mb"] and s["peak_rss_mb"]:
            out["memory"].append({"batch": batch, "threads": threads, "ort_mb": o["peak_rss_mb"],
                                  "swift_mb": s["peak_rss_mb"],
                                  "swift_reported_mb": s["peak_rss_mb_reported"],
                                  "ratio": s["peak_rss_mb"] / o["peak_rss_mb"]})
    fwd = {(r["batch"], r["threads"]): r for r in out["forward"]}
    for batch, threads in gradcam_configs:
        rs = _sel(runs, engine="swift", kind="gradcam", batch=batch, threads=threads)
        ms = [r["gradcam_ms_per_slice"] for r in rs if r.get("gradcam_ms_per_slice") is not None]
        same = fwd.get((batch, threads), {}).get("swift", {}).get("median")
        one = fwd.get((1, threads), {}).get("swift", {}).get("median")
        med = statistics.median(ms) if ms else None
        # optional figure: extra cost when only one slice of the batch is positive
        one_in = [r["gradcam_ms_one_in_batch"] for r in rs if r.get("gradcam_ms_one_in_batch") is not None]
        out["gradcam"].append({
            "batch": batch, "threads": threads, "gradcam_ms_per_slice": ms,
            "best": min(ms) if ms else None, "median": med,
            "forward_ms_per_image_same_config": 1000 / same if same else None,
            "forward_ms_one_slice": 1000 / one if one else None,
            "ratio_to_forward_same_config": med * same / 1000 if med and same else None,
            "ratio_to_one_slice_forward": med * one / 1000 if med and one else None,
            "one_in_batch_ms_median": statistics.median(one_in) if one_in else None,
            "peak_rss_mb": max((r["peak_rss_mb"] for r in rs), default=None)})
    return out


def table(summary, rounds):
    lines = [f"Forward throughput, images/s (best of {rounds} / median); ratio = Swift / ORT",
             f"{'batch':>5} {'thr':>3} | {'ORT best':>8} {'median':>7} | {'Swift best':>10} {'median':>7} |"
             f" {'ratio best':>10} {'median':>7} {'paired med':>10}"]
    for r in summary["forward"]:
        o, s = r["ort"], r["swift"]
        lines.append(f"{r['batch']:>5} {r['threads']:>3} | {_fmt(o['best']):>8} {_fmt(o['median']):>7} |"
                     f" {_fmt(s['best']):>10} {_fmt(s['median']):>7} | {_fmt(r['ratio_best'], '.2f'):>10}"
                     f" {_fmt(r['ratio_median'], '.2f'):>7} {_fmt(r['ratio_paired_median'], '.2f'):>10}")
    lines += ["", "Swift Grad-CAM per positive slice (ms, best / median) and its cost relative to a forward pass",
              f"{'batch':>5} {'thr':>3} | {'best':>7} {'median':>7} | {'fwd ms/img':>10} {'ratio':>6} |"
              f" {'1-slice fwd ms':>14} {'ratio':>6} | {'1 of batch ms':>13}"]
    for g in summary["gradcam"]:
        lines.append(f"{g['batch']:>5} {g['threads']:>3} | {_fmt(g['best']):>7} {_fmt(g['median']):>7} |"
                     f" {_fmt(g['forward_ms_per_image_same_config']):>10}"
                     f" {_fmt(g['ratio_to_forward_same_config'], '.2f'):>6} |"
                     f" {_fmt(g['forward_ms_one_slice']):>14} {_fmt(g['ratio_to_one_slice_forward'], '.2f'):>6} |"
                     f" {_fmt(g['one_in_batch_ms_median']):>13}")
    lines += ["", "Peak RSS, MB (max over rounds, VmHWM sampled every 20 ms; Swift's own figure in brackets)",
              f"{'batch':>5} {'thr':>3} | {'ORT':>7} | {'Swift':>7} {'(own)':>8} | {'ratio':>6}"]
    for m in summary["memory"]:
        lines.append(f"{m['batch']:>5} {m['threads']:>3} | {m['ort_mb']:>7.0f} | {m['swift_mb']:>7.0f}"
                     f" {'(' + _fmt(m['swift_reported_mb'], '.0f') + ')':>8} | {m['ratio']:>6.2f}")
    return "\n".join(lines)
