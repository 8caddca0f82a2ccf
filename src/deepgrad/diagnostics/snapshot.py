"""Looking inside a model without changing its training: a snapshot of everything a diagnostic
pass could touch — every weight's values and gradient, and the state of every random generator
its layers hold (dropout's), or the absence of one not made yet — restored bitwise afterwards."""

from __future__ import annotations

import numpy as np

__all__ = ["TrainingState"]


def _layers(model) -> list:
    """The model and every layer inside it, once each."""
    found, stack, seen = [], [model], set()
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        found.append(layer)
        stack.extend(layer._sublayers())
    return found


class TrainingState:
    """What a diagnostic pass may change in ``model``, saved now; :meth:`restore` puts it back.

    Examples
    --------
    >>> import numpy as np
    >>> from deepgrad import Sequential
    >>> from deepgrad.layers import Dense, Dropout, Input
    >>> model = Sequential([Input((2,)), Dense(3, seed=0), Dropout(0.5, seed=1)])
    >>> state = TrainingState(model)
    >>> model.weights[0].assign(np.zeros((2, 3)))
    >>> _ = model(np.ones((4, 2)), training=True)   # draws a dropout mask
    >>> state.restore()
    >>> float(np.abs(model.weights[0].data).sum()) > 0
    True
    """

    def __init__(self, model):
        self.model = model
        self.weights = [(w, w.data.copy(), w.grad) for w in model.weights]
        self.generators = []  # (generator, its state): to rewind
        self.unset = []  # (layer, attribute) still None: a generator made later is dropped
        for layer in _layers(model):
            for name, value in vars(layer).items():
                if isinstance(value, np.random.Generator):
                    self.generators.append((value, value.bit_generator.state))
                elif value is None:
                    self.unset.append((layer, name))

    def restore(self) -> None:
        """Put the saved values, gradients and generator states back (in place)."""
        for weight, values, grad in self.weights:
            np.copyto(weight.data, values)
            weight.grad = grad
        for generator, state in self.generators:
            generator.bit_generator.state = state
        for layer, name in self.unset:
            if isinstance(vars(layer).get(name), np.random.Generator):
                object.__setattr__(layer, name, None)
