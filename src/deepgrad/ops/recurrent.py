"""Recurrent layers' primitives: one layer call — its input projection and its whole time loop
— as one node.

:class:`SimpleRNNSequence` here, :class:`~deepgrad.ops.lstm.LSTMSequence` and
:class:`~deepgrad.ops.gru.GRUSequence` take the layer's input ``x`` ``(batch, steps,
features)``, its ``kernel`` (and ``bias``) and its ``recurrent_kernel``. The NumPy path
projects every step at once — ``xw = x @ kernel + bias``, ``(batch, steps, gates·units)``, with
the dense layer's :class:`~deepgrad.ops.Affine` — and runs the steps: per step one GEMM ``h @
recurrent_kernel`` and the gate arithmetic on preallocated buffers. The forward keeps every
step's gates and states; the backward runs backpropagation through time in reverse, one GEMM
per step for the state's gradient, forms the recurrent kernel's gradient after the loop as one
GEMM over all steps, and hands the gradient of ``xw`` to the projection's backward. Gates are in
Keras 3's order (LSTM ``i, f, c, o``; GRU ``z, r, h``), so its weights load as they are.

The output is every step's state, ``(batch, steps, units)`` (LSTM: ``(batch, steps, 2·units)``,
``h`` then ``c``), in the order the steps ran (reversed with ``go_backwards``, as Keras); the
layers slice the last step, the sequence or the states out of it. The inputs, in this order:
``x``, ``kernel``, the ``bias`` (unless ``input_bias=False``), ``recurrent_kernel``, the
recurrent bias (GRU with ``reset_after``), the initial state(s), and a ``(batch, steps)`` mask;
at a masked step every state is carried over unchanged, as Keras does. Recurrent dropout
multiplies the state that enters the recurrent product by a mask drawn once per forward (the
same at every step).

What the loops share lives in :class:`_Sequence`: the buffers (states ``(batch, steps + 1,
·)``; the gradient of ``xw`` written in place, step by step, in the layout the projection's
backward reads), the order of the steps, and the gradient carried down from step to step — the
GEMM's part ``dh`` (times the dropout mask) plus a ``direct`` part that skips the GEMM (a GRU's
``d·z``, or the whole gradient across a masked step). Each cell writes its step in NumPy with
deepgrad's activations (:data:`GATE_ACTIVATIONS`, any of them). With sigmoid gates and a tanh
or ReLU activation (the GRU: with ``reset_after``) the whole call runs compiled instead
(``native/recurrent.c``): the projection, the loop and the weights' gradients, the batch's rows
cut into blocks that run on threads of their own (:func:`threads_for`), with its own small GEMM
and its own vectorized exponential for the sigmoid and tanh — so it agrees with the NumPy path
to a few units in the last place, not bitwise.
"""

from __future__ import annotations

import os

import numpy as np

from ..native import kernels
from ..native.backend import namespace
from .affine import Affine
from .base import Function
from .stable import sigmoid

__all__ = ["GATE_ACTIVATIONS", "SimpleRNNSequence", "threads_for"]

#: The cores this process may run on: a compiled call runs blocks of the batch's rows on
#: threads of their own, this many at most.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
#: The fewest rows worth a thread of their own.
ROWS_PER_THREAD = 16


def threads_for(rows: int) -> int:
    """Threads for a compiled call over a batch of ``rows``: one per :data:`ROWS_PER_THREAD`
    rows, at most one per core (a recurrent layer's rows never meet, so each thread runs its
    block's projection, time loop and share of the weights' gradients on its own)."""
    return max(1, min(CORES, rows // ROWS_PER_THREAD))


def _tanh(x, out):
    return np.tanh(x, out=out)


def _relu(x, out):
    return np.maximum(x, 0, out=out)


def _linear(x, out):
    if out is not x:
        np.copyto(out, x)
    return out


def _linear_derivative(grad, y, out):  # the identity's: grad itself
    return _linear(grad, out)


def _sigmoid_derivative(grad, y, out):  # Sigmoid.derivative: grad * out * (1 - out)
    np.multiply(grad, y, out=out)
    out *= 1.0 - y
    return out


def _tanh_derivative(grad, y, out):  # Tanh.derivative: grad * (1 - out * out)
    return np.multiply(grad, 1.0 - y * y, out=out)


def _relu_derivative(grad, y, out):  # ReLU.derivative: grad * (out > 0)
    return np.multiply(grad, y > 0, out=out)


#: name → (value(x, out), derivative(grad, output, out)); the derivative from the output.
GATE_ACTIVATIONS = {
    "tanh": (_tanh, _tanh_derivative),
    "sigmoid": (sigmoid, _sigmoid_derivative),
    "relu": (_relu, _relu_derivative),
    "linear": (_linear, _linear_derivative),
}


class _Sequence(Function):
    """The projection and time loop around a cell's steps (see the module's documentation). A
    cell defines ``cell`` (its name in the compiled code), ``parts`` (states per step),
    ``gates`` (columns of ``xw`` per unit), :meth:`_buffers` and the NumPy steps
    ``_forward_steps`` / ``_backward_steps``, which keep what the backward needs in
    ``self.cache``."""

    __slots__ = ("act", "cache", "compiled", "generator", "go_backwards", "initial_state",
                 "input_bias", "masked", "projection", "rate", "rec_act", "saved")
    cell, parts, gates = "simple_rnn", 1, 1
    recurrent_bias = False

    def __init__(self, activation="tanh", recurrent_activation="sigmoid", *, input_bias=True,
                 go_backwards=False, initial_state=False, masked=False, recurrent_dropout=0.0,
                 generator=None):
        for name, value in (("activation", activation), ("recurrent_activation", recurrent_activation)):
            if value not in GATE_ACTIVATIONS:
                raise ValueError(f"{type(self).__name__} fuses the {name}s {tuple(GATE_ACTIVATIONS)}; "
                                 f"got {value!r}")
        self.act, self.rec_act = GATE_ACTIVATIONS[activation], GATE_ACTIVATIONS[recurrent_activation]
        self.input_bias, self.go_backwards = bool(input_bias), go_backwards
        self.initial_state, self.masked = initial_state, masked
        self.rate, self.generator = float(recurrent_dropout), generator
        self.projection = Affine()

    @property
    def _r_index(self) -> int:
        """The recurrent kernel's position among the inputs."""
        return 2 + self.input_bias

    def _unpack(self, rest):
        rest = list(rest)
        bias = rest.pop(0) if self.input_bias else None
        r = rest.pop(0)
        rec_bias = rest.pop(0) if self.recurrent_bias else None
        states = [rest.pop(0) for _ in range(self.parts)] if self.initial_state else None
        mask = rest.pop(0) if self.masked else None
        return bias, r, rec_bias, states, mask

    def _compiled(self, *arrays):
        """The compiled call, forward and backward, when it takes this one (NumPy arrays of one
        float dtype, sigmoid gates, a tanh or ReLU activation), else None."""
        kernel = (kernels.compiled("recurrent_sequence"),
                  kernels.compiled("recurrent_sequence_backward"))
        if (None in kernel or self.rec_act is not GATE_ACTIVATIONS["sigmoid"]
                or self.act not in (GATE_ACTIVATIONS["tanh"], GATE_ACTIVATIONS["relu"])):
            return None
        arrays = [a for a in arrays if a is not None]
        dtype = arrays[0].dtype
        if dtype not in (np.float32, np.float64) or any(
                type(a) is not np.ndarray or a.dtype != dtype for a in arrays):
            return None
        return kernel

    @property
    def relu(self) -> bool:
        return self.act is GATE_ACTIVATIONS["relu"]

    def _buffers(self, xp, n, steps, u, dtype):
        """What the forward keeps for the backward besides the states (into ``self.cache``),
        and the compiled call's ``gates`` and ``aux`` arguments."""
        self.cache = ()
        return None, None

    def forward(self, x, kernel, *rest):
        bias, r, rec_bias, initial, mask = self._unpack(rest)
        n, steps, features = x.shape
        u = r.shape[0]
        xp = namespace(x)
        states = xp.empty((n, steps + 1, self.parts * u), x.dtype)
        if initial is None:
            states[:, 0] = 0
        else:
            for p, s in enumerate(initial):
                states[:, 0, p * u:(p + 1) * u] = s
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        keep = None if mask is None else np.ascontiguousarray(mask, dtype=bool)  # (n, steps)
        rmask = None
        if self.rate > 0.0:
            rmask = ((self.generator.random((n, u)) >= self.rate) / (1.0 - self.rate)).astype(x.dtype)
        gates, aux = self._buffers(xp, n, steps, u, x.dtype)
        self.compiled = self._compiled(x, kernel, bias, r, rec_bias, states)
        if self.compiled is not None:
            x, kernel, r = (np.ascontiguousarray(a) for a in (x, kernel, r))
            bias, rec_bias = (a if a is None else np.ascontiguousarray(a) for a in (bias, rec_bias))
            self.compiled[0](self.cell, x, kernel, bias, r, rec_bias, states, gates, aux, keep,
                             rmask, self.go_backwards, self.relu, threads_for(n))
        else:
            xw = self.projection.forward(x.reshape(n * steps, features), kernel, bias)
            self._forward_steps(xw.reshape(n, steps, -1), r, rec_bias, states, order, keep, rmask)
        self.saved = (x, kernel, r, states, order, keep, rmask)
        return states[:, 1:]

    @staticmethod
    def _entering(states, k, u, rmask, buffer=None):
        """The state that enters step ``k``'s recurrent product (after recurrent dropout)."""
        h = states[:, k, :u]
        if rmask is None:
            return h
        return np.multiply(h, rmask, out=buffer) if buffer is not None else h * rmask

    @staticmethod
    def _keep_rows(keep, t):
        """``(n, 1)`` booleans of the rows step ``t`` updates."""
        return keep[:, t, None]

    def backward(self, grad):
        x, kernel, r, states, order, keep, rmask = self.saved
        n, steps, features = x.shape
        u, g = r.shape
        need = self.needs_input_grad
        xp = namespace(grad)
        grad = xp.ascontiguousarray(grad, dtype=x.dtype if self.compiled is not None else None)
        dh = xp.zeros((n, u), grad.dtype)  # the GEMM's part of the state's gradient
        direct = xp.zeros((n, u), grad.dtype)  # the part that skips the GEMM
        if self.compiled is not None:
            carried, grads = self._compiled_backward(grad, x, kernel, r, states, keep, rmask,
                                                     dh, direct)
        else:
            d_pre = xp.empty((n, steps, g), grad.dtype)  # gradient of xw, in its layout
            carried = self._backward_steps(grad, r, xp.ascontiguousarray(r.T), states, order,
                                           keep, rmask, d_pre, dh, direct)
            self.projection.needs_input_grad = need[:self._r_index]
            grads = list(self.projection.backward(d_pre.reshape(n * steps, g)))
            if grads[0] is not None:
                grads[0] = grads[0].reshape(x.shape)
            grads.append(self._kernel_grad(states, order, d_pre, rmask, u)
                         if need[self._r_index] else None)
            if self.recurrent_bias:
                grads.append(self._bias_grad(d_pre) if need[self._r_index + 1] else None)
        if self.initial_state:
            h0 = dh * rmask if rmask is not None else dh
            grads.append(h0 + direct)
            grads.extend(carried)
        if self.masked:
            grads.append(None)
        return tuple(grads)

    def _compiled_backward(self, grad, x, kernel, r, states, keep, rmask, dh, direct):
        """The compiled backward: the states' gradients carried to the initial states, and the
        gradients of ``x``, ``kernel``, (``bias``,) ``recurrent_kernel`` (and its bias)."""
        need = self.needs_input_grad
        n, u, dtype = dh.shape[0], dh.shape[1], dh.dtype
        g = r.shape[1]
        dc = np.zeros((n, u), dtype) if self.parts == 2 else None
        dw, dr = np.empty(kernel.shape, dtype), np.empty(r.shape, dtype)
        db = np.empty(g, dtype) if self.input_bias else None
        drb = np.empty(g, dtype) if self.recurrent_bias else None
        dx = np.empty(x.shape, dtype) if need[0] else None
        gates, aux = self.cache[:2] if self.cache else (None, None)
        self.compiled[1](
            self.cell, x, kernel, r, gates, aux, states, grad, dh, direct, dc, rmask, keep, dw,
            dr, db, drb, dx, self.go_backwards, self.relu, threads_for(n))
        grads = [dx, dw if need[1] else None]
        if self.input_bias:
            grads.append(db if need[2] else None)
        grads.append(dr if need[self._r_index] else None)
        if self.recurrent_bias:
            grads.append(drb if need[self._r_index + 1] else None)
        return ((dc,) if dc is not None else ()), grads

    def _carried(self, grad_k, dh, direct, rmask):
        """The gradient reaching a step's state: its output's plus what came down the loop."""
        return grad_k + ((dh * rmask if rmask is not None else dh) + direct)

    def _entering_all(self, states, u, rmask):
        """Every step's entering state as one matrix ``(batch·steps, units)``, the rows in the
        order of ``xw``'s."""
        h = states[:, :-1, :u]
        if self.go_backwards:
            h = h[:, ::-1]
        h = h * rmask[:, None] if rmask is not None else h
        return h.reshape(-1, u)

    def _kernel_grad(self, states, order, d_rec, rmask, u):
        rows = d_rec.reshape(-1, d_rec.shape[2])
        h = self._entering_all(states, u, rmask)
        into = self.gradient_out(self._r_index)
        if into is not None and into.dtype == rows.dtype and into.flags.c_contiguous:
            return np.matmul(h.T, rows, out=into)
        return h.T @ rows


class SimpleRNNSequence(_Sequence):
    """``h_t = activation(xw_t + h_{t−1} @ recurrent_kernel)``, ``xw = x @ kernel + bias``;
    inputs ``(x, kernel, [bias], recurrent_kernel, [h0], [mask])``.

    >>> import numpy as np
    >>> loop = SimpleRNNSequence(activation="linear", input_bias=False)
    >>> loop.forward(np.ones((1, 3, 1)), np.ones((1, 1)), np.ones((1, 1)))[0, :, 0]
    array([1., 2., 3.])
    """

    __slots__ = ()

    def _forward_steps(self, xw, r, bias, states, order, keep, rmask):
        u = r.shape[0]
        buffer = None if rmask is None else np.empty_like(rmask)
        act = self.act[0]
        for k, t in enumerate(order):
            h = states[:, k + 1]
            np.matmul(self._entering(states, k, u, rmask, buffer), r, out=h)
            h += xw[:, t]
            act(h, h)
            if keep is not None:
                np.copyto(h, states[:, k], where=~self._keep_rows(keep, t))

    def _backward_steps(self, grad, r, r_t, states, order, keep, rmask, d_pre, dh, direct):
        derivative = self.act[1]
        for k in reversed(range(len(order))):
            t = order[k]
            d = self._carried(grad[:, k], dh, direct, rmask)
            dz = derivative(d, states[:, k + 1], d_pre[:, t])
            if keep is not None:
                kept = self._keep_rows(keep, t)
                np.copyto(dz, 0, where=~kept)
                np.copyto(direct, d, where=~kept)
                np.copyto(direct, 0, where=kept)
            np.matmul(dz, r_t, out=dh)
        return ()
