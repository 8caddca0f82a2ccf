"""The compiled optimizer updates (numba), loaded by :mod:`deepgrad.kernels` when wanted.

Each loop repeats, element by element, the exact sequence of float operations of the NumPy
update it replaces (see the ``_update`` methods in :mod:`deepgrad.optimizers`), so that the two
paths agree bitwise. Hence the unusual-looking expression order, the absence of ``fastmath``
(which would allow fused multiply-adds and reassociation), and ``error_model="numpy"`` (division
by zero gives inf as in NumPy instead of raising, which also lets the loops vectorise). Scalars
arrive already cast to the buffers' dtype, as NumPy casts a Python float against a float32 array.
"""

from __future__ import annotations

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def adam(w, g, m, v, v_hat, amsgrad, decayed, decay, beta_1, one_minus_beta_1, beta_2,
         one_minus_beta_2, epsilon, alpha):
    """Adam / AdamW in place: decoupled decay ``w −= w·decay`` if ``decayed``, then
    ``m = β₁m + (1−β₁)g``, ``v = β₂v + (1−β₂)g²``, with AMSGrad ``v̂ = max(v̂, v)``, and
    ``w −= α·m / (√v + ε)``."""
    for i in range(w.shape[0]):
        wi = w[i]
        if decayed:
            wi = wi - wi * decay
        gi = g[i]
        mi = m[i] * beta_1 + gi * one_minus_beta_1
        vi = v[i] * beta_2 + (gi * gi) * one_minus_beta_2
        m[i] = mi
        v[i] = vi
        if amsgrad:
            h = v_hat[i]
            if not np.isnan(h) and not h >= vi:  # h = max(h, vi); a NaN on either side wins
                h = vi
            v_hat[i] = h
            vi = h
        w[i] = wi - (mi / (np.sqrt(vi) + epsilon)) * alpha


@_jit
def sgd(w, g, velocity, momentum, nesterov, decayed, decay, lr):
    """SGD in place: decoupled decay if ``decayed``, then ``w −= lr·g`` without momentum (pass
    ``momentum`` 0), else ``v = μv − lr·g`` and ``w += v`` (Nesterov: ``w += μv − lr·g``)."""
    for i in range(w.shape[0]):
        wi = w[i]
        if decayed:
            wi = wi - wi * decay
        step = g[i] * lr
        if momentum == 0:
            w[i] = wi - step
            continue
        vi = velocity[i] * momentum - step
        velocity[i] = vi
        if nesterov:
            w[i] = wi + (vi * momentum - step)
        else:
            w[i] = wi + vi
