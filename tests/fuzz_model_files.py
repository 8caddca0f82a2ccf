"""A structure-aware mutation fuzzer for deepgrad model files (a test tool, used by
``tests/test_model_file_fuzz.py``).

Random bytes rarely get past a checksum, so most mutants here are made the way an attacker
would make them: the safetensors header is parsed, one thing in it is changed — a value in the
JSON config, compile config, optimizer state or weight list (types swapped, numbers huge,
negative or NaN, keys dropped, added or renamed, class names changed), or an entry of the
tensor table (dtype, shape, data offsets, overlapping ranges, a tensor dropped or renamed),
or the data truncated — and the digest is recomputed, so the mutant reaches the config parser
and the loader's checks. A few mutants flip raw bytes without fixing the digest.

Each mutant carries a ``neutral`` flag: True when the change cannot alter what the model
computes (a metadata entry the loader ignores, JSON reformatted), so a model loaded from it must
predict bitwise as the original does.
"""

from __future__ import annotations

import copy
import json
import math
import random
import struct
from dataclasses import dataclass

import numpy as np
import safetensors
import safetensors.numpy

from deepgrad.saving.model_file import _digest

#: Values swapped in for a JSON value: other types, huge / negative / non-finite numbers, names.
ODD_VALUES = [
    None, True, False, 0, 1, -1, 2, 3, 99, -99, 10**6, 10**8, 2**31, 2**63, 10**30, -(10**8),
    0.5, -0.5, 2.5, 1e-300, 1e308, -1e308, float("nan"), float("inf"), float("-inf"), "",
    "no", "relu", "softmax", "Dense", "os.system", "builtins.eval", "__import__", "float64",
    "int32", "channels_first", "same", [], [1], [1, 2], [None], [10**8, 10**8], {},
    {"class_name": "Dense", "config": {"units": 10**8}}, {"class_name": "os.system"},
    "weights/dense/kernel", "a" * 300,
]
KEYS = ["units", "activation", "use_bias", "axis", "momentum", "epsilon", "rate", "seed", "name",
        "class_name", "config", "layers", "trainable", "dtype", "input_shape",
        "build_input_shape", "batch_shape", "shape", "alpha", "shared_axes", "__init__", "x"]
CLASS_NAMES = ["Dense", "BatchNormalization", "PReLU", "Dropout", "Softmax", "Sequential",
               "Functional", "Residual", "InputLayer", "Lambda", "Conv2D", "LSTM", "Embedding",
               "Adam", "SGD", "os.system", "builtins.eval", "Tensor", "pickle.loads", ""]
DTYPE_CODES = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "U64",
               "F8_E4M3", "C64", "X"]
JSON_ENTRIES = ["config", "config", "config", "compile_config", "optimizer_state",
                "weight_names"]


@dataclass
class Mutant:
    data: bytes
    kind: str
    neutral: bool
    #: a number this large was written into the file (the mutants to watch for allocation)
    big: bool = False


def split(data: bytes) -> tuple[dict, bytes]:
    """(header, data section) of safetensors bytes."""
    size = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + size]), data[8 + size:]


def join(header: dict, body: bytes, fix_digest: bool = True) -> bytes:
    """Safetensors bytes of ``header`` and ``body``; with ``fix_digest`` the digest is
    recomputed over what safetensors reads back (when it can read it at all)."""
    raw = _encode(header) + body
    if fix_digest and isinstance(header.get("__metadata__"), dict):
        try:
            records = [(name, view["dtype"], tuple(view["shape"]), bytes(view["data"]))
                       for name, view in safetensors.deserialize(raw)]
            meta = header["__metadata__"]
            if all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
                meta["digest"] = _digest(meta, records)
                raw = _encode(header) + body
        except Exception:  # noqa: BLE001, S110 - unreadable safetensors: the loader must say so
            pass
    return raw


def _encode(header: dict) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, prefix + (i,))


def _mutate_json(rng: random.Random, document):
    """``document`` with one structured change, and whether a big number went in."""
    document = copy.deepcopy(document)
    paths = list(_paths(document))
    where = rng.choice(paths)
    if not where:
        return rng.choice(ODD_VALUES), False
    *parents, last = where
    parent = document
    for key in parents:
        parent = parent[key]
    old = parent[last]
    op = rng.random()
    big = False
    if op < 0.45:  # another value
        new = rng.choice(ODD_VALUES)
        if last == "class_name" or (isinstance(old, str) and rng.random() < 0.3):
            new = rng.choice(CLASS_NAMES)
        if isinstance(old, (int, float)) and not isinstance(old, bool) and rng.random() < 0.5:
            new = rng.choice([old * 10**6, old * 10**8, -old, old + 1, old - 1, 0, 10**8,
                              float("nan")])
        parent[last] = new
        big = _has_big(new)
    elif op < 0.6 and isinstance(parent, dict):  # drop a key
        del parent[last]
    elif op < 0.7 and isinstance(parent, dict):  # rename a key
        parent[rng.choice(KEYS)] = parent.pop(last)
    elif op < 0.8 and isinstance(parent, dict):  # add a key
        parent[rng.choice(KEYS)] = rng.choice(ODD_VALUES)
        big = True
    elif isinstance(parent, list):  # drop, duplicate or append list items
        choice = rng.randrange(3)
        if choice == 0:
            del parent[last]
        elif choice == 1:
            parent.insert(last, copy.deepcopy(parent[last]))
        else:
            parent.append(rng.choice(ODD_VALUES))
    else:
        parent[last] = copy.deepcopy(document)  # nest a copy of the whole document
    return document, big


def _has_big(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return not math.isfinite(value) or abs(value) >= 1000
    if isinstance(value, (list, dict)):
        items = value.values() if isinstance(value, dict) else value
        return any(_has_big(v) for v in items)
    return False


def mutate(rng: random.Random, original: bytes) -> Mutant:
    """One mutant of ``original`` (a valid model file)."""
    header, body = split(original)
    meta = header["__metadata__"]
    tensors = [k for k in header if k != "__metadata__"]
    roll = rng.random()
    if roll < 0.55:  # a JSON metadata entry
        entry = rng.choice(JSON_ENTRIES)
        document, big = _mutate_json(rng, json.loads(meta[entry]))
        meta[entry] = json.dumps(document)
        return Mutant(join(header, body), f"json:{entry}", False, big)
    if roll < 0.62:  # a plain metadata entry
        op = rng.randrange(4)
        if op == 0:  # an entry the loader does not read: neutral
            meta[rng.choice(["extra", "__init__", "author", "model_class "])] = \
                "__import__('os').system('touch pwned')"
            return Mutant(join(header, body), "meta:extra", True)
        if op == 1:
            key = rng.choice(["model_class", "format", "format_version", "config",
                              "optimizer_state", "compile_config", "weight_names"])
            meta.pop(key, None)
            return Mutant(join(header, body), f"meta:drop {key}", False)
        if op == 2:
            meta["model_class"] = rng.choice(CLASS_NAMES)
            return Mutant(join(header, body), "meta:model_class", False)
        entry = rng.choice(JSON_ENTRIES)  # the same JSON, spelled differently: neutral
        meta[entry] = json.dumps(json.loads(meta[entry]), indent=rng.choice([None, 1, 2]),
                                 sort_keys=True)
        return Mutant(join(header, body), "meta:reformatted", True)
    if roll < 0.7:  # one tensor re-encoded (valid safetensors, digest recomputed)
        return _reencode(rng, original)
    if roll < 0.9:  # the tensor table
        name = rng.choice(tensors)
        entry = header[name]
        op = rng.randrange(8)
        begin, end = entry["data_offsets"]
        if op == 0:
            entry["dtype"] = rng.choice(DTYPE_CODES)
        elif op == 1:
            shape = entry["shape"]
            choice = rng.randrange(5)
            if choice == 0 and shape:
                shape[rng.randrange(len(shape))] = rng.choice([0, 1, 10**8, 2**62, -1])
            elif choice == 1:
                shape.append(rng.choice([1, 2, 10**8]))
            elif choice == 2 and shape:
                shape.pop()
            elif choice == 3:
                entry["shape"] = list(reversed(shape))
            else:
                entry["shape"] = [math.prod(shape)] if shape else [1]
        elif op == 2:
            other = header[rng.choice(tensors)]
            entry["data_offsets"] = list(other["data_offsets"])  # overlapping ranges
        elif op == 3:
            shift = rng.choice([-8, -4, -1, 1, 4, 8, 10**9, 2**63])
            entry["data_offsets"] = [begin + shift, end + shift]
        elif op == 4:
            entry["data_offsets"] = [end, begin]
        elif op == 5:
            del header[name]
        elif op == 6:
            header[rng.choice(["weights/evil", "optimizer/momentum/99", "optimizer/os.system",
                               name + "x"])] = header.pop(name)
        else:
            other = rng.choice(tensors)  # swap two tensors' names
            header[name], header[other] = header[other], header[name]
        return Mutant(join(header, body), "table", False, True)
    if roll < 0.95:  # the data section
        cut = rng.randrange(len(body) + 1)
        body = body[:cut] if rng.random() < 0.7 else body + bytes(rng.randrange(1, 64))
        return Mutant(join(header, body), "body:length", False)
    data = bytearray(original)  # raw flips, digest left as it was
    for _ in range(rng.randrange(1, 4)):
        data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
    return Mutant(bytes(data), "bytes", False)


def _reencode(rng: random.Random, original: bytes) -> Mutant:
    """A tensor of another dtype, shape or contents, written as valid safetensors."""
    header, _ = split(original)
    meta = header["__metadata__"]
    arrays = dict(safetensors.numpy.load(original))
    name = rng.choice(sorted(arrays))
    value = arrays[name]
    op = rng.randrange(7)
    if op == 0:
        value = value.astype(rng.choice([np.float64, np.float16, np.int32, np.int64, np.uint8]))
    elif op == 1:
        value = value.reshape(-1) if value.ndim != 1 else value[:, None]
    elif op == 2:
        value = value[: max(0, len(value) - 1)] if value.ndim else value.reshape(1)
    elif op == 3:
        value = np.concatenate([value.reshape(-1)] * 2)
    elif op == 4:
        value = np.full_like(value, rng.choice([np.nan, np.inf, -np.inf, 1e30]))
    elif op == 5:
        del arrays[name]
        value = None
    else:
        arrays[name + rng.choice(["x", "/0", "/99"])] = value
    if value is not None:
        arrays[name] = np.ascontiguousarray(value)
    records = [(n, _code(a), a.shape, a.astype(a.dtype.newbyteorder("<")).tobytes())
               for n, a in arrays.items()]
    meta["digest"] = _digest(meta, records)
    neutral = False
    return Mutant(safetensors.numpy.save(arrays, metadata=meta), f"tensor:{op}", neutral,
                  op in (1, 3))


def _code(array) -> str:
    return {"f8": "F64", "f4": "F32", "f2": "F16", "i8": "I64", "i4": "I32", "i2": "I16",
            "i1": "I8", "u1": "U8", "b1": "BOOL"}[f"{array.dtype.kind}{array.dtype.itemsize}"]
