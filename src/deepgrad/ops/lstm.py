"""The LSTM's time loop as one primitive (see :mod:`deepgrad.ops.recurrent` for what every
recurrent loop shares)."""

from __future__ import annotations

import numpy as np

from ..native.backend import namespace
from .recurrent import _Sequence

__all__ = ["LSTMSequence"]


class LSTMSequence(_Sequence):
    """Keras's LSTM: gates ``i, f, c, o`` = ``xw_t + h_{t−1} @ recurrent_kernel`` through
    ``recurrent_activation`` (i, f, o) and ``activation`` (c); ``c_t = f·c_{t−1} + i·c̃``,
    ``h_t = o·activation(c_t)``, ``xw = x @ kernel + bias``. Inputs ``(x, kernel, [bias],
    recurrent_kernel, [h0, c0], [mask])``; the output holds ``h`` then ``c`` on its last axis.

    >>> import numpy as np
    >>> loop = LSTMSequence(input_bias=False)
    >>> loop.forward(np.zeros((1, 2, 3)), np.zeros((3, 4)), np.zeros((1, 4)))[0, :, 1]
    array([0., 0.])
    """

    __slots__ = ()
    cell, parts, gates = "lstm", 2, 4

    def _buffers(self, xp, n, steps, u, dtype):
        gates = xp.empty((steps, n, 4 * u), dtype)  # after their activations
        cell_out = xp.empty((steps, n, u), dtype)  # activation(c)
        self.cache = gates, cell_out
        return gates, cell_out

    def _forward_steps(self, xw, r, bias, states, order, keep, rmask):
        u = r.shape[0]
        gates, cell_out = self.cache
        buffer = None if rmask is None else np.empty_like(rmask)
        act, rec_act = self.act[0], self.rec_act[0]
        product = namespace(xw).empty((xw.shape[0], u), xw.dtype)
        for k, t in enumerate(order):
            z = gates[k]
            np.matmul(self._entering(states, k, u, rmask, buffer), r, out=z)
            z += xw[:, t]
            rec_act(z[:, :2 * u], z[:, :2 * u])
            act(z[:, 2 * u:3 * u], z[:, 2 * u:3 * u])
            rec_act(z[:, 3 * u:], z[:, 3 * u:])
            c = states[:, k + 1, u:]
            np.multiply(z[:, u:2 * u], states[:, k, u:], out=c)
            np.multiply(z[:, :u], z[:, 2 * u:3 * u], out=product)
            c += product
            act(c, cell_out[k])
            np.multiply(z[:, 3 * u:], cell_out[k], out=states[:, k + 1, :u])
            if keep is not None:
                np.copyto(states[:, k + 1], states[:, k], where=~self._keep_rows(keep, t))

    def _backward_steps(self, grad, r, r_t, states, order, keep, rmask, d_pre, dh, direct):
        gates, cell_out = self.cache[:2]
        dc = namespace(grad).zeros_like(dh)  # the cell state's gradient, carried down
        for k in reversed(range(len(order))):
            t = order[k]
            dz = d_pre[:, t]
            self._step_backward(k, t, grad, gates, cell_out, states, keep, rmask, dz, dh, direct,
                                dc)
            np.matmul(dz, r_t, out=dh)
        return (dc,)

    def _step_backward(self, k, t, grad, gates, cell_out, states, keep, rmask, dz, dh, direct, dc):
        """One step of backpropagation through time in NumPy (the compiled step's formulas)."""
        act_d, rec_d = self.act[1], self.rec_act[1]
        u = dh.shape[1]
        z, tc = gates[k], cell_out[k]
        i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        d_h = self._carried(grad[:, k, :u], dh, direct, rmask)
        d_c_in = grad[:, k, u:] + dc
        rec_d(d_h * tc, o, dz[:, 3 * u:])
        d_c = d_c_in + act_d(d_h * o, tc, np.empty_like(tc))
        rec_d(d_c * g, i, dz[:, :u])
        rec_d(d_c * states[:, k, u:], f, dz[:, u:2 * u])
        act_d(d_c * i, g, dz[:, 2 * u:3 * u])
        np.multiply(d_c, f, out=dc)
        direct[...] = 0
        if keep is not None:  # a masked row passes its gradient on unchanged
            skipped = ~self._keep_rows(keep, t)
            np.copyto(dz, 0, where=skipped)
            np.copyto(dc, d_c_in, where=skipped)
            np.copyto(direct, d_h, where=skipped)
