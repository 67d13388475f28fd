"""Reads a PyTorch zip checkpoint (torch.save) with numpy alone, without torch.

Only the globals a plain state_dict needs are allowed (tensor rebuild, storage types,
OrderedDict); anything else in the pickle is refused, so a hostile file cannot run code.
"""
import collections
import pickle
import zipfile

import numpy as np

# Storage class name -> numpy dtype; bfloat16 has none and is widened to float32 on read.
STORAGE_TYPES = {
    "BFloat16Storage": "bfloat16",
    "HalfStorage": np.float16,
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
}


class _Storage:
    def __init__(self, kind, key):
        self.kind, self.key = kind, key


class _TensorRef:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


def _rebuild_tensor_v2(storage, offset, size, stride, *_):
    return _TensorRef(storage, offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in STORAGE_TYPES:
            return name
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        raise pickle.UnpicklingError("refusing global %s.%s in a weights file" % (module, name))

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError("unexpected persistent id %r" % (pid,))
        return _Storage(pid[1], pid[2])


def _materialise(zf, prefix, ref):
    kind = STORAGE_TYPES[ref.storage.kind]
    raw = zf.read("%s/data/%s" % (prefix, ref.storage.key))
    if kind == "bfloat16":
        # bfloat16 is the top half of a float32: shift it back into place.
        flat = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    else:
        flat = np.frombuffer(raw, dtype=np.dtype(kind).newbyteorder("<"))
    itemsize = flat.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(flat[ref.offset:], shape=ref.size,
                                           strides=[s * itemsize for s in ref.stride])
    return np.array(view)  # contiguous copy


def load(path):
    """Returns (the unpickled object with every tensor as a numpy array)."""
    zf = zipfile.ZipFile(path)
    prefix = zf.namelist()[0].split("/")[0]
    obj = _Unpickler(zf.open(prefix + "/data.pkl")).load()

    def convert(x):
        if isinstance(x, _TensorRef):
            return _materialise(zf, prefix, x)
        if isinstance(x, dict):
            return type(x)((k, convert(v)) for k, v in x.items())
        if isinstance(x, (list, tuple)):
            return type(x)(convert(v) for v in x)
        return x

    return convert(obj)
