#!/usr/bin/env python3
"""How well an analyze output's localisation sits on a phantom's lesions.

Usage: lesion-localisation.py ANALYZE_OUT PHANTOM_DIR
Prints the mean of localization.nii.gz inside the lesion mask and in the rest of the lung
mask, and their ratio (1 = no better than anywhere in the lung). Standard library only.
"""
import gzip
import struct
import sys

DTYPES = {2: "B", 4: "h", 8: "i", 16: "f", 256: "b", 512: "H"}


def read(path):
    raw = gzip.open(path).read()
    dims = struct.unpack_from("<8h", raw, 40)
    code = DTYPES[struct.unpack_from("<h", raw, 70)[0]]
    offset = int(struct.unpack_from("<f", raw, 108)[0])
    slope, inter = struct.unpack_from("<2f", raw, 112)
    values = struct.unpack_from("<%d%s" % (dims[1] * dims[2] * dims[3], code), raw, offset)
    return [v * slope + inter for v in values] if slope not in (0.0, 1.0) else values


def main():
    out, phantom = sys.argv[1], sys.argv[2]
    loc = read(out + "/localization.nii.gz")
    lung = read(out + "/lung-mask.nii.gz")
    lesion = read(phantom + "/lesion-mask.nii.gz")
    inside = [m for m, s in zip(loc, lesion) if s > 0]
    rest = [m for m, l, s in zip(loc, lung, lesion) if l > 0 and s == 0]
    a, b = sum(inside) / len(inside), sum(rest) / len(rest)
    ratio = a / b if b > 0 else float("nan")
    print("localisation: mean %.4f inside the lesions, %.4f in the rest of the lung, ratio %.2f" % (a, b, ratio))


if __name__ == "__main__":
    main()
