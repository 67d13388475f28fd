#!/usr/bin/env python3
"""Lists the lung slices of `ctscreen phantom` folders as a volume-slice CSV for `ctscreen train`.

Usage: phantom-slices.py OUT.csv PHANTOM_DIR...

A slice is listed when its lung mask covers at least 2 % of the slice; its label is 1 when
the lesion mask has at least 40 pixels on it (a visible lesion), 0 when it has none; slices
with a lesion sliver under 40 pixels are left out as ambiguous. Group = phantom folder.
Reads the NIfTI-1 masks with the standard library only (gzip + the fixed 348-byte header).
"""
import csv
import gzip
import os
import struct
import sys

DTYPES = {2: "B", 4: "h", 8: "i", 16: "f", 256: "b", 512: "H"}


def read_nifti(path):
    raw = gzip.open(path).read()
    dims = struct.unpack_from("<8h", raw, 40)
    datatype = struct.unpack_from("<h", raw, 70)[0]
    offset = int(struct.unpack_from("<f", raw, 108)[0])
    nx, ny, nz = dims[1], dims[2], dims[3]
    code = DTYPES[datatype]
    values = struct.unpack_from("<%d%s" % (nx * ny * nz, code), raw, offset)
    return nx, ny, nz, values


def per_slice_counts(path):
    nx, ny, nz, v = read_nifti(path)
    plane = nx * ny
    return [sum(1 for x in v[k * plane:(k + 1) * plane] if x) for k in range(nz)], plane


def main():
    out, folders = sys.argv[1], sys.argv[2:]
    rows = []
    for folder in folders:
        lung, plane = per_slice_counts(os.path.join(folder, "lung-mask.nii.gz"))
        lesion, _ = per_slice_counts(os.path.join(folder, "lesion-mask.nii.gz"))
        name = os.path.basename(os.path.normpath(folder))
        for k, (l, s) in enumerate(zip(lung, lesion)):
            if l < 0.02 * plane or 0 < s < 40:
                continue
            rows.append((os.path.abspath(os.path.join(folder, "dicom")), k, 1 if s else 0, name))
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["volume", "slice", "label", "group"])
        w.writerows(rows)
    pos = sum(r[2] for r in rows)
    print("phantom-slices: %d slices (%d with lesions) from %d phantoms -> %s" % (len(rows), pos, len(folders), out))


if __name__ == "__main__":
    main()
