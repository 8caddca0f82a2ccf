"""Recurrent layers' primitives: the whole time loop of one layer call as one node.

:class:`SimpleRNNSequence` here, :class:`~deepgrad.ops.lstm.LSTMSequence` and
:class:`~deepgrad.ops.gru.GRUSequence` take the inputs already projected for every step —
``xw = x @ kernel + bias``, ``(batch, steps, gates·units)``, one GEMM before the primitive (the
dense layer's :class:`~deepgrad.ops.Affine`) — and the ``recurrent_kernel``, and run the steps:
per step one GEMM ``h @ recurrent_kernel`` and the gate arithmetic on preallocated buffers. The
forward keeps every step's gates and states; the backward runs backpropagation through time in
reverse, one GEMM per step for the state's gradient, and forms the recurrent kernel's gradient
after the loop as one GEMM over all steps. Gates are in Keras 3's order (LSTM ``i, f, c, o``;
GRU ``z, r, h``), so its weights load as they are.

The output is every step's state, ``(batch, steps, units)`` (LSTM: ``(batch, steps, 2·units)``,
``h`` then ``c``), in the order the steps ran (reversed with ``go_backwards``, as Keras); the
layers slice the last step, the sequence or the states out of it. Optional inputs follow
``xw`` and the recurrent kernel in this order: the recurrent bias (GRU with ``reset_after``),
the initial state(s), and a ``(batch, steps)`` mask; at a masked step every state is carried
over unchanged, as Keras does. Recurrent dropout multiplies the state that enters the recurrent
product by a mask drawn once per forward (the same at every step).

What the loops share lives in :class:`_Sequence`: the buffers (states ``(batch, steps + 1,
·)``; the gradient of ``xw`` written in place, step by step, in the layout the projection's
backward reads), the order of the steps, and the gradient carried down from step to step — the
GEMM's part ``dh`` (times the dropout mask) plus a ``direct`` part that skips the GEMM (a GRU's
``d·z``, or the whole gradient across a masked step). Each cell writes its step twice: in NumPy
with deepgrad's activations (:data:`GATE_ACTIVATIONS`, any of them), and — with sigmoid gates and
a tanh or ReLU activation (the GRU: with ``reset_after``) — as one compiled pass each way
(``native/recurrent.c``), which computes the sigmoid and tanh from its own vectorized exponential
and so agrees with the NumPy step to a few units in the last place, not bitwise.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from ..native.backend import namespace
from .base import Function
from .stable import sigmoid

__all__ = ["GATE_ACTIVATIONS", "SimpleRNNSequence"]


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
    """The time loop around a cell's steps (see the module's documentation). A cell defines
    ``parts`` (states per step), ``gates`` (columns of ``xw`` per unit) and the steps
    ``_forward_steps`` / ``_backward_steps``, which may keep what the backward needs in
    ``self.cache``."""

    __slots__ = ("act", "cache", "generator", "go_backwards", "initial_state", "masked", "rate",
                 "rec_act", "saved")
    parts = 1
    recurrent_bias = False

    def __init__(self, activation="tanh", recurrent_activation="sigmoid", *, go_backwards=False,
                 initial_state=False, masked=False, recurrent_dropout=0.0, generator=None):
        for name, value in (("activation", activation), ("recurrent_activation", recurrent_activation)):
            if value not in GATE_ACTIVATIONS:
                raise ValueError(f"{type(self).__name__} fuses the {name}s {tuple(GATE_ACTIVATIONS)}; "
                                 f"got {value!r}")
        self.act, self.rec_act = GATE_ACTIVATIONS[activation], GATE_ACTIVATIONS[recurrent_activation]
        self.go_backwards, self.initial_state, self.masked = go_backwards, initial_state, masked
        self.rate, self.generator = float(recurrent_dropout), generator

    def _unpack(self, rest):
        rest = list(rest)
        bias = rest.pop(0) if self.recurrent_bias else None
        states = [rest.pop(0) for _ in range(self.parts)] if self.initial_state else None
        mask = rest.pop(0) if self.masked else None
        return bias, states, mask

    def _compiled(self, name, *arrays):
        """The compiled step ``name`` when it takes this call (NumPy arrays of one float dtype,
        sigmoid gates, a tanh or ReLU activation), else None."""
        kernel = kernels.compiled(name)
        if (kernel is None or self.rec_act is not GATE_ACTIVATIONS["sigmoid"]
                or self.act not in (GATE_ACTIVATIONS["tanh"], GATE_ACTIVATIONS["relu"])):
            return None
        dtype = arrays[0].dtype
        if dtype not in (np.float32, np.float64) or any(
                type(a) is not np.ndarray or a.dtype != dtype for a in arrays):
            return None
        return kernel

    @property
    def relu(self) -> bool:
        return self.act is GATE_ACTIVATIONS["relu"]

    def forward(self, xw, r, *rest):
        bias, initial, mask = self._unpack(rest)
        n, steps, _ = xw.shape
        u = r.shape[0]
        xp = namespace(xw)
        states = xp.empty((n, steps + 1, self.parts * u), xw.dtype)
        if initial is None:
            states[:, 0] = 0
        else:
            for p, s in enumerate(initial):
                states[:, 0, p * u:(p + 1) * u] = s
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        keep = None if mask is None else np.ascontiguousarray(mask, dtype=bool)  # (n, steps)
        rmask = None
        if self.rate > 0.0:
            rmask = ((self.generator.random((n, u)) >= self.rate) / (1.0 - self.rate)).astype(xw.dtype)
        self.cache = None
        self._forward_steps(xw, r, bias, states, order, keep, rmask)
        self.saved = (xw.shape, r, bias, states, order, keep, rmask)
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
        shape, r, bias, states, order, keep, rmask = self.saved
        n, steps, g_units = shape
        u = r.shape[0]
        xp = namespace(grad)
        grad = xp.ascontiguousarray(grad)
        r_t = xp.ascontiguousarray(r.T)
        d_pre = xp.empty((n, steps, g_units), grad.dtype)  # gradient of xw, in its layout
        dh = xp.zeros((n, u), grad.dtype)  # the GEMM's part of the state's gradient
        direct = xp.zeros((n, u), grad.dtype)  # the part that skips the GEMM
        carried = self._backward_steps(grad, r, r_t, states, order, keep, rmask, d_pre, dh, direct)
        grads = [d_pre if self.needs_input_grad[0] else None,
                 self._kernel_grad(states, order, d_pre, rmask, u) if self.needs_input_grad[1] else None]
        if self.recurrent_bias:
            grads.append(self._bias_grad(d_pre) if self.needs_input_grad[2] else None)
        if self.initial_state:
            h0 = dh * rmask if rmask is not None else dh
            grads.append(h0 + direct)
            grads.extend(carried)
        if self.masked:
            grads.append(None)
        return tuple(grads)

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
        into = self.gradient_out(1)
        if into is not None and into.dtype == rows.dtype and into.flags.c_contiguous:
            return np.matmul(h.T, rows, out=into)
        return h.T @ rows


class SimpleRNNSequence(_Sequence):
    """``h_t = activation(xw_t + h_{t−1} @ recurrent_kernel)``; inputs ``(xw, recurrent_kernel,
    [h0], [mask])``, ``xw`` ``(batch, steps, units)``."""

    __slots__ = ()

    def _forward_steps(self, xw, r, bias, states, order, keep, rmask):
        u = r.shape[0]
        buffer = None if rmask is None else np.empty_like(rmask)
        kernel = self._compiled("simple_rnn_step", xw, r, states)
        if kernel is not None:
            xw = np.ascontiguousarray(xw)
            for k, t in enumerate(order):
                np.matmul(self._entering(states, k, u, rmask, buffer), r, out=states[:, k + 1])
                kernel(xw, t, states, k, keep, self.relu)
            return
        act = self.act[0]
        for k, t in enumerate(order):
            h = states[:, k + 1]
            np.matmul(self._entering(states, k, u, rmask, buffer), r, out=h)
            h += xw[:, t]
            act(h, h)
            if keep is not None:
                np.copyto(h, states[:, k], where=~self._keep_rows(keep, t))

    def _backward_steps(self, grad, r, r_t, states, order, keep, rmask, d_pre, dh, direct):
        kernel = self._compiled("simple_rnn_step_backward", grad, r, states)
        derivative = self.act[1]
        for k in reversed(range(len(order))):
            t = order[k]
            if kernel is not None:
                kernel(d_pre, t, states, k, grad, dh, direct, rmask, keep, self.relu)
                np.matmul(d_pre[:, t], r_t, out=dh)
                continue
            d = self._carried(grad[:, k], dh, direct, rmask)
            dz = derivative(d, states[:, k + 1], d_pre[:, t])
            if keep is not None:
                kept = self._keep_rows(keep, t)
                np.copyto(dz, 0, where=~kept)
                np.copyto(direct, d, where=~kept)
                np.copyto(direct, 0, where=kept)
            np.matmul(dz, r_t, out=dh)
        return ()
