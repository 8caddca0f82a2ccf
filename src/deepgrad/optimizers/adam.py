"""Adam and its variants AdamW (decoupled weight decay) and Nadam (Nesterov momentum)."""

from __future__ import annotations

import math

import numpy as np

from ..common.checks import check_bool, check_number
from .base import Optimizer


def _update_moments(g, m, v, a, beta_1: float, beta_2: float) -> None:
    """Adam's moving averages, in place: m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g².

    The same as Keras's ``m += (1−β₁)(g − m)`` up to rounding, with fewer two-input passes over
    memory (the step is bound by memory traffic, not arithmetic).
    """
    np.multiply(m, beta_1, out=m)
    np.multiply(g, 1 - beta_1, out=a)
    np.add(m, a, out=m)
    np.multiply(v, beta_2, out=v)
    np.square(g, out=a)
    np.multiply(a, 1 - beta_2, out=a)
    np.add(v, a, out=v)


class Adam(Optimizer):
    """Adam: momentum (moving average of g) and RMSprop (moving average of g²) together.

    ``m``, ``v`` start at 0; at step t = 1, 2, ... (bias correction folded into α)::

        m = m + (1−β₁)·(g − m)
        v = v + (1−β₂)·(g² − v)
        α = lr·√(1−β₂ᵗ) / (1−β₁ᵗ)
        w = w − α·m / (√v + ε)

    With ``amsgrad=True``, ``v̂ = max(v̂, v)`` replaces v in the last line.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    beta_1 : float, default 0.9
    beta_2 : float, default 0.999
    epsilon : float, default 1e-7
    amsgrad : bool, default False
    **kwargs
        See :class:`Optimizer`.

    Examples
    --------
    On the first step m/(√v) = g/|g| after bias correction, so every coordinate moves by about
    lr, whatever its gradient's scale:

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import Adam
    >>> w = dg.Parameter([0.0, 0.0], dtype="float64")
    >>> w.grad = np.array([1.0, -100.0])
    >>> Adam(learning_rate=0.1).step([w])
    >>> np.round(w.data, 6)
    array([-0.1,  0.1])
    """

    _default_name = "adam"

    def __init__(
        self,
        learning_rate=0.001,
        *,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number(beta_1, "beta_1", low=0.0, high=1.0, high_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0.0)
        self.amsgrad = check_bool(amsgrad, "amsgrad")

    def _slots(self):
        slots = {"momentum": 0.0, "velocity": 0.0}
        if self.amsgrad:
            slots["velocity_hat"] = 0.0
        return slots

    def _decays(self):
        return [self.beta_1, self.beta_2]

    def _prepare(self, lr, t):
        return (lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t),)

    def _update(self, w, g, s, a, b, c):
        (alpha,) = c
        m, v = s["momentum"], s["velocity"]
        _update_moments(g, m, v, a, self.beta_1, self.beta_2)
        if self.amsgrad:
            np.maximum(s["velocity_hat"], v, out=s["velocity_hat"])
            v = s["velocity_hat"]
        np.sqrt(v, out=a)
        np.add(a, self.epsilon, out=a)
        np.divide(m, a, out=a)
        np.multiply(a, alpha, out=a)
        np.subtract(w, a, out=w)  # w −= α·m/(√v + ε)

    _kernel = "adam"
    _squares_gradients = True

    def _compiled_update(self, kernel, w, g, s, c, decay):
        (alpha,) = c
        f = w.dtype.type  # NumPy casts Python floats to the buffers' dtype; so must the kernel
        b1, b2 = self.beta_1, self.beta_2
        m, v = s["momentum"], s["velocity"]
        kernel(w, g, m, v, s.get("velocity_hat", v), self.amsgrad, decay is not None,
               f(decay or 0.0), f(b1), f(1 - b1), f(b2), f(1 - b2), f(self.epsilon), f(alpha))

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): before each Adam step,
    ``w −= lr·weight_decay·w``, independent of the gradient (unlike an L2 penalty in the loss,
    which Adam would rescale per coordinate).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    weight_decay : float, default 0.004
    beta_1, beta_2, epsilon, amsgrad
        As in :class:`Adam`.
    **kwargs
        See :class:`Optimizer`.

    Examples
    --------
    With a zero gradient only the decay acts: w = 2 − 0.1·0.5·2 = 1.9.

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import AdamW
    >>> w = dg.Parameter([2.0], dtype="float64")
    >>> w.grad = np.array([0.0])
    >>> AdamW(learning_rate=0.1, weight_decay=0.5).step([w])
    >>> w.data
    array([1.9])
    """

    _default_name = "adamw"

    def __init__(self, learning_rate=0.001, *, weight_decay=0.004, **kwargs):
        check_number(weight_decay, "weight_decay", low=0.0)  # AdamW needs one: None is refused
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum, exactly as Keras 3 (``keras.optimizers.Nadam``).

    ``m``, ``v`` start at 0 and the momentum-cache product Π₀ = 1. At step t = 1, 2, ...::

        u_t   = β₁·(1 − 0.5·0.96^t)              (momentum cache; u_{t+1} likewise)
        Π_t   = Π_{t−1}·u_t                      (kept as state, float64)
        m     = m + (1−β₁)·(g − m)
        v     = v + (1−β₂)·(g² − v)
        m̂     = u_{t+1}·m / (1 − Π_t·u_{t+1}) + (1 − u_t)·g / (1 − Π_t)
        v̂     = v / (1 − β₂ᵗ)
        w     = w − lr·m̂ / (√v̂ + ε)

    Keras 3 uses 0.96^t, so u_t rises from about 0.5·β₁ to β₁ within about 100 steps. Dozat's
    report and Keras 1/2 used 0.96^(0.004·t) (``schedule_decay=0.004``), which takes thousands
    of steps to do the same; that is a different optimizer, not implemented here.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    beta_1 : float, default 0.9
    beta_2 : float, default 0.999
    epsilon : float, default 1e-7
    **kwargs
        See :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import Nadam
    >>> w = dg.Parameter([0.0], dtype="float64")
    >>> w.grad = np.array([0.5])
    >>> opt = Nadam(learning_rate=0.1)
    >>> opt.step([w])
    >>> u1, u2 = 0.9 * (1 - 0.5 * 0.96), 0.9 * (1 - 0.5 * 0.96**2)
    >>> m_hat = u2 * 0.05 / (1 - u1 * u2) + (1 - u1) * 0.5 / (1 - u1)
    >>> bool(np.isclose(w.data[0], -0.1 * m_hat / (0.5 + 1e-7)))
    True
    """

    _default_name = "nadam"

    def __init__(self, learning_rate=0.001, *, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number(beta_1, "beta_1", low=0.0, high=1.0, high_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0.0)
        self._u_product = 1.0

    def _slots(self):
        return {"momentum": 0.0, "velocity": 0.0}

    def _decays(self):
        return [self.beta_1, self.beta_2]

    def _extra_state(self):
        return {"u_product": self._u_product}

    def _set_extra_state(self, values):
        self._u_product = values.get("u_product", self._u_product)

    def _prepare(self, lr, t):
        b1 = self.beta_1
        u_t = b1 * (1.0 - 0.5 * 0.96**t)
        u_next = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        self._u_product *= u_t
        product_next = self._u_product * u_next
        return (
            u_next / (1.0 - product_next),
            (1.0 - u_t) / (1.0 - self._u_product),
            1.0 - self.beta_2**t,
            lr,
        )

    _kernel = "nadam"
    _squares_gradients = True

    def _compiled_update(self, kernel, w, g, s, c, decay):
        f = w.dtype.type
        b1, b2 = self.beta_1, self.beta_2
        kernel(w, g, s["momentum"], s["velocity"], decay is not None, f(decay or 0.0), f(b1),
               f(1 - b1), f(b2), f(1 - b2), *map(f, c), f(self.epsilon))

    def _update(self, w, g, s, a, b, c):
        c_m, c_g, bias_2, lr = c
        m, v = s["momentum"], s["velocity"]
        _update_moments(g, m, v, a, self.beta_1, self.beta_2)
        np.multiply(m, c_m, out=a)
        np.multiply(g, c_g, out=b)
        np.add(a, b, out=a)  # m̂
        np.divide(v, bias_2, out=b)
        np.sqrt(b, out=b)
        np.add(b, self.epsilon, out=b)  # √v̂ + ε
        np.multiply(a, lr, out=a)
        np.divide(a, b, out=a)
        np.subtract(w, a, out=w)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
