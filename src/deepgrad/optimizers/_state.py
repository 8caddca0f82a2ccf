"""An optimizer's state as named arrays: what ``state_dict`` returns and ``load_state_dict``
restores (the scalars, and one array per kind of state and parameter, cut from the flat
buffers of :mod:`._flat`), for model files and checkpoints."""

from __future__ import annotations

import numpy as np

from .. import schedules


def state_arrays(optimizer) -> dict[str, np.ndarray]:
    """:meth:`Optimizer.state_dict <deepgrad.optimizers.Optimizer.state_dict>` of ``optimizer``."""
    state = {"iterations": np.array(optimizer._iterations, dtype=np.int64)}
    if not isinstance(optimizer._learning_rate, schedules.LearningRateSchedule):
        state["learning_rate"] = np.array(optimizer._learning_rate, dtype=np.float64)
    for key, value in optimizer._extra_state().items():
        state[key] = np.array(value, dtype=np.float64)
    if optimizer._pending is not None:
        state.update({k: v.copy() for k, v in optimizer._pending.items()})
    for i, (group, j) in enumerate(optimizer._where):
        for name, buffer in group.state.items():
            state[f"{name}/{i}"] = buffer[group.segment(j)].reshape(group.shapes[j]).copy()
    return state


def load_state_arrays(optimizer, state: dict) -> None:
    """:meth:`Optimizer.load_state_dict <deepgrad.optimizers.Optimizer.load_state_dict>` on
    ``optimizer``: scalars now, per-parameter slots now or, before the first step, when the
    parameters are first seen."""
    state = dict(state)
    scalars = {"iterations", "learning_rate", *optimizer._extra_state()}
    slots = {k: np.asarray(v) for k, v in state.items() if k not in scalars}
    for key in slots:
        name, _, index = key.rpartition("/")
        if name not in optimizer._slots() or not index.isdigit():
            raise ValueError(
                f"unexpected optimizer state entry {key!r}; expected 'iterations', "
                f"'learning_rate', {sorted(optimizer._extra_state())} or '<slot>/<index>' with "
                f"slot in {sorted(optimizer._slots())}"
            )
    if "iterations" in state:
        optimizer.iterations = int(np.asarray(state["iterations"]))
    if "learning_rate" in state:
        optimizer.learning_rate = float(np.asarray(state["learning_rate"]))
    optimizer._set_extra_state(
        {k: float(np.asarray(state[k])) for k in optimizer._extra_state() if k in state}
    )
    if optimizer._params:
        load_slots(optimizer, slots)
    else:
        optimizer._pending = slots


def load_slots(optimizer, slots: dict) -> None:
    """Copy ``"<slot>/<i>"`` arrays into the state of parameter ``i``, checking index and shape."""
    for key, value in slots.items():
        name, _, index = key.rpartition("/")
        i = int(index)
        if i >= len(optimizer._params):
            raise ValueError(
                f"optimizer state {key!r} is for parameter {i}, but there are only "
                f"{len(optimizer._params)} parameters"
            )
        group, j = optimizer._where[i]
        if value.shape != group.shapes[j]:
            raise ValueError(
                f"optimizer state {key!r} has shape {value.shape}; parameter {i} has shape "
                f"{group.shapes[j]}"
            )
        group.state[name][group.segment(j)] = value.ravel()
