"""Learning-rate schedules: the learning rate as a function of the optimizer's step count.

Pass one as ``learning_rate=`` to any optimizer; it is evaluated at ``optimizer.iterations``
(0 for the first step), as in Keras 3, whose formulas, argument names and defaults these follow.
"""

from __future__ import annotations

import math
from numbers import Integral

from .common.checks import check_bool, check_number, check_str, describe
from .common.registry import Registry

__all__ = [
    "REGISTRY",
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "deserialize",
    "get",
    "serialize",
]


def _number(name: str, value, positive: bool = False):
    """``value`` checked to be a finite number (> 0 when ``positive``), kept an int when it is
    one, so configs stay as they were written."""
    number = check_number(value, name, low=0 if positive else None, low_open=positive)
    return int(value) if isinstance(value, Integral) else number


def _numbers(name: str, values) -> list:
    """A list (tuple, array) of finite numbers (ints kept ints), each checked as ``name[i]``."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list of numbers; got {describe(values)}")
    return [_number(f"{name}[{i}]", v) for i, v in enumerate(values)]


def _step(step) -> float:
    try:
        return float(step)
    except (TypeError, ValueError):
        raise TypeError(f"a schedule is called with a step number; got {step!r}") from None


class LearningRateSchedule:
    """Base class: ``schedule(step)`` returns the learning rate (a float) for that step.

    Subclasses implement ``__call__`` and ``get_config``; ``from_config(get_config())``
    rebuilds an equal schedule.

    Examples
    --------
    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 * 0.5 ** int(step)
    ...     def get_config(self):
    ...         return {}
    >>> Halving()(3)
    0.0125
    """

    def __call__(self, step) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step)")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must implement get_config()")

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = object.__hash__


class _DecayOverSteps(LearningRateSchedule):
    """Shared by the schedules that decay by ``decay_rate`` per ``decay_steps`` steps: their
    settings, their config, and the progress ``step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = _number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _number("decay_steps", decay_steps, positive=True)
        self.decay_rate = _number("decay_rate", decay_rate)
        self.staircase = check_bool(staircase, "staircase")
        self.name = check_str(name, "name")

    def _progress(self, step) -> float:
        p = _step(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_DecayOverSteps):
    """``initial_learning_rate · decay_rate^(step / decay_steps)``.

    Parameters
    ----------
    initial_learning_rate : float
    decay_steps : int
        > 0. The rate is multiplied by ``decay_rate`` every ``decay_steps`` steps.
    decay_rate : float
    staircase : bool, default False
        Use ``floor(step / decay_steps)``: the rate drops in steps instead of continuously.
    name : str, default "ExponentialDecay"

    Examples
    --------
    >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> s(0), s(10), round(s(5), 6)
    (0.1, 0.05, 0.070711)
    >>> ExponentialDecay(0.1, 10, 0.5, staircase=True)(19)
    0.05
    """

    def __init__(
        self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"
    ):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """Constant on intervals: ``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after ``boundaries[-1]``.

    Parameters
    ----------
    boundaries : list of int
        Strictly increasing.
    values : list of float
        One more than ``boundaries``.
    name : str, default "PiecewiseConstant"

    Examples
    --------
    >>> s = PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001])
    >>> s(0), s(100), s(101), s(200), s(10_000)
    (0.1, 0.1, 0.01, 0.01, 0.001)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        self.boundaries = _numbers("boundaries", boundaries)
        self.values = _numbers("values", values)
        if len(self.boundaries) != len(self.values) - 1:
            raise ValueError(
                f"PiecewiseConstantDecay needs one more value than boundaries; got "
                f"{len(self.boundaries)} boundaries and {len(self.values)} values"
            )
        for i in range(1, len(self.boundaries)):
            if self.boundaries[i] <= self.boundaries[i - 1]:
                raise ValueError(
                    f"boundaries must be strictly increasing; boundaries[{i}]="
                    f"{self.boundaries[i]} <= boundaries[{i - 1}]={self.boundaries[i - 1]}"
                )
        self.name = check_str(name, "name")

    def __call__(self, step) -> float:
        step = _step(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self) -> dict:
        return {"boundaries": list(self.boundaries), "values": list(self.values), "name": self.name}


class InverseTimeDecay(_DecayOverSteps):
    """``initial_learning_rate / (1 + decay_rate · step / decay_steps)``.

    Parameters
    ----------
    initial_learning_rate : float
    decay_steps : float
        > 0.
    decay_rate : float
    staircase : bool, default False
        Use ``floor(step / decay_steps)``.
    name : str, default "InverseTimeDecay"

    Examples
    --------
    >>> s = InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
    >>> s(0), s(2), s(6)
    (0.1, 0.05, 0.025)
    """

    def __init__(
        self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"
    ):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step))


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then half a cosine down to ``alpha`` times the peak.

    Without warmup (``warmup_target=None``), with s = min(step, decay_steps)::

        lr = initial_learning_rate · ((1 − alpha) · ½(1 + cos(π s / decay_steps)) + alpha)

    With ``warmup_target``: for ``step < warmup_steps`` the rate rises linearly from
    ``initial_learning_rate`` to ``warmup_target``; afterwards the decay above runs from
    ``warmup_target`` with ``step − warmup_steps`` (capped at ``decay_steps``).

    Parameters
    ----------
    initial_learning_rate : float
    decay_steps : int
        > 0.
    alpha : float, default 0.0
        Final rate as a fraction of the peak.
    warmup_target : float, optional
    warmup_steps : int, default 0
    name : str, default "CosineDecay"

    Examples
    --------
    >>> s = CosineDecay(0.1, decay_steps=100)
    >>> s(0), round(s(50), 12), s(100), s(500)
    (0.1, 0.05, 0.0, 0.0)
    >>> w = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
    >>> w(5), w(10)
    (0.05, 0.1)
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        self.initial_learning_rate = _number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _number("decay_steps", decay_steps, positive=True)
        self.alpha = _number("alpha", alpha)
        self.name = check_str(name, "name")
        self.warmup_target = None if warmup_target is None else _number("warmup_target", warmup_target)
        steps = check_number(warmup_steps, "warmup_steps", low=0)
        self.warmup_steps = int(warmup_steps) if isinstance(warmup_steps, Integral) else steps

    def _decay(self, step: float, peak: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return peak * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step) -> float:
        step = _step(step)
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            delta = self.warmup_target - self.initial_learning_rate
            return delta * fraction + self.initial_learning_rate
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


#: Canonical snake_case name → class, looked up by any spelling (``"ExponentialDecay"``); the
#: only place schedule classes are looked up by name.
REGISTRY = Registry("learning-rate schedule")
REGISTRY.register("exponential_decay", ExponentialDecay)
REGISTRY.register("piecewise_constant_decay", PiecewiseConstantDecay)
REGISTRY.register("inverse_time_decay", InverseTimeDecay)
REGISTRY.register("cosine_decay", CosineDecay)


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{"class_name": ..., "config": ...}`` for a schedule."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(spec: dict) -> LearningRateSchedule:
    """Rebuild a schedule from :func:`serialize` output."""
    cls, config = REGISTRY.from_config(spec)
    return cls.from_config(config)


def get(identifier) -> LearningRateSchedule:
    """A schedule from a config dict or an instance (schedules have required arguments, so a
    bare name is not enough).

    Examples
    --------
    >>> get({"class_name": "exponential_decay",
    ...      "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}})(10)
    0.05
    """
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return REGISTRY.instance(identifier)  # the built-in schedules raise: they need arguments
    raise TypeError(
        f"a schedule identifier must be a config dict or a LearningRateSchedule; got "
        f"{describe(identifier)}"
    )
