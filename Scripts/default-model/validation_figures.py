#!/usr/bin/env python3
"""The validation figures of a training run, from `ctscreen predict` CSVs: one place for the
AUC and the localisation summary that evaluate-validation-donors prints and rank-epochs ranks.

  validation_figures.py donors CSV NAME          the validation donors' line
  validation_figures.py medseg CSV UCSD_CSV NAME the MedSeg validation slices' line
  validation_figures.py whole CSV NAME           the whole validation split's AUC
"""
import csv
import os
import sys


def rows(path, needed_by="Scripts/default-model/evaluate-validation-donors"):
    if not os.path.exists(path):
        sys.exit("%s missing: run %s first" % (path, needed_by))
    return list(csv.DictReader(open(path)))


def scores(rows, label):
    return [float(r["score"]) for r in rows if r["label"] == label]


def auc(pos, neg):
    """Mann-Whitney AUC (ties count half); None without both classes."""
    if not pos or not neg:
        return None
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def localisation(rows):
    """Of the masked rows: the sorted heat ratios (lesion / rest of lung), the share whose hottest
    pixel is in the lesion, and the mean shares of lesion and other lung pixels above the Corona
    threshold (None for CSVs written before `predict` had those columns)."""
    masked = [r for r in rows if r.get("heat_in_lesion")]
    if not masked:
        return None
    ratios = sorted(float(r["heat_in_lesion"]) / float(r["heat_in_rest_of_lung"]) if float(r["heat_in_rest_of_lung"]) > 0
                    else float("inf") for r in masked)
    hottest = sum(r["peak_in_lesion"] == "1" for r in masked) / len(masked)
    if "lesion_counted" in masked[0]:
        counted = sum(float(r["lesion_counted"]) for r in masked) / len(masked)
        beside = sum(float(r["rest_of_lung_counted"]) for r in masked) / len(masked)
    else:
        counted = beside = None
    return {"ratios": ratios, "median": ratios[len(ratios) // 2], "hottest": hottest, "counted": counted, "beside": beside}


def donors_line(path, name):
    r = rows(path)
    pos, neg = scores(r, "1"), scores(r, "0")
    a, loc = auc(pos, neg), localisation(r)
    q = loc["ratios"]
    # This release of COVID-19-CT-Seg holds lesion slices only: then there is no AUC to give.
    auc_text = "AUC %.4f" % a if a is not None else "no slice without a lesion, no AUC"
    return ("%s: validation donors %d slices (%d with lesion): %s; heat in lesion / rest median %.2f (quartiles %.2f-%.2f), "
            "hottest pixel in the lesion %.0f %%; above the Corona threshold %.1f %% of lesion pixels, %.1f %% of the rest; "
            "positive at P >= 0.5: %.0f %% of lesion slices, %.0f %% of clean ones" % (
                name, len(r), len(pos), auc_text, loc["median"], q[len(q) // 4], q[3 * len(q) // 4], 100 * loc["hottest"],
                100 * loc["counted"], 100 * loc["beside"], 100.0 * sum(p >= 0.5 for p in pos) / max(len(pos), 1),
                100.0 * sum(n >= 0.5 for n in neg) / max(len(neg), 1)))


def medseg_line(path, ucsd_path, name):
    r = rows(path)
    neg = [float(x["score"]) for x in rows(ucsd_path)]
    loc = localisation(r)
    return ("%s: MedSeg validation %d slices: AUC vs %d UCSD validation non-COVID %.4f; heat in lesion / rest median %.2f, "
            "hottest pixel in the lesion %.0f %%; above the Corona threshold %.1f %% of lesion pixels, %.1f %% of the rest" % (
                name, len(r), len(neg), auc(scores(r, "1"), neg), loc["median"], 100 * loc["hottest"],
                100 * loc["counted"], 100 * loc["beside"]))


def whole_auc(path):
    r = rows(path, "Scripts/default-model/evaluate-validation-donors --whole-split")
    a = auc(scores(r, "1"), scores(r, "0"))
    if a is None:
        sys.exit("%s: needs positive and negative slices" % path)
    return a, r


def whole_line(path, name):
    a, r = whole_auc(path)
    return "%s: whole validation split %d slices (%d positive): AUC %.4f" % (name, len(r), len(scores(r, "1")), a)


if __name__ == "__main__":
    lines = {"donors": (donors_line, 4), "medseg": (medseg_line, 5), "whole": (whole_line, 4)}
    if len(sys.argv) < 2 or sys.argv[1] not in lines or len(sys.argv) != lines[sys.argv[1]][1]:
        sys.exit(__doc__)
    print(lines[sys.argv[1]][0](*sys.argv[2:]))
