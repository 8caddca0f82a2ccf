"""Recurrent layers' primitives: the whole time loop of one layer call as one node.

:class:`SimpleRNNSequence`, :class:`LSTMSequence` and :class:`GRUSequence` take the inputs
already projected for every step — ``xw = x @ kernel + bias``, ``(batch, steps, gates·units)``,
one GEMM before the primitive (the dense layer's :class:`~deepgrad.ops.Affine`) — and the
``recurrent_kernel``, and run the steps: per step one GEMM ``h @ recurrent_kernel`` and the gate
arithmetic on preallocated buffers. The forward keeps every step's gates and states; the
backward runs backpropagation through time in reverse, one GEMM per step for the state's
gradient, and forms the recurrent kernel's gradient after the loop as one GEMM over all steps.
Gates are in Keras 3's order (LSTM ``i, f, c, o``; GRU ``z, r, h``), so its weights load as
they are.

The output is every step's state, ``(batch, steps, units)`` (LSTM: ``(batch, steps, 2·units)``,
``h`` then ``c``), in the order the steps ran (reversed with ``go_backwards``, as Keras); the
layers slice the last step, the sequence or the states out of it. Optional inputs follow
``xw`` and the recurrent kernel in this order: the recurrent bias (GRU with ``reset_after``),
the initial state(s), and a ``(batch, steps)`` mask; at a masked step every state is carried
over unchanged, as Keras does. Recurrent dropout multiplies the state that enters the recurrent
product by a mask drawn once per forward (the same at every step).

Activations are those of :data:`GATE_ACTIVATIONS`, with the values and derivatives of deepgrad's
primitives (``Tanh``, ``Sigmoid`` in its stable form, ``ReLU``) and the identity.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from ..native.backend import namespace
from .base import Function
from .stable import sigmoid

__all__ = ["GATE_ACTIVATIONS", "GRUSequence", "LSTMSequence", "SimpleRNNSequence"]


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
    """What the three share: reading the optional inputs, the step order, the mask and the
    recurrent dropout, the state buffer and the final GEMMs."""

    __slots__ = (
        "act",
        "generator",
        "go_backwards",
        "initial_state",
        "masked",
        "rate",
        "rec_act",
        "saved",
    )
    parts = 1  # states per step: h (LSTM: h and c)
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

    def forward(self, xw, r, *rest):
        bias, initial, mask = self._unpack(rest)
        n, steps, _ = xw.shape
        u = r.shape[0]
        states = namespace(xw).empty((steps + 1, n, self.parts * u), xw.dtype)
        if initial is None:
            states[0] = 0
        else:
            for p, s in enumerate(initial):
                states[0, :, p * u:(p + 1) * u] = s
        order = np.arange(steps)[::-1] if self.go_backwards else np.arange(steps)
        keep = None
        if mask is not None:
            keep = np.asarray(mask, bool).T[order][:, :, None]  # (steps, n, 1), in step order
        rmask = None
        if self.rate > 0.0:
            rmask = ((self.generator.random((n, u)) >= self.rate) / (1.0 - self.rate)).astype(xw.dtype)
        saved = self._run(xw, r, bias, states, order, keep, rmask)
        self.saved = (xw.shape, r, states, order, keep, rmask, saved)
        return states[1:].transpose(1, 0, 2)

    def _entering(self, states, k, u, rmask):
        """The state that enters step ``k``'s recurrent product (after recurrent dropout)."""
        h = states[k, :, :u]
        return h if rmask is None else h * rmask

    def _carry(self, states, k, keep):
        if keep is not None:
            np.copyto(states[k + 1], states[k], where=~keep[k])

    def backward(self, grad):
        shape, r, states, order, keep, rmask, saved = self.saved
        n, steps, g_units = shape
        u = r.shape[0]
        grad_steps = grad.transpose(1, 0, 2)  # (steps, n, parts·u), in step order
        xp = namespace(grad)
        d_pre = xp.empty((steps, n, g_units), grad.dtype)  # gradient of xw, in step order
        extra = self._backward_buffers(xp, steps, n, u, grad.dtype)
        carried = xp.zeros((n, self.parts * u), grad.dtype)
        for k in range(steps - 1, -1, -1):
            d = grad_steps[k] + carried
            if keep is not None:
                passed = d * ~keep[k]
                d *= keep[k]
            dh_prev, rest = self._step_backward(k, d, r, states, saved, d_pre, extra, rmask, u)
            carried = xp.concatenate([dh_prev, *rest], axis=1) if rest else dh_prev
            if keep is not None:
                carried += passed
        grads = [d_pre[order].transpose(1, 0, 2) if self.needs_input_grad[0] else None,
                 self._kernel_grad(states, d_pre, extra, rmask, u) if self.needs_input_grad[1] else None]
        if self.recurrent_bias:
            grads.append(self._bias_grad(d_pre, extra) if self.needs_input_grad[2] else None)
        if self.initial_state:
            grads.extend(carried[:, p * u:(p + 1) * u] for p in range(self.parts))
        if self.masked:
            grads.append(None)
        return tuple(grads)

    def _backward_buffers(self, xp, steps, n, u, dtype):
        return None

    def _entering_all(self, states, u, rmask):
        """Every step's entering state as one matrix ``(steps·n, units)``."""
        h = states[:-1, :, :u]
        if rmask is not None:
            h = h * rmask
        return h.reshape(-1, u)

    def _kernel_grad(self, states, d_rec, extra, rmask, u):
        d_rec = d_rec if extra is None else extra
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

    def _run(self, xw, r, bias, states, order, keep, rmask):
        u = r.shape[0]
        act = self.act[0]
        for k, t in enumerate(order):
            h = states[k + 1]
            np.matmul(self._entering(states, k, u, rmask), r, out=h)
            h += xw[:, t]
            act(h, h)
            self._carry(states, k, keep)

    def _step_backward(self, k, d, r, states, saved, d_pre, extra, rmask, u):
        dz = self.act[1](d, states[k + 1], d_pre[k])
        dh = dz @ r.T
        if rmask is not None:
            dh *= rmask
        return dh, ()


class LSTMSequence(_Sequence):
    """Keras's LSTM: gates ``i, f, c, o`` = ``xw_t + h_{t−1} @ recurrent_kernel`` through
    ``recurrent_activation`` (i, f, o) and ``activation`` (c); ``c_t = f·c_{t−1} + i·c̃``,
    ``h_t = o·activation(c_t)``. Inputs ``(xw, recurrent_kernel, [h0, c0], [mask])``, ``xw``
    ``(batch, steps, 4·units)``; the output holds ``h`` then ``c`` on its last axis."""

    __slots__ = ()
    parts = 2

    def _compiled(self, name, *arrays):
        """The compiled kernel ``name`` of ``_recurrent`` when it takes this call (NumPy arrays
        of one float dtype, sigmoid gates, a tanh or ReLU activation), else None."""
        kernel = kernels.compiled(name)
        if (kernel is None or self.rec_act is not GATE_ACTIVATIONS["sigmoid"]
                or self.act not in (GATE_ACTIVATIONS["tanh"], GATE_ACTIVATIONS["relu"])):
            return None
        dtype = arrays[0].dtype
        if dtype not in (np.float32, np.float64) or any(
                type(a) is not np.ndarray or a.dtype != dtype for a in arrays):
            return None
        return kernel

    def _run_compiled(self, pre, cell, xw, r, states, order, keep, rmask):
        """:meth:`_run` with the gate arithmetic in ``_recurrent``'s kernels around NumPy's
        ``exp`` and ``tanh``: bitwise the same operations."""
        u = r.shape[0]
        n, steps = xw.shape[0], len(order)
        relu = self.act is GATE_ACTIVATIONS["relu"]
        xw = np.ascontiguousarray(xw)
        gates = np.empty((steps, n, 4 * u), xw.dtype)
        cell_out = np.empty((steps, n, u), xw.dtype)
        e = np.empty((n, 3 * u), xw.dtype)
        for k, t in enumerate(order):
            z = gates[k]
            np.matmul(self._entering(states, k, u, rmask), r, out=z)
            pre(z, xw, int(t), e)
            np.exp(e, out=e)
            if not relu:
                np.tanh(z[:, 2 * u:3 * u], out=z[:, 2 * u:3 * u])
            cell(z, e, states[k], states[k + 1], cell_out[k], relu)
            if not relu:
                np.tanh(states[k + 1, :, u:], out=cell_out[k])
                np.multiply(z[:, 3 * u:], cell_out[k], out=states[k + 1, :, :u])
            self._carry(states, k, keep)
        return gates, cell_out

    def _run(self, xw, r, bias, states, order, keep, rmask):
        pre, cell = self._compiled("lstm_gates_pre", xw, r), self._compiled("lstm_cell", xw, r)
        if pre is not None and cell is not None:
            return self._run_compiled(pre, cell, xw, r, states, order, keep, rmask)
        u = r.shape[0]
        n, steps = xw.shape[0], len(order)
        act, rec_act = self.act[0], self.rec_act[0]
        xp = namespace(xw)
        gates = xp.empty((steps, n, 4 * u), xw.dtype)
        cell_out = xp.empty((steps, n, u), xw.dtype)
        product = xp.empty((n, u), xw.dtype)
        for k, t in enumerate(order):
            z = gates[k]
            np.matmul(self._entering(states, k, u, rmask), r, out=z)
            z += xw[:, t]
            rec_act(z[:, :2 * u], z[:, :2 * u])
            act(z[:, 2 * u:3 * u], z[:, 2 * u:3 * u])
            rec_act(z[:, 3 * u:], z[:, 3 * u:])
            c = states[k + 1, :, u:]
            np.multiply(z[:, u:2 * u], states[k, :, u:], out=c)
            np.multiply(z[:, :u], z[:, 2 * u:3 * u], out=product)
            c += product
            act(c, cell_out[k])
            np.multiply(z[:, 3 * u:], cell_out[k], out=states[k + 1, :, :u])
            self._carry(states, k, keep)
        return gates, cell_out

    def _step_backward(self, k, d, r, states, saved, dz_all, extra, rmask, u):
        gates, cell_out = saved
        kernel = self._compiled("lstm_backward", d, gates)
        if kernel is not None:
            dcf = np.empty((d.shape[0], u), d.dtype)
            kernel(gates[k], cell_out[k], states[k], np.ascontiguousarray(d), dz_all[k], dcf,
                   self.act is GATE_ACTIVATIONS["relu"])
            dh_prev = dz_all[k] @ r.T
            if rmask is not None:
                dh_prev *= rmask
            return dh_prev, (dcf,)
        act_d, rec_d = self.act[1], self.rec_act[1]
        z, tc = gates[k], cell_out[k]
        i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        dh, dc = d[:, :u], d[:, u:]
        dz = dz_all[k]
        rec_d(dh * tc, o, dz[:, 3 * u:])
        dc = dc + act_d(dh * o, tc, namespace(tc).empty(tc.shape, tc.dtype))
        rec_d(dc * g, i, dz[:, :u])
        rec_d(dc * states[k, :, u:], f, dz[:, u:2 * u])
        act_d(dc * i, g, dz[:, 2 * u:3 * u])
        dh_prev = dz @ r.T
        if rmask is not None:
            dh_prev *= rmask
        return dh_prev, (dc * f,)


class GRUSequence(_Sequence):
    """Keras's GRU: gates ``z, r, h``; ``h_t = z·h_{t−1} + (1 − z)·h̃``. With ``reset_after``
    (Keras's default, PyTorch's and cuDNN's form) the inputs are ``(xw, recurrent_kernel,
    recurrent_bias, [h0], [mask])`` and ``h̃ = activation(xw_h + r·(h_{t−1} @ R_h + b_h))``;
    without it ``(xw, recurrent_kernel, [h0], [mask])`` and ``h̃ = activation(xw_h + (r·h_{t−1})
    @ R_h)``. ``xw`` is ``(batch, steps, 3·units)``."""

    __slots__ = ("reset_after",)

    def __init__(self, activation="tanh", recurrent_activation="sigmoid", *, reset_after=True,
                 **kwargs):
        super().__init__(activation, recurrent_activation, **kwargs)
        self.reset_after = bool(reset_after)

    @property
    def recurrent_bias(self):
        return self.reset_after

    def _run(self, xw, r, bias, states, order, keep, rmask):
        u = r.shape[0]
        n, steps = xw.shape[0], len(order)
        act, rec_act = self.act[0], self.rec_act[0]
        xp = namespace(xw)
        gates = xp.empty((steps, n, 3 * u), xw.dtype)
        # reset_after: h_{t−1} @ R + b per step; else r·h_{t−1} (what meets R_h)
        inner = xp.empty((steps, n, 3 * u if self.reset_after else u), xw.dtype)
        for k, t in enumerate(order):
            z, x = gates[k], xw[:, t]
            h_in = self._entering(states, k, u, rmask)
            if self.reset_after:
                rec = inner[k]
                np.matmul(h_in, r, out=rec)
                rec += bias
                np.add(x[:, :2 * u], rec[:, :2 * u], out=z[:, :2 * u])
                rec_act(z[:, :2 * u], z[:, :2 * u])
                np.multiply(z[:, u:2 * u], rec[:, 2 * u:], out=z[:, 2 * u:])
            else:
                np.matmul(h_in, r[:, :2 * u], out=z[:, :2 * u])
                z[:, :2 * u] += x[:, :2 * u]
                rec_act(z[:, :2 * u], z[:, :2 * u])
                np.multiply(z[:, u:2 * u], h_in, out=inner[k])
                np.matmul(inner[k], r[:, 2 * u:], out=z[:, 2 * u:])
            z[:, 2 * u:] += x[:, 2 * u:]
            act(z[:, 2 * u:], z[:, 2 * u:])
            h_prev, h = states[k, :, :u], states[k + 1]
            zg, hh = z[:, :u], z[:, 2 * u:]
            np.multiply(zg, h_prev, out=h)
            h += (1.0 - zg) * hh
            self._carry(states, k, keep)
        return gates, inner

    def _backward_buffers(self, xp, steps, n, u, dtype):
        return xp.empty((steps, n, 3 * u), dtype) if self.reset_after else None

    def _step_backward(self, k, d, r, states, saved, d_pre, d_rec, rmask, u):
        gates, inner = saved
        act_d, rec_d = self.act[1], self.rec_act[1]
        z = gates[k]
        zg, rg, hh = z[:, :u], z[:, u:2 * u], z[:, 2 * u:]
        h_prev = states[k, :, :u]
        dx = d_pre[k]
        rec_d(d * (h_prev - hh), zg, dx[:, :u])
        da = act_d(d * (1.0 - zg), hh, dx[:, 2 * u:])
        if self.reset_after:
            rec_d(da * inner[k][:, 2 * u:], rg, dx[:, u:2 * u])
            dr = d_rec[k]
            dr[:, :2 * u] = dx[:, :2 * u]
            np.multiply(da, rg, out=dr[:, 2 * u:])
            dh_in = dr @ r.T
        else:
            d_rh = da @ r[:, 2 * u:].T
            h_in = h_prev if rmask is None else h_prev * rmask
            rec_d(d_rh * h_in, rg, dx[:, u:2 * u])
            dh_in = dx[:, :2 * u] @ r[:, :2 * u].T
            dh_in += d_rh * rg
        if rmask is not None:
            dh_in *= rmask
        dh_in += d * zg
        return dh_in, ()

    def _kernel_grad(self, states, d_pre, d_rec, rmask, u):
        if self.reset_after:
            return super()._kernel_grad(states, d_pre, d_rec, rmask, u)
        inner = self.saved[-1][1]
        h = self._entering_all(states, u, rmask)
        rows = d_pre.reshape(-1, 3 * u)
        return namespace(rows).concatenate([h.T @ rows[:, :2 * u], inner.reshape(-1, u).T @ rows[:, 2 * u:]],
                              axis=1)

    def _bias_grad(self, d_pre, d_rec):
        return d_rec.reshape(-1, d_rec.shape[2]).sum(axis=0)
