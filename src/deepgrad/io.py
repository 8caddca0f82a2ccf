"""Safe, atomic model files.

A model file is a `safetensors <https://huggingface.co/docs/safetensors>`_ file. Its tensors are
the weights, keyed by position (``"weights/000000"``, ...), and the optimizer's per-parameter
state (``"optimizer/<key>"``). Its string metadata holds ``format`` (``"deepgrad.model"`` or
``"deepgrad.weights"``), ``format_version`` (``"1"``), ``weight_names`` (JSON list, for messages)
and, in model files, ``model_class``, ``config`` (JSON architecture), ``compile_config`` (JSON
optimizer, loss and metrics, or ``null``) and ``optimizer_state`` (JSON ``{key: [dtype,
value]}`` of scalar state, or ``null``). ``digest`` is the SHA-256 of every other metadata entry
and every tensor (name, dtype, shape, raw bytes; sorted, length-prefixed), checked on load.

Loading never unpickles, never evaluates text and never imports by a name read from a file:
classes are looked up only in deepgrad's registries (``layers.deserialize``, ``optimizers.get``,
``losses.get``, ``metrics.get``). A malformed, truncated or altered file raises
:class:`ModelFileError`. Writes are atomic: the bytes go to a temporary file in the target's
folder, which is flushed, fsynced and renamed onto the target, so a failed save leaves any
existing file untouched.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from deepgrad.layers import Dense
>>> layer, other = Dense(2, seed=0), Dense(2, seed=1)
>>> _ = layer(np.ones((1, 3))), other(np.ones((1, 3)))
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "dense.safetensors")
...     save_weights(layer, path)
...     load_weights(other, path)
>>> all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), other.get_weights()))
True
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct

import numpy as np
import safetensors
import safetensors.numpy

from ._atomic import write_atomic

__all__ = ["FORMAT_VERSION", "ModelFileError", "load_model", "load_weights", "save_model",
           "save_weights"]

FORMAT_VERSION = "1"
_MODEL, _WEIGHTS = "deepgrad.model", "deepgrad.weights"

# safetensors dtype code -> little-endian NumPy dtype; the only dtypes a file may contain.
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U8": "u1", "BOOL": "?"}
_CODES = {(np.dtype(t).kind, np.dtype(t).itemsize): code for code, t in _DTYPES.items()}
_SCALAR_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8",
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


def _short(value) -> str:
    """``repr`` of a value read from a file, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------------- saving


def save_model(model, path) -> None:
    """Save a model's architecture, weights, compile settings and optimizer state.

    Parameters
    ----------
    model : Sequential
        The model; it is not modified.
    path : str or path-like
        Target file. It is replaced atomically: a failed save leaves an existing file untouched.

    Raises
    ------
    TypeError
        If the model is not one of deepgrad's model classes, or its config is not JSON-able.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from deepgrad import Sequential
    >>> from deepgrad.layers import Dense
    >>> model = Sequential([Dense(1, input_shape=(3,), seed=0)])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "model.safetensors")
    ...     save_model(model, path)
    ...     restored = load_model(path)
    >>> x = np.ones((2, 3), dtype=np.float32)
    >>> np.array_equal(model.predict(x), restored.predict(x)), restored.optimizer
    (True, Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07, amsgrad=False))
    """
    write_atomic(path, _serialize(model, _MODEL))


def save_weights(model, path) -> None:
    """Save only a model's (or a layer's) weights, in the order of ``model.weights``.

    Parameters
    ----------
    model : Sequential or Layer
    path : str or path-like
        Target file, replaced atomically.
    """
    write_atomic(path, _serialize(model, _WEIGHTS))


def _serialize(model, kind: str) -> bytes:
    weights = list(model.weights)
    names = [w.name or f"weight {i}" for i, w in enumerate(weights)]
    tensors = {f"weights/{i:06d}": _to_saved(w.data, names[i]) for i, w in enumerate(weights)}
    meta = {"format": kind, "format_version": FORMAT_VERSION, "weight_names": json.dumps(names)}
    if kind == _MODEL:
        name = type(model).__name__
        if _model_classes().get(name) is not type(model):
            raise TypeError(f"save_model saves only deepgrad's models ("
                            f"{', '.join(_model_classes())}); got {name}, which load_model "
                            f"could not rebuild")
        meta["model_class"] = name
        meta["config"] = _dumps(model.get_config(), "the model config")
        compiled = bool(getattr(model, "compiled", False))
        meta["compile_config"] = _dumps(model.compile_config if compiled else None,
                                        "the compile config")
        optimizer = getattr(model, "optimizer", None) if compiled else None
        scalars = None if optimizer is None else {}
        if optimizer is not None:
            for key, value in optimizer.state_dict().items():
                array = np.asarray(value)
                if array.ndim == 0 and array.dtype.name in _SCALAR_DTYPES:
                    scalars[key] = [array.dtype.name, array.item()]
                else:
                    tensors[f"optimizer/{key}"] = _to_saved(array, f"optimizer state {key!r}")
        meta["optimizer_state"] = _dumps(scalars, "the optimizer state")
    records = [(n, _CODES[a.dtype.kind, a.dtype.itemsize], a.shape,
                a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes())
               for n, a in tensors.items()]
    meta["digest"] = _digest(meta, records)
    return safetensors.numpy.save(tensors, metadata=meta)


def _to_saved(array, what) -> np.ndarray:
    array = np.ascontiguousarray(array)
    if (array.dtype.kind, array.dtype.itemsize) not in _CODES:
        raise TypeError(f"cannot save {what}: dtype {array.dtype} is not one of "
                        f"{', '.join(sorted(_SCALAR_DTYPES))}")
    return array


def _dumps(value, what: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} is not JSON-serializable: {error}") from None


def _digest(meta: dict, records) -> str:
    """SHA-256 of the metadata (without the digest) and the tensors, each length-prefixed."""
    h = hashlib.sha256()

    def put(blob: bytes) -> None:
        h.update(struct.pack("<Q", len(blob)))
        h.update(blob)

    entries = sorted((k, v) for k, v in meta.items() if k != "digest")
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
    return h.hexdigest()


# ---------------------------------------------------------------------- loading


def load_model(path, compile: bool = True):
    """Load a model saved by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like
    compile : bool, default True
        Compile the model as it was saved and restore the optimizer state, so that training
        continues exactly where it stopped. With False the model is returned uncompiled.

    Returns
    -------
    Sequential

    Raises
    ------
    ModelFileError
        If the file is empty, truncated, altered (digest mismatch), not a deepgrad safetensors
        file, of another format version, names a class outside deepgrad's registries, or its
        tensors do not fit the architecture. A ``ValueError``.
    FileNotFoundError
        If there is no file at ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "empty.safetensors")
    ...     open(path, "wb").close()
    ...     load_model(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    deepgrad.io.ModelFileError: cannot load '...empty.safetensors': the file is empty.
    """
    meta, tensors = _read(path)
    if meta["format"] != _MODEL:
        raise ModelFileError(path, "it holds only weights (written by save_weights); load them "
                                   "into a model of the same architecture with load_weights")
    classes = _model_classes()
    name = meta.get("model_class")
    if not isinstance(name, str) or name not in classes:
        raise ModelFileError(path, f"its model class {_short(name)} is not one of deepgrad's "
                                   f"models ({', '.join(classes)})")
    config = _json_entry(path, meta, "config")
    if not isinstance(config, dict):
        raise ModelFileError(path, "its architecture config is not a JSON object")
    try:
        model = classes[name].from_config(config)
        shape = config.get("build_input_shape")
        if shape is not None and not getattr(model, "built", False):
            model.build(tuple(shape))
    except Exception as error:  # any failure to rebuild from file data is a bad file
        problem = f"its architecture config cannot be rebuilt ({error})"
        raise ModelFileError(path, problem) from error
    _assign_weights(path, meta, tensors, model)
    if compile:
        _restore_training(path, meta, tensors, model)
    return model


def load_weights(model, path) -> None:
    """Load weights saved by :func:`save_weights` or :func:`save_model` into ``model``.

    The model must have the same weights (count, shapes and dtypes, in order) as the saved
    one; otherwise :class:`ModelFileError` names the first mismatching weight and the model
    is left unchanged.
    """
    meta, tensors = _read(path)
    _assign_weights(path, meta, tensors, model)


def _model_classes() -> dict:
    from .models import Sequential

    return {"Sequential": Sequential}


def _read(path) -> tuple[dict, dict]:
    """Read and verify a deepgrad safetensors file: its metadata and its tensors."""
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
    if not isinstance(meta, dict) or meta.get("format") not in (_MODEL, _WEIGHTS):
        raise ModelFileError(path, "it is not a deepgrad model file (no deepgrad format in its "
                                   "metadata)")
    if not all(isinstance(v, str) for v in meta.values()):
        raise ModelFileError(path, "its metadata values are not all strings")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(path, f"its format version {_short(meta.get('format_version'))} is "
                                   f"not supported (this deepgrad reads version {FORMAT_VERSION})")
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
    return meta, tensors


def _refuse_header(path, data: bytes, problem: str):
    """Raise for a file without a safetensors header, naming its format when it is a known one
    (checked only now: a valid header size may start with the same bytes)."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
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


def _json_entry(path, meta: dict, key: str):
    if key not in meta:
        raise ModelFileError(path, f"its metadata has no {key!r} entry")
    try:
        return _loads(meta[key])
    except (ValueError, RecursionError):
        raise ModelFileError(path, f"its {key!r} metadata is not valid JSON") from None


def _assign_weights(path, meta: dict, tensors: dict, model) -> None:
    """Check every weight against the file first, then assign them all."""
    names = _json_entry(path, meta, "weight_names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModelFileError(path, "its 'weight_names' metadata is not a list of strings")
    keys = [f"weights/{i:06d}" for i in range(len(names))]
    allowed = ("optimizer/",) if meta["format"] == _MODEL else ()
    unexpected = sorted(k for k in set(tensors) - set(keys) if not k.startswith(allowed))
    if unexpected:
        raise ModelFileError(path, f"it holds the unexpected tensor {unexpected[0]!r}")
    weights = list(model.weights)
    for i in range(max(len(keys), len(weights))):
        if i < len(keys) and keys[i] not in tensors:
            raise ModelFileError(path, f"tensor {keys[i]!r} (weight {names[i]!r}) is missing")
        if i >= len(keys) or i >= len(weights):
            which = (f"the model's weight {i} ({weights[i].name!r})" if i >= len(keys)
                     else f"the file's weight {i} ({names[i]!r})")
            raise ModelFileError(path, f"{which} has no counterpart: the file has {len(keys)} "
                                       f"weights and the model {len(weights)}")
        saved, weight = tensors[keys[i]], weights[i]
        if saved.shape != tuple(weight.shape) or saved.dtype != weight.dtype:
            raise ModelFileError(path, f"weight {i} ({names[i]!r}) is {saved.dtype} of shape "
                                       f"{saved.shape} in the file, but the model's {weight.name!r}"
                                       f" is {weight.dtype} of shape {tuple(weight.shape)}")
    for key, weight in zip(keys, weights):
        weight.assign(tensors[key])


def _restore_training(path, meta: dict, tensors: dict, model) -> None:
    """Compile as saved (classes only from deepgrad's registries), then restore the optimizer."""
    from . import losses, metrics, optimizers

    settings = _json_entry(path, meta, "compile_config")
    if settings is None:
        return
    if not isinstance(settings, dict):
        raise ModelFileError(path, "its compile config is not a JSON object")
    try:
        kwargs = dict(settings)
        if "optimizer" in kwargs:
            kwargs["optimizer"] = optimizers.get(kwargs["optimizer"])
        if kwargs.get("loss") is not None:
            kwargs["loss"] = losses.get(kwargs["loss"])
        if isinstance(kwargs.get("metrics"), list):  # names stay names: compile picks the kind
            kwargs["metrics"] = [m if isinstance(m, str) else metrics.get(m)
                                 for m in kwargs["metrics"]]
        model.compile(**kwargs)
    except Exception as error:  # any failure to rebuild from file data is a bad file
        raise ModelFileError(path, f"its compile config cannot be restored ({error})") from error
    scalars = _json_entry(path, meta, "optimizer_state")
    if scalars is None or getattr(model, "optimizer", None) is None:
        return
    if not isinstance(scalars, dict) or not all(
            isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)
            and v[0] in _SCALAR_DTYPES and isinstance(v[1], (int, float))
            for v in scalars.values()):
        raise ModelFileError(path, "its optimizer state is not a table of [dtype, number] pairs")
    try:
        with np.errstate(over="raise", invalid="raise"):
            state = {key: np.array(value, dtype=dtype) for key, (dtype, value) in scalars.items()}
        state.update({k[len("optimizer/"):]: v for k, v in tensors.items()
                      if k.startswith("optimizer/")})
        model.optimizer.load_state_dict(state)
    except Exception as error:  # any failure to restore from file data is a bad file
        raise ModelFileError(path, f"its optimizer state does not fit "
                                   f"{type(model.optimizer).__name__} ({error})") from error
