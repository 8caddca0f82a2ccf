"""Per-coordinate adaptive learning rates: Adagrad, Adadelta, RMSprop."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_bool, check_number
from .base import Optimizer


class Adagrad(Optimizer):
    """Adagrad: the step of each coordinate shrinks with its accumulated squared gradients.

    ``acc`` starts at ``initial_accumulator_value``; then every step::

        acc = acc + g²
        w   = w − lr·g / √(acc + ε)

    Suits sparse features: rarely-seen coordinates keep large steps. Because ``acc`` only grows,
    the steps eventually become very small (the motivation for RMSprop and Adadelta).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    initial_accumulator_value : float, default 0.1
    epsilon : float, default 1e-7
    **kwargs
        See :class:`Optimizer`.

    Examples
    --------
    First step from acc = 0.1 with g = 3: acc = 9.1, w = 1 − 0.1·3/√9.1000001.

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import Adagrad
    >>> w = dg.Parameter([1.0], dtype="float64")
    >>> w.grad = np.array([3.0])
    >>> Adagrad(learning_rate=0.1).step([w])
    >>> round(float(w.data[0]), 6)
    0.900551
    """

    _default_name = "adagrad"

    def __init__(
        self, learning_rate=0.001, *, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs
    ):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_number(
            initial_accumulator_value, "initial_accumulator_value", low=0.0
        )
        self.epsilon = check_number(epsilon, "epsilon", low=0.0)

    def _slots(self):
        return {"accumulator": self.initial_accumulator_value}

    _kernel = "adagrad"
    _squares_gradients = True

    def _compiled_update(self, kernel, w, g, s, c, decay):
        f = w.dtype.type
        kernel(w, g, s["accumulator"], decay is not None, f(decay or 0.0), f(self.epsilon), f(c[0]))

    def _update(self, w, g, s, a, b, c):
        (lr,) = c
        acc = s["accumulator"]
        np.square(g, out=a)
        np.add(acc, a, out=acc)  # acc += g²
        np.add(acc, self.epsilon, out=a)
        np.sqrt(a, out=a)
        np.multiply(g, lr, out=b)
        np.divide(b, a, out=b)
        np.subtract(w, b, out=w)  # w −= lr·g/√(acc+ε)

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }


class Adadelta(Optimizer):
    """Adadelta: Adagrad's accumulator replaced by moving averages, with unit-correct steps.

    ``Eg`` and ``Ex`` start at 0; every step (ρ = ``rho``)::

        Eg = ρ·Eg + (1−ρ)·g²
        Δ  = −√(Ex + ε) / √(Eg + ε) · g
        Ex = ρ·Ex + (1−ρ)·Δ²
        w  = w + lr·Δ

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
        Keras's default; the original paper has no learning rate (lr = 1.0).
    rho : float, default 0.95
    epsilon : float, default 1e-7
    **kwargs
        See :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import Adadelta
    >>> w = dg.Parameter([1.0], dtype="float64")
    >>> w.grad = np.array([2.0])
    >>> opt = Adadelta(learning_rate=1.0)
    >>> opt.step([w])
    >>> eg = 0.05 * 4.0                                    # Eg after the first step
    >>> bool(np.isclose(w.data[0], 1 - np.sqrt(1e-7) / np.sqrt(eg + 1e-7) * 2.0))
    True
    """

    _default_name = "adadelta"

    def __init__(self, learning_rate=0.001, *, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_number(rho, "rho", low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0.0)

    def _slots(self):
        return {"accumulated_grad": 0.0, "accumulated_delta_var": 0.0}

    def _decays(self):
        return [self.rho]

    _kernel = "adadelta"
    _squares_gradients = True

    def _compiled_update(self, kernel, w, g, s, c, decay):
        f = w.dtype.type
        kernel(w, g, s["accumulated_grad"], s["accumulated_delta_var"], decay is not None,
               f(decay or 0.0), f(self.rho), f(1 - self.rho), f(self.epsilon), f(c[0]))

    def _update(self, w, g, s, a, b, c):
        (lr,) = c
        rho, eps = self.rho, self.epsilon
        eg, ex = s["accumulated_grad"], s["accumulated_delta_var"]
        np.multiply(eg, rho, out=eg)
        np.square(g, out=a)
        np.multiply(a, 1 - rho, out=a)
        np.add(eg, a, out=eg)  # Eg = ρ·Eg + (1−ρ)·g²
        np.add(ex, eps, out=a)
        np.sqrt(a, out=a)
        np.multiply(a, g, out=a)
        np.add(eg, eps, out=b)
        np.sqrt(b, out=b)
        np.divide(a, b, out=a)  # a = −Δ = √(Ex+ε)·g/√(Eg+ε)
        np.multiply(ex, rho, out=ex)
        np.square(a, out=b)
        np.multiply(b, 1 - rho, out=b)
        np.add(ex, b, out=ex)  # Ex = ρ·Ex + (1−ρ)·Δ²
        np.multiply(a, lr, out=a)
        np.subtract(w, a, out=w)  # w += lr·Δ

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop: divide the step by a moving root-mean-square of recent gradients.

    ``s`` (and ``mg``, ``mom``) start at 0; every step (ρ = ``rho``)::

        s   = ρ·s + (1−ρ)·g²
        mg  = ρ·mg + (1−ρ)·g                        (centered only)
        inc = lr·g / √(s + ε)          or  lr·g / √(s − mg² + ε)   (centered)
        w   = w − inc                  or  mom = momentum·mom + inc;  w = w − mom

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 0.001
    rho : float, default 0.9
    momentum : float, default 0.0
    epsilon : float, default 1e-7
    centered : bool, default False
        Normalise by an estimate of the gradient's variance instead of its second moment.
    **kwargs
        See :class:`Optimizer`.

    Examples
    --------
    First step: s = 0.1·g², so the step is lr·g/√(0.1·g² + ε) ≈ lr·√10 for any scale of g.

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import RMSprop
    >>> w = dg.Parameter([0.0, 0.0], dtype="float64")
    >>> w.grad = np.array([0.1, 1000.0])
    >>> RMSprop(learning_rate=0.01).step([w])
    >>> np.round(w.data, 4)
    array([-0.0316, -0.0316])
    """

    _default_name = "rmsprop"

    def __init__(
        self, learning_rate=0.001, *, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs
    ):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_number(rho, "rho", low=0.0, high=1.0, high_open=True)
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0)
        self.epsilon = check_number(epsilon, "epsilon", low=0.0)
        self.centered = check_bool(centered, "centered")

    def _slots(self):
        slots = {"velocity": 0.0}
        if self.momentum > 0:
            slots["momentum"] = 0.0
        if self.centered:
            slots["average_gradient"] = 0.0
        return slots

    def _decays(self):
        return [self.rho, self.momentum]

    _kernel = "rmsprop"
    _squares_gradients = True

    def _compiled_update(self, kernel, w, g, s, c, decay):
        f = w.dtype.type
        velocity = s["velocity"]
        kernel(w, g, velocity, s.get("average_gradient", velocity), s.get("momentum", velocity),
               self.centered, "momentum" in s, decay is not None, f(self.momentum),
               f(decay or 0.0), f(self.rho), f(1 - self.rho), f(self.epsilon), f(c[0]))

    def _update(self, w, g, s, a, b, c):
        (lr,) = c
        rho = self.rho
        vel = s["velocity"]
        np.multiply(vel, rho, out=vel)
        np.square(g, out=a)
        np.multiply(a, 1 - rho, out=a)
        np.add(vel, a, out=vel)  # s = ρ·s + (1−ρ)·g²
        if self.centered:
            mg = s["average_gradient"]
            np.multiply(mg, rho, out=mg)
            np.multiply(g, 1 - rho, out=a)
            np.add(mg, a, out=mg)  # mg = ρ·mg + (1−ρ)·g
            np.square(mg, out=a)
            np.subtract(vel, a, out=a)
            np.add(a, self.epsilon, out=a)
        else:
            np.add(vel, self.epsilon, out=a)
        np.sqrt(a, out=a)
        np.multiply(g, lr, out=b)
        np.divide(b, a, out=b)  # inc
        if "momentum" in s:
            mom = s["momentum"]
            np.multiply(mom, self.momentum, out=mom)
            np.add(mom, b, out=mom)
            np.subtract(w, mom, out=w)
        else:
            np.subtract(w, b, out=w)

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
