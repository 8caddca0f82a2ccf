"""One training step — forward, loss plus penalties, backward — through the graph or replayed.

:class:`GraphStep` is the reference, the step a hand-written loop takes::

    outs = model.forward([Tensor(x) for x in xs], training=True)   # one per output
    penalty = sum of the regularization penalties                  # after the forward
    loss = Σ loss_weight · loss(y, out, sample_weight) over the outputs + penalty
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
from .masking import as_rows, by_rows, in_output_order, per_output

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
    model : Model
        Built and compiled.
    objective : Objective
        The loss (and loss weight) of each output.
    params : list of Parameter
        The weights the optimizer updates.
    """

    def __init__(self, model, objective, params: list):
        self.model, self.objective, self.params = model, objective, params
        self.dtype = model.weights_dtype
        trained = {id(p) for p in params}
        #: weights the graph differentiates but nobody trains (frozen layers): no ``.grad``
        self.frozen = [w for w in model.weights if w.requires_grad and id(w) not in trained]

    #: the masks of the last batch's outputs (arrays or None), for the metrics
    masks: list | None = None

    def run(self, xs, ys, ws) -> tuple:
        """Forward and backward for one batch (one array per input in ``xs``, per output in
        ``ys`` and ``ws``): sets the weights' ``.grad``; returns the total loss, the outputs'
        arrays and each output's loss (for the logs of a model of several outputs)."""
        outs, extra = self._forward([Tensor(x, dtype=self.dtype) for x in xs])
        loss, parts = self._backward(outs, extra, ys, ws)
        return float(loss.item()), [o.data for o in outs], _values(parts)

    def _forward(self, inputs: list) -> tuple:
        """The model's outputs and its penalties (None without any) on ``inputs``; the outputs'
        masks go to :attr:`masks`."""
        for p in self.params:
            p.grad = None
        outs = self.model.forward(inputs, training=True)
        self.mask_tensors = per_output(self.model.output_masks, len(outs))
        self.masks = [None if m is None else m.data for m in self.mask_tensors]
        return outs, penalty(self.model)

    def _backward(self, outs: list, extra, ys, ws) -> tuple:
        """The loss plus the penalties, and ``backward()``; returns the total and the parts."""
        loss, parts = self.objective.graph_loss(ys, outs, ws, self.masks)
        if extra is not None:
            loss = loss + extra
        loss.backward()
        for w in self.frozen:
            w.grad = None
        return loss, parts


def _values(parts: list) -> list:
    return [None if part is None else float(part.item()) for part in parts]


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
    >>> step = RecordedStep(model, model.objective, model.parameters())
    >>> x, y = np.ones((5, 3), np.float32), np.array([0, 1, 0, 1, 1])
    >>> first = step.run((x,), (y,), (None,))   # recorded: the graph step
    >>> model.optimizer.step(model.parameters())
    >>> second = step.run((x,), (y,), (None,))  # replayed
    >>> [type(fn).__name__ for fn, _, _ in step.replays.get(((5, 3),)).tape.program]
    ['Affine', 'Affine']
    """

    def __init__(self, model, objective, params: list):
        super().__init__(model, objective, params)
        self.replays = Recordings(limit=4)
        self.replaying = True  #: False once a recording showed the model cannot be replayed
        self._destinations: dict = {}
        self._layout = None

    def run(self, xs, ys, ws) -> tuple:
        if not self.replaying:
            return super().run(xs, ys, ws)
        xs = [as_float_array(x, self.dtype) for x in xs]
        key = tuple(x.shape for x in xs)
        replay = self.replays.get(key)
        if replay is None:
            return self._record(xs, ys, ws, key)
        value, outs, parts, self.masks = replay.run(xs, ys, ws, self._gradient_arrays())
        return value, outs, parts

    def _record(self, xs, ys, ws, key):
        """The graph step, recorded; its gradients then go where a replay puts them."""
        inputs = [Tensor(x, dtype=self.dtype) for x in xs]
        with recording() as records:
            outs, extra = self._forward(inputs)
        loss, parts = self._backward(outs, extra, ys, ws)
        replay = _Replay(self.objective, records, inputs, outs, extra, self.params,
                         self.mask_tensors)
        if replay.tape.batch_constants:
            self.replaying = False
            warn_batch_constants(self.model)
        else:
            self.replays.put(key, replay)
        destinations = self._gradient_arrays()
        for p in self.params:
            if p.grad is not None:
                np.copyto(destinations[p], p.grad, casting="same_kind")
                p.grad = destinations[p]
        return float(loss.item()), [o.data for o in outs], _values(parts)

    def _gradient_arrays(self) -> dict:
        """Where each trained weight's gradient goes: the optimizer's flat gradient buffer (its
        update then reads it in place), or, when the optimizer clips, arrays of the step's own
        (clipping works on its buffer in place, and ``.grad`` stays unclipped, as in the graph)."""
        optimizer = self.model.optimizer
        if not self.params:  # nothing to train (every layer frozen)
            return self._destinations
        layout = (id(optimizer), optimizer.layout_version)  # another optimizer, or repacked
        if layout != self._layout or not self._destinations:
            if optimizer.clipnorm or optimizer.clipvalue or optimizer.global_clipnorm:
                arrays = [np.zeros_like(p.data) for p in self.params]
            else:
                arrays = optimizer.gradient_buffers(self.params)
            self._destinations = {p: a for p, a in zip(self.params, arrays) if a is not None}
            self._layout = (id(optimizer), optimizer.layout_version)
        return self._destinations


class _Replay:
    """One recorded shape of a :class:`RecordedStep`: its tape, and the softmax (if any) that
    runs in front of each output's loss.

    The loss of a model of one output without a softmax in front comes from
    :meth:`Loss.value_and_gradient`; otherwise the losses run as a small graph on the replayed
    outputs, exactly as the graph step runs them.
    """

    def __init__(self, objective, records, inputs, outs, extra, params, masks):
        self.objective, self.params = objective, params
        produced = {id(r[2]): r for r in records}
        consumed = {id(t) for r in records for t in r[1]}
        self.softmax_axes, outputs, peeled = [], [], set()
        for out in outs:
            last = produced.get(id(out))
            if (last is not None and isinstance(last[0], ops.Softmax) and id(out) not in peeled
                    and id(out) not in consumed):
                # the loss reads the logits behind a softmax output (losses' softmax_logits)
                self.softmax_axes.append(last[0].axis)
                outputs.append(last[1][0])
                peeled.add(id(last[2]))
            else:
                self.softmax_axes.append(None)
                outputs.append(out)
        if peeled:
            records = [r for r in records if id(r[2]) not in peeled]
        self.count = len(outs)
        self.fast = self.count == 1 and self.softmax_axes[0] is None and objective.weights[0] == 1.0
        self.penalized = extra is not None
        if self.penalized:
            outputs.append(extra)
        # the outputs' masks, replayed after the outputs (and the penalties)
        self.masked = [m is not None for m in masks]
        outputs += [m for m in masks if m is not None]
        trained = [p for p in params if p.requires_grad]
        self.tape = Tape(records, inputs, outputs, trained=trained)

    def run(self, xs, ys, ws, destinations: dict) -> tuple:
        """The replayed step: the total loss, the outputs, each output's loss and the masks."""
        arrays = self.tape.forward(xs)
        extra = self.count + self.penalized
        masks = in_output_order(arrays[extra:], self.masked)
        grads = [None] * len(arrays)
        if self.fast:
            value, grads[0] = self._loss_and_gradient(ys[0], arrays[0], ws[0], masks[0])
            outs, parts = [arrays[0]], [value]
        else:
            value, outs, parts, grads[:self.count] = self._losses(arrays[:self.count], ys, ws,
                                                                  masks)
        if self.penalized:
            value = np.asarray(value, dtype=arrays[self.count].dtype) + arrays[self.count]
            grads[self.count] = np.ones_like(arrays[self.count])
        for p in self.params:
            p.grad = None
        if any(g is not None for g in grads):
            for p in self.tape.backward(grads, destinations):
                p.grad = destinations[p]
        return float(value), outs, parts, masks

    def _loss_and_gradient(self, y, out, w, mask) -> tuple:
        """The one output's loss and its gradient (over the unmasked steps, with a mask)."""
        loss = self.objective.losses[0]
        if not by_rows(out.shape, mask, w):
            return loss.value_and_gradient(y, out, w)
        y, rows, w = as_rows(y, out, w, mask, for_loss=True)
        value, grad = loss.value_and_gradient(y, rows, w)
        return value, grad.reshape(out.shape)

    def _losses(self, arrays, ys, ws, masks) -> tuple:
        """The objective on the replayed outputs as a graph: the total, the outputs (after
        their softmax), each output's loss, and the gradient reaching each replayed output."""
        leaves, outs = [], []
        for array, axis in zip(arrays, self.softmax_axes):
            leaf = Tensor._result(array, None)
            leaf.requires_grad = True
            leaves.append(leaf)
            outs.append(leaf if axis is None else _apply(ops.Softmax(axis), leaf))
        total, parts = self.objective.graph_loss(ys, outs, ws, masks)
        total.backward()
        return total.data, [o.data for o in outs], _values(parts), [leaf.grad for leaf in leaves]


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


def make_step(model, objective, params: list) -> GraphStep:
    """The step ``fit`` takes: a :class:`RecordedStep` unless a layer is not ``replayable``.
    A model with no trainable weights gets a warning: its steps update nothing."""
    if not params:
        warnings.warn(f"model {model.name!r} has no trainable weights (trainable is False on it "
                      f"or on all its layers), so training it updates nothing", stacklevel=3)
    kind = RecordedStep if model.is_replayable else GraphStep
    return kind(model, objective, params)
