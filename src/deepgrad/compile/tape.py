"""A recorded step: the primitives one call ran, replayed on new arrays without a graph.

Running a model through the graph creates a Tensor and a primitive per operation, checks every
input, and sorts the graph before the backward sweep. For the next batch of the same shape all
of that is known in advance: which primitives run, on which arrays, in which order. A
:class:`Tape` is made from one recorded call (:func:`deepgrad.autograd.tensor.recording`). It
keeps the recorded primitives themselves and replays them — the same objects, the same
``forward`` and ``backward`` — on the arrays of each new batch:

* the forward runs every recorded primitive in the recorded order, reading the weights (and any
  other tensor the call used but did not compute) from their ``.data`` at each replay, so
  weights an optimizer has updated or re-packed are seen;
* the backward runs the primitives that lead from the weights being trained to the outputs, in
  reverse order of execution — the engine's order (:mod:`deepgrad.autograd.engine`) — summing
  every gradient exactly as the engine sums it, and skipping the gradients no trained weight
  needs (the first layer's input, frozen layers);
* each trained weight's gradient goes to an array given by the caller (the optimizer's flat
  gradient buffer). A primitive that is its weight's only consumer writes it there directly
  (see ``Function.gradient_out``); otherwise the sum is copied there.

The values are bitwise the graph's. What a recording cannot see is Python that reads the data
(``if x.data.max() > 0``) or state changed outside primitives: layers written with Tensor
operations, as deepgrad's own are, replay exactly; a layer that cannot says so with
``replayable = False`` and trains through the graph. One such layer gives itself away: an array
made during the call with the batch's length (``Tensor(rng.normal(size=x.shape))``) would be
replayed unchanged, so :attr:`Tape.batch_constants` lists them and the callers do not replay.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from ..autograd.engine import unbroadcast
from ..autograd.parameter import Parameter

__all__ = ["Tape"]


class Tape:
    """The primitives of one recorded call, replayable on arrays.

    Parameters
    ----------
    records : list of (Function, tuple of Tensor, Tensor)
        What :func:`~deepgrad.autograd.tensor.recording` listed, in execution order.
    inputs : list of Tensor
        The tensors whose arrays :meth:`forward` is given anew each time (the batch).
    outputs : list of Tensor
        The tensors whose arrays :meth:`forward` returns.
    trained : list of Parameter, optional
        The weights whose gradients :meth:`backward` computes; without it the tape replays the
        forward only. A tape that trains takes over the recorded primitives: make it after the
        recorded graph's own backward pass has run.

    Examples
    --------
    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.autograd.modes import recording
    >>> w = dg.Parameter([[2.0], [3.0]], dtype="float64")
    >>> x = dg.Tensor([[1.0, 1.0], [1.0, 1.0]], dtype="float64")
    >>> with recording() as records:
    ...     y = (x @ w).relu()
    >>> tape = Tape(records, [x], [y], trained=[w])  # for batches of this shape, (2, 2)
    >>> tape.forward([np.array([[1.0, -1.0], [2.0, 0.0]])])
    [array([[0.],
           [4.]])]
    >>> gradient = np.zeros((2, 1))
    >>> tape.backward([np.ones((2, 1))], {w: gradient}) == [w]
    True
    >>> gradient  # only the second row is past the ReLU
    array([[2.],
           [0.]])
    """

    def __init__(self, records: list, inputs: list, outputs: list, trained=None):
        slots: dict[int, int] = {}
        tensors: list = []

        def slot(tensor) -> int:
            key = id(tensor)
            if key not in slots:
                slots[key] = len(tensors)
                tensors.append(tensor)
            return slots[key]

        self.input_slots = [slot(t) for t in inputs]
        produced = set(self.input_slots)
        program = []
        for fn, args, result in records:
            program.append((fn, tuple(slot(t) for t in args), slot(result)))
            produced.add(slots[id(result)])
        self.output_slots = [slot(t) for t in outputs]
        #: (slot, tensor) of everything used but not computed: weights, constants
        self.external = [(i, t) for i, t in enumerate(tensors) if i not in produced]
        rows = [len(t.data) for t in inputs if t.data.ndim]
        #: constants (not weights) as long as the batch: made from it, or drawn for it, in Python
        self.batch_constants = [t for _, t in self.external if not isinstance(t, Parameter)
                                and t.data.ndim and rows and len(t.data) == rows[0] > 1]
        self.program = program
        self.size = len(tensors)
        # what forward() runs: each primitive's forward and what picks its arguments
        self._steps = [(fn.forward, itemgetter(*args), len(args) == 1, out) for fn, args, out in program]
        self.trained: list = []
        self._forwarded = False
        if trained is not None:
            self._plan_backward(tensors, slots, trained)

    # ------------------------------------------------------------------ forward
    def forward(self, arrays: list) -> list:
        """Replay the recorded primitives on ``arrays`` (one per input); the outputs' arrays."""
        values = [None] * self.size
        for i, tensor in self.external:
            values[i] = tensor.data
        for i, array in zip(self.input_slots, arrays):
            values[i] = array
        for forward, pick, single, out in self._steps:
            values[out] = forward(pick(values)) if single else forward(*pick(values))
        self._forwarded = True
        return [values[i] for i in self.output_slots]

    # ------------------------------------------------------------------ backward
    def _plan_backward(self, tensors: list, slots: dict, trained: list) -> None:
        self.trained = [(slots[id(p)], p) for p in trained if id(p) in slots]
        needed = [False] * len(tensors)  # the slot depends on a trained weight
        for i, _ in self.trained:
            needed[i] = True
        for fn, args, out in self.program:
            if tensors[out].requires_grad and any(needed[i] for i in args):
                needed[out] = True
        for fn, _, _ in self.program:
            fn.inputs = None  # the recorded graph is done with; release its tensors
        backward = []
        for fn, args, out in reversed(self.program):
            if not needed[out]:
                continue
            fn.needs_input_grad = tuple(needed[i] for i in args)
            targets = tuple((position, i, tensors[i].shape) for position, i in enumerate(args) if needed[i])
            backward.append((fn, args, out, targets))
        self.backward_program = backward
        # the contribution to each weight's gradient that may be written straight where the
        # gradient belongs: of two, the second (the sum of two does not depend on their order:
        # it is the layer's product, where writing straight saves most), else the first
        contributions: dict = {}
        for fn, args, _, _ in backward:
            for position, i in enumerate(args):
                if needed[i] and any(i == s for s, _ in self.trained):
                    contributions.setdefault(i, []).append((fn, position))
        self._direct = {i: found[1] if len(found) == 2 else found[0]
                        for i, found in contributions.items()}
        self._aimed_at = None
        self._into: list = []

    def _aim(self, destinations: dict) -> None:
        """Tell the contributor chosen in ``_direct`` where each weight's gradient goes (it may
        write it there directly), and note, per slot, the array the gradient is summed in."""
        params = dict(self.trained)
        self._into = [None] * self.size
        for i, param in params.items():
            dest = destinations.get(param)
            if dest is not None and dest.shape == param.shape:
                self._into[i] = dest
        for fn, args, _, _ in self.backward_program:
            into = [None] * len(args)
            for position, i in enumerate(args):
                if self._direct.get(i) == (fn, position):
                    into[position] = self._into[i]
            fn.grad_into = tuple(into) if any(d is not None for d in into) else None
        self._aimed_at = destinations

    @staticmethod
    def _sum(previous, grad, into):
        """``previous + grad`` as the engine sums them, written into ``into`` (the array a
        weight's gradient belongs in, or None) from the second contribution on."""
        if previous is None:
            return grad
        if into is None or not grad.dtype == previous.dtype == into.dtype:
            return previous + grad
        if previous is into:
            return np.add(into, grad, out=into)
        if grad is into:  # written there by the second of two: their sum commutes
            return np.add(into, previous, out=into)
        return np.add(previous, grad, out=into)

    def backward(self, grads: list, destinations: dict) -> list:
        """Gradients of the last :meth:`forward`'s outputs (one array, or None, per output)
        → each trained weight's gradient, written into ``destinations[weight]``.

        Returns the trained weights that received a gradient (one that receives none — it does
        not reach the outputs — is left alone, as the graph leaves its ``.grad`` None). Pass the same
        ``destinations`` dict from call to call: a new one is looked at afresh.
        """
        if not self._forwarded:
            raise RuntimeError("Tape.backward needs a forward() first (on a tape that trains)")
        self._forwarded = False
        if destinations is not self._aimed_at:
            self._aim(destinations)
        pending = [None] * self.size
        for i, grad in zip(self.output_slots, grads):
            if grad is not None:
                pending[i] = grad if pending[i] is None else pending[i] + grad
        for fn, args, out, targets in self.backward_program:
            grad = pending[out]
            if grad is None:
                continue
            pending[out] = None
            parent_grads = fn.backward(grad)
            for position, i, shape in targets:
                parent_grad = parent_grads[position]
                if parent_grad is None:
                    continue
                parent_grad = unbroadcast(parent_grad, shape)
                pending[i] = self._sum(pending[i], parent_grad, self._into[i])
        received = []
        for i, param in self.trained:
            grad = pending[i]
            if grad is not None:
                received.append(param)
                dest = destinations[param]
                if grad is not dest:
                    np.copyto(dest, grad, casting="same_kind")
        return received
