"""The training state in a model file, checked before it is restored: the optimizer's scalars
(``iterations`` a non-negative integer below 2**53, the rest finite), its tensors (one per slot
and trainable weight, of that weight's shape and dtype, finite, none missing and none extra),
and the losses' class axes against the model's outputs. A file that does not fit raises
:class:`ModelFileError` naming the entry or tensor; nothing is restored partly.
"""

from __future__ import annotations

import math

import numpy as np

from .model_file import SCALAR_DTYPES, ModelFileError, json_entry, short

__all__ = ["MAX_ITERATIONS", "check_loss_axes", "load_optimizer_state"]

#: ``iterations`` must be below this (it is counted exactly in float64 by the schedules).
MAX_ITERATIONS = 2**53


def check_loss_axes(path, model) -> None:
    """A loss's class ``axis`` must exist in its output (known once the model is built), so
    that a file cannot make ``fit`` fail on its first batch."""
    objective = getattr(model, "objective", None)
    if objective is None or not getattr(model, "built", False):
        return
    try:
        shapes = list(model.output_shapes)
    except (AttributeError, ValueError):
        return
    for name, loss, shape in zip(objective.output_names, objective.losses, shapes):
        axis = getattr(loss, "axis", None)
        if loss is None or not isinstance(axis, int) or isinstance(axis, bool):
            continue
        rank = len(shape)
        if not -rank <= axis < rank or axis % rank == 0:
            raise ModelFileError(path, f"the loss of output {name!r} has the class axis "
                                       f"{short(axis)}, which its output of rank {rank} does "
                                       f"not have (the class axis is one of 1..{rank - 1} or "
                                       f"-{rank - 1}..-1)")



def load_optimizer_state(path, meta: dict, tensors: dict, model) -> None:
    """Check the optimizer state against the optimizer and the model's trainable weights —
    every scalar's type and range, every slot tensor's presence, shape and dtype — then load it.
    Nothing is restored partly: a file that does not fit is refused as a whole."""
    scalars = json_entry(path, meta, "optimizer_state")
    optimizer = getattr(model, "optimizer", None)
    if scalars is None or optimizer is None:
        return
    if not isinstance(scalars, dict) or not all(
            isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)
            and v[0] in SCALAR_DTYPES and isinstance(v[1], (int, float))
            and not isinstance(v[1], bool) for v in scalars.values()):
        raise ModelFileError(path, "its optimizer state is not a table of [dtype, number] pairs")
    kind = type(optimizer).__name__
    known = {"iterations", "learning_rate", *optimizer._extra_state()}
    for key, (dtype, value) in scalars.items():
        if key not in known:
            raise ModelFileError(path, f"its optimizer state has the entry {short(key)}, which "
                                       f"{kind} does not have (it has {', '.join(sorted(known))})")
        if key == "iterations":
            if not (dtype.startswith(("int", "uint")) and isinstance(value, int)
                    and 0 <= value < MAX_ITERATIONS):
                raise ModelFileError(path, f"its optimizer state 'iterations' must be an integer "
                                           f"in [0, 2**53); got {dtype} {short(value)}")
        elif not (dtype.startswith("float") and math.isfinite(value)):
            raise ModelFileError(path, f"its optimizer state {key!r} must be a finite float; "
                                       f"got {dtype} {short(value)}")
    state = {key: np.array(value, dtype=dtype) for key, (dtype, value) in scalars.items()}
    slots = {k[len("optimizer/"):]: v for k, v in tensors.items() if k.startswith("optimizer/")}
    _check_slots(path, slots, optimizer, model, int(scalars.get("iterations", [0, 0])[1]))
    state.update(slots)
    try:
        optimizer.load_state_dict(state)
    except Exception as error:  # any failure to restore from file data is a bad file
        raise ModelFileError(path, f"its optimizer state does not fit {kind} ({error})") from error


def _check_slots(path, slots: dict, optimizer, model, iterations: int) -> None:
    """Every ``<slot>/<i>`` tensor the optimizer needs for each trainable weight ``i``, of its
    shape and dtype, and no other: none at all only before the first step."""
    kind = type(optimizer).__name__
    params = list(model.parameters())
    expected = {f"{slot}/{i}": p for slot in optimizer._slots() for i, p in enumerate(params)}
    for key in sorted(slots):
        if key not in expected:
            raise ModelFileError(path, f"it holds the optimizer tensor {short('optimizer/' + key)}, "
                                       f"which {kind} has no use for (it keeps "
                                       f"{', '.join(map(repr, sorted(optimizer._slots()))) or 'no tensors'}"
                                       f" for each of the model's {len(params)} trainable weights)")
    if not slots and iterations == 0:
        return  # saved before the first step: the state starts afresh, as it would have
    for key, param in expected.items():
        if key not in slots:
            raise ModelFileError(path, f"the optimizer tensor {'optimizer/' + key!r} (for weight "
                                       f"{param.path!r}) is missing; {kind}'s state would "
                                       f"silently restart")
        saved = slots[key]
        if saved.shape != tuple(param.shape) or saved.dtype != param.dtype:
            raise ModelFileError(path, f"the optimizer tensor {'optimizer/' + key!r} is "
                                       f"{saved.dtype} of shape {saved.shape}, but weight "
                                       f"{param.path!r} is {param.dtype} of shape "
                                       f"{tuple(param.shape)}")
        if not np.isfinite(saved).all():
            raise ModelFileError(path, f"the optimizer tensor {'optimizer/' + key!r} holds NaN "
                                       f"or infinite values")
