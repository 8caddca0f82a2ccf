"""One training step — forward, loss plus penalties, backward — through the graph or replayed.

:class:`GraphStep` is the reference, the step a hand-written loop takes::

    out = model(Tensor(x), training=True)
    penalty = sum of the regularization penalties        # computed after the forward
    loss = model.loss(y, out, sample_weight) + penalty
    loss.backward()

:class:`RecordedStep` records that step's forward and penalties the first time it sees a batch
shape (running exactly the graph step), and from then on replays the recorded primitives
(:class:`~deepgrad.compile.Tape`) on each batch: the loss and its gradient come from
:meth:`Loss.value_and_gradient <deepgrad.losses.Loss.value_and_gradient>`, the replayed
backward writes the weights' gradients straight into the optimizer's flat gradient buffer, and
the results are bitwise the graph step's. A final softmax stays outside the replay, in front
of the loss, because the cross-entropies read the logits behind a softmax output. ``fit``
chooses the step once (:func:`make_step`): the recorded one unless a layer is not
``replayable``.

After a step, each trained weight's ``.grad`` holds its gradient, or None when the loss does
not depend on it; a recorded step's ``.grad`` arrays are reused by the next step.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from ..autograd.modes import recording
from ..autograd.tensor import Tensor, _apply
from ..compile import Recordings, Tape
from ..native.backend import as_float_array

__all__ = ["GraphStep", "RecordedStep", "make_step", "penalty"]


def penalty(model) -> Tensor | None:
    """The model's regularization penalties summed in order, or None when it has none."""
    total = None
    for term in model.regularization_losses():
        total = term if total is None else total + term
    return total


class GraphStep:
    """The training step through the autograd graph (see the module's documentation).

    Parameters
    ----------
    model : Sequential
        Built and compiled.
    params : list of Parameter
        The weights the optimizer updates.
    """

    def __init__(self, model, params: list):
        self.model, self.params = model, params
        self.dtype = model.weights_dtype
        trained = {id(p) for p in params}
        #: weights the graph differentiates but nobody trains (frozen layers): no ``.grad``
        self.frozen = [w for w in model.weights if w.requires_grad and id(w) not in trained]

    def run(self, x, y, sample_weight) -> tuple[float, np.ndarray]:
        """Forward and backward for one batch: sets the weights' ``.grad``; returns the loss and
        the model's output."""
        out, extra = self._forward(Tensor(x, dtype=self.dtype))
        loss = self._backward(out, extra, y, sample_weight)
        return float(loss.item()), out.data

    def _forward(self, inputs: Tensor) -> tuple:
        """The model's output and its penalties (None without any) on ``inputs``."""
        for p in self.params:
            p.grad = None
        return self.model(inputs, training=True), penalty(self.model)

    def _backward(self, out: Tensor, extra, y, sample_weight) -> Tensor:
        """The loss plus the penalties, and ``backward()``; returns the total."""
        loss = self.model.loss(y, out, sample_weight=sample_weight)
        if extra is not None:
            loss = loss + extra
        loss.backward()
        for w in self.frozen:
            w.grad = None
        return loss


class RecordedStep(GraphStep):
    """The training step recorded once per batch shape and replayed (see the module's
    documentation); the same arguments and results as :class:`GraphStep`.

    Examples
    --------
    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.layers import Dense, Input
    >>> model = dg.Sequential([Input((3,)), Dense(4, "relu"), Dense(2, "softmax")])
    >>> model.compile("adam", "sparse_categorical_crossentropy")
    >>> step = RecordedStep(model, model.parameters())
    >>> x, y = np.ones((5, 3), np.float32), np.array([0, 1, 0, 1, 1])
    >>> first = step.run(x, y, None)   # recorded: the graph step
    >>> model.optimizer.step(model.parameters())
    >>> second = step.run(x, y, None)  # replayed
    >>> [type(fn).__name__ for fn, _, _ in step.replays.get((5, 3)).tape.program]
    ['Affine', 'Affine']
    """

    def __init__(self, model, params: list):
        super().__init__(model, params)
        self.replays = Recordings(limit=4)
        self.replaying = True  #: False once a recording showed the model cannot be replayed
        self._destinations: dict = {}
        self._layout = None

    def run(self, x, y, sample_weight) -> tuple[float, np.ndarray]:
        if not self.replaying:
            return super().run(x, y, sample_weight)
        x = as_float_array(x, self.dtype)
        replay = self.replays.get(x.shape)
        if replay is None:
            return self._record(x, y, sample_weight)
        return replay.run(x, y, sample_weight, self._gradient_arrays())

    def _record(self, x, y, sample_weight):
        """The graph step, recorded; its gradients then go where a replay puts them."""
        inputs = Tensor(x, dtype=self.dtype)
        with recording() as records:
            out, extra = self._forward(inputs)
        loss = self._backward(out, extra, y, sample_weight)
        replay = _Replay(self.model, records, inputs, out, extra, self.params)
        if replay.tape.batch_constants:
            self.replaying = False
            warn_batch_constants(self.model)
        else:
            self.replays.put(x.shape, replay)
        destinations = self._gradient_arrays()
        for p in self.params:
            if p.grad is not None:
                np.copyto(destinations[p], p.grad, casting="same_kind")
                p.grad = destinations[p]
        return float(loss.item()), out.data

    def _gradient_arrays(self) -> dict:
        """Where each trained weight's gradient goes: the optimizer's flat gradient buffer (its
        update then reads it in place), or, when the optimizer clips, arrays of the step's own
        (clipping works on its buffer in place, and ``.grad`` stays unclipped, as in the graph)."""
        optimizer = self.model.optimizer
        if not self.params:  # nothing to train (every layer frozen)
            return self._destinations
        layout = optimizer.layout_version
        if layout != self._layout or not self._destinations:
            if optimizer.clipnorm or optimizer.clipvalue or optimizer.global_clipnorm:
                arrays = [np.zeros_like(p.data) for p in self.params]
            else:
                arrays = optimizer.gradient_buffers(self.params)
            self._destinations = {p: a for p, a in zip(self.params, arrays) if a is not None}
            self._layout = optimizer.layout_version
        return self._destinations


class _Replay:
    """One recorded shape of a :class:`RecordedStep`: its tape, and the softmax (if any) that
    runs in front of the loss."""

    def __init__(self, model, records, inputs, out, extra, params):
        self.model, self.params = model, params
        self.softmax_axis = None
        last = next((r for r in reversed(records) if r[2] is out), None)
        outputs = [out]
        if last is not None and isinstance(last[0], ops.Softmax):
            # the loss reads the logits behind a softmax output (losses' softmax_logits)
            self.softmax_axis = last[0].axis
            records = [r for r in records if r is not last]
            outputs = [last[1][0]]
        self.penalized = extra is not None
        if self.penalized:
            outputs.append(extra)
        trained = [p for p in params if p.requires_grad]
        self.tape = Tape(records, [inputs], outputs, trained=trained)

    def run(self, x, y, sample_weight, destinations: dict) -> tuple[float, np.ndarray]:
        arrays = self.tape.forward([x])
        out, grads = arrays[0], [None] * len(arrays)
        loss = self.model.loss
        if self.softmax_axis is not None:
            logits = Tensor._result(out, None)
            logits.requires_grad = True
            probabilities = _apply(ops.Softmax(self.softmax_axis), logits)
            value = loss(y, probabilities, sample_weight=sample_weight)
            value.backward()
            value, grads[0], out = value.data, logits.grad, probabilities.data
        else:
            value, grads[0] = loss.value_and_gradient(y, out, sample_weight)
        if self.penalized:
            value = np.asarray(value, dtype=arrays[1].dtype) + arrays[1]
            grads[1] = np.ones_like(arrays[1])
        for p in self.params:
            p.grad = None
        if grads[0] is not None or self.penalized:
            for p in self.tape.backward(grads, destinations):
                p.grad = destinations[p]
        return float(value), out


def warn_batch_constants(model) -> None:
    """Say that ``model`` makes arrays of the batch's length in Python, so its calls are not
    replayed."""
    warnings.warn(
        f"a layer of {model.name!r} makes an array of the batch's length in Python during its "
        f"call (such as noise drawn with NumPy), which a replayed step would reuse unchanged: "
        f"this model runs through the graph, more slowly. Make such arrays from Tensor "
        f"operations, or set replayable = False on the layer to say so",
        stacklevel=4,
    )


def make_step(model, params: list) -> GraphStep:
    """The step ``fit`` takes: a :class:`RecordedStep` unless a layer is not ``replayable``."""
    return RecordedStep(model, params) if model.is_replayable else GraphStep(model, params)
