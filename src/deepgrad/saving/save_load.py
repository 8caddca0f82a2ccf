"""Safe, atomic model files.

A model file is a `safetensors <https://huggingface.co/docs/safetensors>`_ file. Its tensors are
the weights, keyed by their paths (``"weights/dense/kernel"``, ...; version 1 files key them by
position, ``"weights/000000"``, and still load), and the optimizer's per-parameter state
(``"optimizer/<key>"``). Its string metadata holds ``format`` (``"deepgrad.model"`` or
``"deepgrad.weights"``), ``format_version`` (``"2"``), ``weight_names`` (JSON list, in order)
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

import json

import numpy as np

from ..common.allocation import limited
from .atomic import write_atomic
from .model_file import (
    FORMAT_VERSION,
    MODEL,
    SCALAR_DTYPES,
    WEIGHTS,
    ModelFileError,
    as_signing_key,
    dumps,
    json_entry,
    pack,
    read,
    short,
    to_saved,
)
from .training_state import check_loss_axes, load_optimizer_state

__all__ = ["FORMAT_VERSION", "MODEL_CLASSES", "ModelFileError", "load_model", "load_weights",
           "register_model", "restore_training_state", "save_model", "save_weights"]

# ---------------------------------------------------------------------- saving


def save_model(model, path, *, signing_key=None) -> None:
    """Save a model's architecture, weights, compile settings and optimizer state.

    Parameters
    ----------
    model : Sequential
        The model; it is not modified.
    path : str or path-like
        Target file. It is replaced atomically: a failed save leaves an existing file untouched
        (and the temporary files of earlier saves of it that were killed are removed).
    signing_key : bytes or str, optional
        Sign the file: an HMAC-SHA-256 of the bytes the digest covers is stored in its
        metadata, and ``load_model(path, signing_key=...)`` refuses files that are not signed
        with the same key. (The digest alone detects damage, not tampering: anyone can
        recompute it.)

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
    write_atomic(path, _serialize(model, MODEL, as_signing_key(signing_key)))


def save_weights(model, path, *, signing_key=None) -> None:
    """Save only a model's (or a layer's) weights, in the order of ``model.weights``.

    Parameters
    ----------
    model : Sequential or Layer
    path : str or path-like
        Target file, replaced atomically.
    signing_key : bytes or str, optional
        Sign the file (see :func:`save_model`).
    """
    write_atomic(path, _serialize(model, WEIGHTS, as_signing_key(signing_key)))


def _weight_names(model) -> list[str]:
    """The names the weights are saved under: each weight's path, which must be unique."""
    names = [w.path or f"weight {i}" for i, w in enumerate(model.weights)]
    seen: set = set()
    for name in names:
        if name in seen:
            raise ValueError(f"cannot save {getattr(model, 'name', 'the model')!r}: two of its "
                             f"weights have the path {name!r}; give its layers unique names")
        seen.add(name)
    return names


def _keys(version: str, names: list) -> list[str]:
    """The tensor keys of the weights in a file of ``version``."""
    if version == "1":
        return [f"weights/{i:06d}" for i in range(len(names))]
    return [f"weights/{name}" for name in names]


def _serialize(model, kind: str, signing: bytes | None = None) -> bytes:
    weights = list(model.weights)
    names = _weight_names(model)
    tensors = {key: to_saved(w.data, name)
               for key, w, name in zip(_keys(FORMAT_VERSION, names), weights, names)}
    meta = {"format": kind, "format_version": FORMAT_VERSION, "weight_names": json.dumps(names)}
    if kind == MODEL:
        name = type(model).__name__
        if _model_classes().get(name) is not type(model):
            raise TypeError(f"save_model saves only deepgrad's models ("
                            f"{', '.join(_model_classes())}); got {name}, which load_model "
                            f"could not rebuild")
        meta["model_class"] = name
        meta["config"] = dumps(model.get_config(), "the model config")
        compiled = bool(getattr(model, "compiled", False))
        meta["compile_config"] = dumps(model.compile_config if compiled else None,
                                        "the compile config")
        optimizer = getattr(model, "optimizer", None) if compiled else None
        scalars = None if optimizer is None else {}
        if optimizer is not None:
            for key, value in optimizer.state_dict().items():
                array = np.asarray(value)
                if array.ndim == 0 and array.dtype.name in SCALAR_DTYPES:
                    scalars[key] = [array.dtype.name, array.item()]
                else:
                    tensors[f"optimizer/{key}"] = to_saved(array, f"optimizer state {key!r}")
        meta["optimizer_state"] = dumps(scalars, "the optimizer state")
    return pack(meta, tensors, signing)


# ---------------------------------------------------------------------- loading


def load_model(path, compile: bool = True, *, signing_key=None):
    """Load a model saved by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like
    compile : bool, default True
        Compile the model as it was saved and restore the optimizer state, so that training
        continues exactly where it stopped. With False the model is returned uncompiled.
    signing_key : bytes or str, optional
        Accept only a file signed with this key (``save_model(..., signing_key=...)``).

    Returns
    -------
    Sequential

    Raises
    ------
    ModelFileError
        If the file is empty, truncated, altered (digest mismatch), not a deepgrad safetensors
        file, of another format version, names a class outside deepgrad's registries, has a
        config value its layer does not accept, or its tensors (weights and optimizer state:
        names, shapes, dtypes, completeness) do not fit the architecture; without the
        ``signing_key`` it was signed with. A ``ValueError``. Sizes in the config are checked
        against the tensors the file holds before any weight is made, so a small file cannot
        make the loader allocate much more than its own size.
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
    deepgrad.saving.model_file.ModelFileError: cannot load '...empty.safetensors': the file is empty.
    """
    meta, tensors = read(path, as_signing_key(signing_key))
    if meta["format"] != MODEL:
        raise ModelFileError(path, "it holds only weights (written by save_weights); load them "
                                   "into a model of the same architecture with load_weights")
    classes = _model_classes()
    name = meta.get("model_class")
    if not isinstance(name, str) or name not in classes:
        raise ModelFileError(path, f"its model class {short(name)} is not one of deepgrad's "
                                   f"models ({', '.join(classes)})")
    config = json_entry(path, meta, "config")
    if not isinstance(config, dict):
        raise ModelFileError(path, "its architecture config is not a JSON object")
    limits = _file_weights(path, meta, tensors), _sample_limit(tensors)
    try:
        with limited(*limits):  # every weight made must be one the file holds
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


def load_weights(model, path, *, signing_key=None) -> None:
    """Load weights saved by :func:`save_weights` or :func:`save_model` into ``model``.

    The model must have the same weights (count, shapes and dtypes, in order) as the saved
    one; otherwise :class:`ModelFileError` names the first mismatching weight and the model
    is left unchanged. With a ``signing_key``, only a file signed with it is accepted.
    """
    meta, tensors = read(path, as_signing_key(signing_key))
    _assign_weights(path, meta, tensors, model)


#: The model classes files may name, by class name: filled by :func:`register_model`.
MODEL_CLASSES: dict = {}


def register_model(cls):
    """Class decorator: let model files name ``cls`` (deepgrad's own model classes use it)."""
    MODEL_CLASSES[cls.__name__] = cls
    return cls


def _model_classes() -> dict:
    """deepgrad's model classes, and the subclasses of them defined in this process (which
    registered themselves as layers when they were defined)."""
    from ..layers.registry import LAYERS

    classes = dict(MODEL_CLASSES)
    bases = tuple(MODEL_CLASSES.values())
    for cls in list(LAYERS.values()):  # one pass (the by-class-name view looks each name up)
        if bases and isinstance(cls, type) and issubclass(cls, bases):
            classes.setdefault(cls.__name__, cls)
    return classes


def _assign_weights(path, meta: dict, tensors: dict, model) -> None:
    """Check every weight against the file first, then assign them all."""
    names = _file_names(path, meta)
    keys = _keys(meta["format_version"], names)
    mine = [w.path for w in model.weights]
    if sorted(mine) == sorted(names) and mine != names:  # the same weights in another order
        order = {name: i for i, name in enumerate(names)}
        names = mine
        keys = [keys[order[name]] for name in mine]
    allowed = ("optimizer/",) if meta["format"] == MODEL else ()
    unexpected = sorted(k for k in set(tensors) - set(keys) if not k.startswith(allowed))
    if unexpected:
        raise ModelFileError(path, f"it holds the unexpected tensor {unexpected[0]!r}")
    weights = list(model.weights)
    for i in range(max(len(keys), len(weights))):
        if i < len(keys) and keys[i] not in tensors:
            raise ModelFileError(path, f"tensor {keys[i]!r} (weight {names[i]!r}) is missing")
        if i >= len(keys) or i >= len(weights):
            which = (f"the model's weight {i} ({weights[i].path!r})" if i >= len(keys)
                     else f"the file's weight {i} ({names[i]!r})")
            raise ModelFileError(path, f"{which} has no counterpart: the file has {len(keys)} "
                                       f"weights and the model {len(weights)}")
        saved, weight = tensors[keys[i]], weights[i]
        if saved.shape != tuple(weight.shape) or saved.dtype != weight.dtype:
            raise ModelFileError(path, f"weight {i} ({names[i]!r}) is {saved.dtype} of shape "
                                       f"{saved.shape} in the file, but the model's {weight.path!r}"
                                       f" is {weight.dtype} of shape {tuple(weight.shape)}")
    for key, weight in zip(keys, weights):
        weight.assign(tensors[key])


def _restore_training(path, meta: dict, tensors: dict, model) -> None:
    """Compile as saved (classes only from deepgrad's registries), then restore the optimizer."""
    from .. import losses, metrics, optimizers

    settings = json_entry(path, meta, "compile_config")
    if settings is None:
        return
    if not isinstance(settings, dict):
        raise ModelFileError(path, "its compile config is not a JSON object")
    def loss(spec):
        return None if spec is None else losses.get(spec)

    def metric(spec):  # names stay names: compile picks the kind
        if isinstance(spec, list):
            return [metric(m) for m in spec]
        return spec if isinstance(spec, str) else metrics.get(spec)

    try:
        kwargs = dict(settings)
        if "optimizer" in kwargs:
            kwargs["optimizer"] = optimizers.get(kwargs["optimizer"])
        given = kwargs.get("loss")
        kwargs["loss"] = [loss(spec) for spec in given] if isinstance(given, list) else loss(given)
        for key in ("metrics", "weighted_metrics"):
            if isinstance(kwargs.get(key), list):
                kwargs[key] = metric(kwargs[key])
        model.compile(**kwargs)
    except Exception as error:  # any failure to rebuild from file data is a bad file
        raise ModelFileError(path, f"its compile config cannot be restored ({error})") from error
    check_loss_axes(path, model)
    load_optimizer_state(path, meta, tensors, model)


def restore_training_state(model, path) -> None:
    """Load the weights and optimizer state of a :func:`save_model` file into ``model``, which
    must have the same architecture and be compiled with an optimizer of the same kind.

    This is how :class:`~deepgrad.callbacks.BackupAndRestore` resumes an interrupted ``fit``:
    the model keeps its own objects (optimizer, loss, metrics) and takes the saved numbers.
    """
    meta, tensors = read(path)
    if meta["format"] != MODEL:
        raise ModelFileError(path, "it holds only weights (written by save_weights), not the "
                                   "optimizer state needed to resume training")
    _assign_weights(path, meta, tensors, model)
    load_optimizer_state(path, meta, tensors, model)


#: The largest sample (in numbers) a file may make shape inference run on, whatever its size
#: (a 1024 × 1024 × 3 image fits); files holding more numbers than that may ask for more.
SAMPLE_LIMIT = 2**22
def _file_names(path, meta: dict) -> list:
    names = json_entry(path, meta, "weight_names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModelFileError(path, "its 'weight_names' metadata is not a list of strings")
    if len(set(names)) != len(names):
        raise ModelFileError(path, "its 'weight_names' metadata names a weight twice")
    return names


def _file_weights(path, meta: dict, tensors: dict) -> dict:
    """``{weight path: (shape, dtype name)}`` of the weights the file holds: the only weights
    the model being rebuilt may make."""
    names = _file_names(path, meta)
    return {name: (tensors[key].shape, tensors[key].dtype.name, key)
            for name, key in zip(names, _keys(meta["format_version"], names)) if key in tensors}


def _sample_limit(tensors: dict) -> int:
    return max(SAMPLE_LIMIT, 4 * sum(t.size for t in tensors.values()))
