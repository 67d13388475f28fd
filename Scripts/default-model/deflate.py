"""Turns an inflated 3D ResNet state_dict into a 2D torchvision-layout one, and writes
safetensors files, with numpy alone.

Deflation sums every 3D kernel over its depth axis: for input that is constant along the
slice normal, a 3D conv then gives exactly the 2D conv of one slice (away from the ends of
the slab, where the depth padding reaches in), so the 2D network computes what the 3D one
computes on the slab. BatchNorm is per channel and carries over as it is.
"""
import json
import struct

import numpy as np

STAGE_COUNTS_RESNET50 = [3, 4, 6, 3]


def deflate(sd3d):
    """Conv kernels [O, I, D, H, W] -> [O, I, H, W] by summing over D; the rest as float32.
    BatchNorm's num_batches_tracked counters are dropped (no meaning for inference)."""
    out = {}
    for name, t in sd3d.items():
        if name.endswith("num_batches_tracked"):
            continue
        t = np.asarray(t, dtype=np.float32)
        out[name] = t.sum(axis=2) if t.ndim == 5 else t
    return out


def kept_blocks(have, keep, rule):
    """Which of a stage's `have` blocks to keep when cutting it to `keep`.
    'first': 0..keep-1. 'spread': block 0 (it holds the downsample) and the others spread
    evenly over the stage's depth, the last block included (it feeds the next stage)."""
    if keep > have:
        raise ValueError("cannot keep %d of %d blocks" % (keep, have))
    if rule == "first" or keep == 1:
        return list(range(keep))
    if rule == "spread":
        return sorted({round(i * (have - 1) / (keep - 1)) for i in range(keep)})
    raise ValueError("unknown block rule %r" % rule)


def cut_blocks(sd, counts_have, counts_keep, rule):
    """Keeps the chosen blocks of each stage and renumbers them 0..keep-1. Returns the new
    state_dict and the kept block indices per stage (for the record)."""
    out = {k: v for k, v in sd.items() if not k.startswith("layer")}
    chosen = []
    for layer, (have, keep) in enumerate(zip(counts_have, counts_keep), start=1):
        picks = kept_blocks(have, keep, rule)
        chosen.append(picks)
        for new, old in enumerate(picks):
            old_prefix, new_prefix = "layer%d.%d." % (layer, old), "layer%d.%d." % (layer, new)
            for k, v in sd.items():
                if k.startswith(old_prefix):
                    out[new_prefix + k[len(old_prefix):]] = v
    return out, chosen


def write_safetensors(path, tensors, metadata=None, dtype="f32"):
    """Writes tensors (name -> numpy array) as safetensors, F32 or F16, names sorted."""
    np_type, tag = {"f32": (np.float32, "F32"), "f16": (np.float16, "F16")}[dtype]
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype=np_type).astype(np.dtype(np_type).newbyteorder("<")).tobytes()
        header[name] = {"dtype": tag, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
