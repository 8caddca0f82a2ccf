"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_bool, check_number
from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent: ``w -= learning_rate * g``, optionally with momentum.

    With ``momentum`` μ > 0 (Keras form; ``v`` starts at 0)::

        v = μ·v − lr·g
        w = w + v                  (nesterov=False)
        w = w + μ·v − lr·g         (nesterov=True, with the updated v)

    The three gradient descents of the lecture notes are this one optimizer; they differ only in
    how many samples the gradient is averaged over (``batch_size`` in ``fit``): **batch** gradient
    descent uses all n samples per step (one step per epoch; ``w_new = w_old − η ∂L/∂w_old``
    exactly), **stochastic** gradient descent uses 1 sample per step (n noisy steps per epoch),
    and **mini-batch** gradient descent uses k samples (⌈n/k⌉ steps per epoch).

    The notes write momentum as an exponentially weighted moving average of the gradients,
    ``v = β·v + (1−β)·g; w −= η·v``. That is the same method: it equals the Keras form with
    ``momentum = β`` and ``learning_rate = η·(1−β)`` (put ``v_keras = −η·v_notes``).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.01
    momentum : float, default 0.0
        In [0, 1]. 0 means plain gradient descent and keeps no state.
    nesterov : bool, default False
        Nesterov accelerated gradient (look-ahead momentum).
    **kwargs
        ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``: see
        :class:`Optimizer`.

    Examples
    --------
    One batch gradient-descent step on L(w) = (w − 3)², from w = 0 with η = 0.1:
    ∂L/∂w = 2(w − 3) = −6, so w_new = 0 − 0.1·(−6) = 0.6.

    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import SGD
    >>> w = dg.Parameter([0.0], dtype="float64")
    >>> ((w - 3) ** 2).sum().backward()
    >>> SGD(learning_rate=0.1).step([w])
    >>> w.data
    array([0.6])
    """

    _default_name = "SGD"

    def __init__(self, learning_rate=0.01, *, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0)
        self.nesterov = check_bool(nesterov, "nesterov")

    def _slots(self):
        return {"momentum": 0.0} if self.momentum > 0 else {}

    def _decays(self):
        return [self.momentum]

    def _update(self, w, g, s, a, b, c):
        (lr,) = c
        np.multiply(g, lr, out=a)  # lr·g
        if "momentum" not in s:
            np.subtract(w, a, out=w)
            return
        v, mu = s["momentum"], self.momentum
        np.multiply(v, mu, out=v)
        np.subtract(v, a, out=v)  # v = μ·v − lr·g
        if self.nesterov:
            np.multiply(v, mu, out=b)
            np.subtract(b, a, out=b)
            np.add(w, b, out=w)  # w += μ·v − lr·g
        else:
            np.add(w, v, out=w)

    _kernel = "sgd"

    def _compiled_update(self, kernel, w, g, s, c, decay):
        (lr,) = c
        f = w.dtype.type
        momentum = f(self.momentum) if "momentum" in s else f(0.0)
        kernel(w, g, s.get("momentum", w), self.nesterov, decay is not None, momentum,
               f(decay or 0.0), f(lr))

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
