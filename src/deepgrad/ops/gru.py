"""The GRU's time loop as one primitive (see :mod:`deepgrad.ops.recurrent` for what every
recurrent loop shares)."""

from __future__ import annotations

import numpy as np

from ..native.backend import namespace
from .recurrent import _Sequence

__all__ = ["GRUSequence"]


class GRUSequence(_Sequence):
    """Keras's GRU: gates ``z, r, h``; ``h_t = z·h_{t−1} + (1 − z)·h̃``, ``xw = x @ kernel +
    bias``. With ``reset_after`` (Keras's default, PyTorch's and cuDNN's form) the inputs are
    ``(x, kernel, [bias], recurrent_kernel, recurrent_bias, [h0], [mask])`` and ``h̃ =
    activation(xw_h + r·(h_{t−1} @ R_h + b_h))``; without it ``(x, kernel, [bias],
    recurrent_kernel, [h0], [mask])`` and ``h̃ = activation(xw_h + (r·h_{t−1}) @ R_h)``.

    >>> import numpy as np
    >>> loop = GRUSequence(reset_after=False, input_bias=False)
    >>> loop.forward(np.zeros((1, 2, 2)), np.zeros((2, 3)), np.zeros((1, 3)))[0, :, 0]
    array([0., 0.])
    """

    __slots__ = ("reset_after",)
    cell, gates = "gru", 3

    def __init__(self, activation="tanh", recurrent_activation="sigmoid", *, reset_after=True,
                 **kwargs):
        super().__init__(activation, recurrent_activation, **kwargs)
        self.reset_after = bool(reset_after)

    @property
    def recurrent_bias(self):
        return self.reset_after

    def _compiled(self, *arrays):
        return super()._compiled(*arrays) if self.reset_after else None

    def _buffers(self, xp, n, steps, u, dtype):
        gates = xp.empty((steps, n, 3 * u), dtype)  # z, r, h̃ after their activations
        # reset_after: h_{t−1} @ R + b per step; else r·h_{t−1} (what meets R_h)
        inner = xp.empty((steps, n, 3 * u if self.reset_after else u), dtype)
        self.cache = gates, inner
        return gates, inner

    def _forward_steps(self, xw, r, bias, states, order, keep, rmask):
        u = r.shape[0]
        gates, inner = self.cache
        buffer = None if rmask is None else np.empty_like(rmask)
        act, rec_act = self.act[0], self.rec_act[0]
        for k, t in enumerate(order):
            z, x = gates[k], xw[:, t]
            h_in = self._entering(states, k, u, rmask, buffer)
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
            h_prev, h = states[:, k, :u], states[:, k + 1]
            zg, hh = z[:, :u], z[:, 2 * u:]
            np.multiply(zg, h_prev, out=h)
            h += (1.0 - zg) * hh
            if keep is not None:
                np.copyto(h, h_prev, where=~self._keep_rows(keep, t))

    def _backward_steps(self, grad, r, r_t, states, order, keep, rmask, d_pre, dh, direct):
        gates, inner = self.cache[:2]
        # reset_after: the gradient of every step's h_{t−1} @ R + b, in xw's layout
        d_rec = np.empty_like(d_pre) if self.reset_after else None
        self.cache = gates, inner, d_rec
        for k in reversed(range(len(order))):
            self._step_backward(k, order[k], grad, r, r_t, gates, inner, states, keep, rmask,
                                d_pre, d_rec, dh, direct)
        return ()

    def _step_backward(self, k, t, grad, r, r_t, gates, inner, states, keep, rmask, d_pre, d_rec,
                       dh, direct):
        """One step of backpropagation through time in NumPy, its GEMMs included."""
        act_d, rec_d = self.act[1], self.rec_act[1]
        u = dh.shape[1]
        z = gates[k]
        zg, rg, hh = z[:, :u], z[:, u:2 * u], z[:, 2 * u:]
        h_prev = states[:, k, :u]
        d = self._carried(grad[:, k], dh, direct, rmask)
        dx = d_pre[:, t]
        rec_d(d * (h_prev - hh), zg, dx[:, :u])
        da = act_d(d * (1.0 - zg), hh, dx[:, 2 * u:])
        if self.reset_after:
            rec_d(da * inner[k][:, 2 * u:], rg, dx[:, u:2 * u])
            dr = d_rec[:, t]
            dr[:, :2 * u] = dx[:, :2 * u]
            np.multiply(da, rg, out=dr[:, 2 * u:])
        else:
            d_rh = da @ r[:, 2 * u:].T
            h_in = h_prev if rmask is None else h_prev * rmask
            rec_d(d_rh * h_in, rg, dx[:, u:2 * u])
        np.multiply(d, zg, out=direct)
        if keep is not None:  # a masked row passes its gradient on unchanged
            skipped = ~self._keep_rows(keep, t)
            np.copyto(dx, 0, where=skipped)
            np.copyto(direct, d, where=skipped)
            if self.reset_after:
                np.copyto(dr, 0, where=skipped)
            else:
                np.copyto(d_rh, 0, where=skipped)
        if self.reset_after:
            np.matmul(dr, r_t, out=dh)
        else:
            np.matmul(dx[:, :2 * u], r_t[:2 * u], out=dh)
            dh += d_rh * rg

    def _kernel_grad(self, states, order, d_pre, rmask, u):
        if self.reset_after:
            return super()._kernel_grad(states, order, self.cache[2], rmask, u)
        inner = self.cache[1]
        if self.go_backwards:
            inner = inner[::-1]
        h = self._entering_all(states, u, rmask)
        rows = d_pre.reshape(-1, 3 * u)
        inner_rows = inner.transpose(1, 0, 2).reshape(-1, u)  # in xw's row order
        return namespace(rows).concatenate([h.T @ rows[:, :2 * u], inner_rows.T @ rows[:, 2 * u:]],
                                           axis=1)

    def _bias_grad(self, d_pre):
        d_rec = self.cache[2]
        return d_rec.reshape(-1, d_rec.shape[2]).sum(axis=0)
