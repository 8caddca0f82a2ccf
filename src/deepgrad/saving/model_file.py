"""The deepgrad model file as a container: verified safetensors bytes ⇄ metadata and tensors.

:func:`pack` adds the SHA-256 digest of every metadata entry and every tensor (name, dtype,
shape, raw bytes; sorted, length-prefixed); :func:`read` checks the file's kind, header, format
version, dtypes and digest, and raises :class:`ModelFileError` — one sentence naming the file
and the problem — for anything malformed, truncated or altered. The digest is a checksum
anyone can recompute, not a proof of origin: with a signing key, :func:`pack` also stores an
HMAC-SHA-256 ``signature`` of the same bytes (less the signature), and :func:`read` given the
key refuses files that are unsigned or signed otherwise. What the entries mean for a model is
:mod:`deepgrad.saving.save_load`'s business.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import struct

import numpy as np
import safetensors
import safetensors.numpy

__all__ = ["FORMAT_VERSION", "MODEL", "READABLE_VERSIONS", "SCALAR_DTYPES", "WEIGHTS", "ModelFileError",
           "as_signing_key", "dumps", "json_entry", "pack", "read", "short", "to_saved"]

FORMAT_VERSION = "2"  # written; version 1 keyed the weights by position
READABLE_VERSIONS = ("1", "2")
MODEL, WEIGHTS = "deepgrad.model", "deepgrad.weights"

# safetensors dtype code -> little-endian NumPy dtype; the only dtypes a file may contain.
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U8": "u1", "BOOL": "?"}
_CODES = {(np.dtype(t).kind, np.dtype(t).itemsize): code for code, t in _DTYPES.items()}
SCALAR_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8",
                  "bool"}
# Leading bytes of formats that people rename by mistake, for a more helpful message.
_MAGIC = ((b"\x80", "a pickle file"), (b"PK\x03\x04", "a zip archive (a PyTorch or Keras file?)"),
          (b"\x89HDF", "an HDF5 file"), (b"\x93NUMPY", "a NumPy .npy file"))


class ModelFileError(ValueError):
    """A model file is malformed, truncated, altered, or does not fit the model.

    The message is one sentence naming the file and the problem; :attr:`path` and
    :attr:`problem` hold the two parts.

    >>> error = ModelFileError("model.safetensors", "the file is empty")
    >>> str(error), isinstance(error, ValueError)
    ("cannot load 'model.safetensors': the file is empty.", True)
    """

    def __init__(self, path, problem: str):
        self.path, self.problem = os.fsdecode(path), " ".join(problem.split())
        super().__init__(f"cannot load {self.path!r}: {problem}.")

    def __reduce__(self):  # copy and multiprocessing rebuild it from its two parts
        return type(self), (self.path, self.problem)


def short(value) -> str:
    """``repr`` of a value read from a file, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_saved(array, what) -> np.ndarray:
    array = np.asarray(array)
    array = np.ascontiguousarray(array).reshape(array.shape)  # a 0-d weight stays 0-d
    if (array.dtype.kind, array.dtype.itemsize) not in _CODES:
        raise TypeError(f"cannot save {what}: dtype {array.dtype} is not one of "
                        f"{', '.join(sorted(SCALAR_DTYPES))}")
    return array


def dumps(value, what: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} is not JSON-serializable: {error}") from None


def _digest(meta: dict, records) -> str:
    """SHA-256 of the metadata (without the digest) and the tensors, each length-prefixed."""
    return _feed(hashlib.sha256(), meta, records, skip=("digest",)).hexdigest()


def _signature(key: bytes, meta: dict, records) -> str:
    """HMAC-SHA-256 under ``key`` of what the digest covers, less the signature itself."""
    return _feed(hmac.new(key, digestmod=hashlib.sha256), meta, records,
                 skip=("digest", "signature")).hexdigest()


def as_signing_key(key) -> bytes | None:
    """``key`` (bytes, or a str taken as UTF-8) as bytes; None stays None."""
    if key is None:
        return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"signing_key must be bytes or a str; got {type(key).__name__}")
    if not key:
        raise ValueError("signing_key must not be empty")
    return bytes(key)


def _feed(h, meta: dict, records, skip):
    def put(blob: bytes) -> None:
        h.update(struct.pack("<Q", len(blob)))
        h.update(blob)

    entries = sorted((k, v) for k, v in meta.items() if k not in skip)
    h.update(struct.pack("<Q", len(entries)))
    for key, value in entries:
        put(key.encode("utf-8", "surrogatepass"))
        put(value.encode("utf-8", "surrogatepass"))
    records = sorted(records)
    h.update(struct.pack("<Q", len(records)))
    for name, code, shape, raw in records:
        put(name.encode("utf-8", "surrogatepass"))
        put(code.encode("ascii"))
        h.update(struct.pack(f"<{len(shape) + 1}Q", len(shape), *shape))
        put(raw)
    return h


def pack(meta: dict, tensors: dict, key: bytes | None = None) -> bytes:
    """The safetensors bytes of ``tensors`` with ``meta`` and its digest added (and, with a
    ``key``, the HMAC-SHA-256 ``signature`` of the same bytes)."""
    records = [(n, _CODES[a.dtype.kind, a.dtype.itemsize], a.shape,
                a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes())
               for n, a in tensors.items()]
    meta.pop("signature", None)
    if key is not None:
        meta["signature"] = _signature(key, meta, records)
    meta["digest"] = _digest(meta, records)
    return safetensors.numpy.save(tensors, metadata=meta)


def read(path, key: bytes | None = None) -> tuple[dict, dict]:
    """Read and verify a deepgrad safetensors file: its metadata and its tensors. With a
    ``key``, the file must carry a signature made with that key."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise ModelFileError(path, "it is a directory" if stat.S_ISDIR(mode) else
                             "it is not a regular file")
    with open(path, "rb") as file:
        data = file.read()
    if not data:
        raise ModelFileError(path, "the file is empty")
    if len(data) < 8:
        _refuse_header(path, data, f"it is too short ({len(data)} bytes) to be a safetensors file")
    size = int.from_bytes(data[:8], "little")
    if size > len(data) - 8:
        _refuse_header(path, data, f"it is truncated or not a safetensors file (its header "
                                   f"claims {size} bytes, {len(data) - 8} follow)")
    try:
        header = _loads(data[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        header = None
    if not isinstance(header, dict):
        _refuse_header(path, data, "its safetensors header is not a valid JSON object")
    meta = header.get("__metadata__")
    if not isinstance(meta, dict) or meta.get("format") not in (MODEL, WEIGHTS):
        raise ModelFileError(path, "it is not a deepgrad model file (no deepgrad format in its "
                                   "metadata)")
    if not all(isinstance(v, str) for v in meta.values()):
        raise ModelFileError(path, "its metadata values are not all strings")
    if meta.get("format_version") not in READABLE_VERSIONS:
        raise ModelFileError(path, f"its format version {short(meta.get('format_version'))} is "
                                   f"not supported (this deepgrad reads versions "
                                   f"{' and '.join(READABLE_VERSIONS)})")
    try:
        views = safetensors.deserialize(data)
    except safetensors.SafetensorError as error:
        raise ModelFileError(path, f"it is not a valid safetensors file ({error})") from None
    tensors, records = {}, []
    for name, view in views:
        if view["dtype"] not in _DTYPES:
            raise ModelFileError(path, f"tensor {name!r} has the unsupported dtype {view['dtype']}")
        raw, shape = bytes(view["data"]), tuple(view["shape"])
        array = np.frombuffer(raw, dtype=_DTYPES[view["dtype"]]).reshape(shape)
        tensors[name] = array.astype(array.dtype.newbyteorder("="))  # a writable native copy
        records.append((name, view["dtype"], shape, raw))
    if meta.get("digest") != _digest(meta, records):
        raise ModelFileError(path, "its SHA-256 digest does not match its contents (the file "
                                   "was altered or corrupted)")
    if key is not None:
        signature = meta.get("signature")
        if signature is None:
            raise ModelFileError(path, "it is not signed, and a signing key was given (only "
                                       "files saved with that signing_key are accepted)")
        if not hmac.compare_digest(signature.encode("utf-8", "surrogatepass"),
                                   _signature(key, meta, records).encode("ascii")):
            raise ModelFileError(path, "its signature does not match the signing key (the file "
                                       "was altered, or signed with another key)")
    return meta, tensors


def _refuse_header(path, data: bytes, problem: str):
    """Raise for a file without a safetensors header, naming its format when it is a known one
    (checked only now: a valid header size may start with the same bytes; a header that opens
    with ``{`` after its size is a damaged safetensors file, whatever its first byte)."""
    for magic, what in _MAGIC:
        if data.startswith(magic) and data[8:9] != b"{":
            problem = (f"it is {what}, not a safetensors file (deepgrad never unpickles or runs "
                       f"code from files)")
    raise ModelFileError(path, problem)


def _loads(text: str):
    def unique(pairs):
        result = dict(pairs)
        if len(result) != len(pairs):
            raise ValueError("duplicate key in a JSON object")
        return result

    return json.loads(text, object_pairs_hook=unique)


def json_entry(path, meta: dict, key: str):
    if key not in meta:
        raise ModelFileError(path, f"its metadata has no {key!r} entry")
    try:
        return _loads(meta[key])
    except (ValueError, RecursionError):
        raise ModelFileError(path, f"its {key!r} metadata is not valid JSON") from None
