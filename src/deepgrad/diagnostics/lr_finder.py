"""``lr_find``: the learning-rate range test (Smith, 2017), leaving the model as it was.

The model trains for up to ``steps`` batches with a learning rate that grows exponentially from
``start_lr`` to ``end_lr``; the loss, smoothed by a bias-corrected moving average, first falls,
then turns and diverges. A good learning rate lies where it falls fastest. The training is done
by a copy of the model's optimizer on the model's own step (the recorded one ``fit`` uses), and
afterwards every weight, gradient and random generator is restored bitwise; the model's
optimizer is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import data
from ..common.checks import check_number, check_positive_int
from ..common.rng import as_generator
from ..training.inputs import prepare
from ..training.step import make_step
from .snapshot import TrainingState

__all__ = ["LearningRateRange", "lr_find"]


@dataclass
class LearningRateRange:
    """What :func:`lr_find` measured.

    Attributes
    ----------
    learning_rates, losses, smoothed : numpy.ndarray
        Per step: the learning rate, the batch's loss and the smoothed loss.
    suggestion : float
        The learning rate where the smoothed loss fell fastest (per decade of learning rate).
    minimum : float
        The learning rate of the lowest smoothed loss (a tenth of it is the other common pick).
    diverged : bool
        Whether the test stopped because the loss diverged.
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    minimum: float
    diverged: bool

    def __str__(self) -> str:
        return (f"learning-rate range test over {len(self.learning_rates)} steps "
                f"({self.learning_rates[0]:.1e} to {self.learning_rates[-1]:.1e}"
                f"{', stopped when the loss diverged' if self.diverged else ''}): the loss fell "
                f"fastest at {self.suggestion:.2e} (suggested); its lowest point was at "
                f"{self.minimum:.2e}")


def _batches(xs, ys, ws, batch_size, rng):
    """Shuffled batches without end (a new permutation each pass)."""
    n = len(xs[0])
    while True:
        for index in data.batches(n, batch_size, shuffle=True, rng=rng):
            yield (tuple(x[index] for x in xs), tuple(y[index] for y in ys),
                   tuple(None if w is None else w[index] for w in ws))


def _steepest(learning_rates: np.ndarray, smoothed: np.ndarray) -> float:
    """The learning rate where the smoothed loss falls fastest per decade."""
    if len(smoothed) < 3:
        return float(learning_rates[int(np.argmin(smoothed))])
    slope = np.gradient(smoothed, np.log10(learning_rates))
    return float(learning_rates[int(np.argmin(slope))])


def lr_find(model, x, y, sample_weight=None, *, start_lr=1e-7, end_lr=10.0, steps=100,
            batch_size=32, smoothing=0.98, diverge=4.0, seed=None) -> LearningRateRange:
    """Run the learning-rate range test on a compiled model and restore it afterwards.

    Parameters
    ----------
    model : Model
        Compiled; its optimizer's kind and settings are used (on a copy), its weights and
        optimizer are exactly as they were afterwards.
    x, y, sample_weight : array_like
        Training data (as ``fit`` takes them).
    start_lr, end_lr : float
        The first and the last learning rate; the rate grows exponentially between them.
    steps : int, default 100
        Batches to train on at most.
    batch_size : int, default 32
    smoothing : float in [0, 1), default 0.98
        β of the bias-corrected moving average of the loss.
    diverge : float > 1, default 4.0
        Stop when the smoothed loss exceeds this multiple of its lowest value.
    seed : int, optional
        Fixes the order of the batches.

    Returns
    -------
    LearningRateRange

    Examples
    --------
    >>> import deepgrad as dg
    >>> from deepgrad.layers import Dense, Input
    >>> x, y = dg.datasets.make_moons(256, noise=0.1, seed=0)
    >>> model = dg.Sequential([Input((2,)), Dense(16, "relu", seed=0), Dense(1, "sigmoid", seed=1)])
    >>> model.compile("sgd", "binary_crossentropy")
    >>> before = [w.copy() for w in model.get_weights()]
    >>> found = lr_find(model, x, y, steps=60, seed=0)
    >>> 1e-4 < found.suggestion < 10, all((a == b).all() for a, b in zip(before, model.get_weights()))
    (True, True)
    """
    if not getattr(model, "compiled", False):
        raise RuntimeError("lr_find needs a compiled model: call model.compile(optimizer, loss) "
                           "first (the optimizer's kind and settings are used)")
    start_lr = check_number(start_lr, "start_lr", low=0, low_open=True)
    end_lr = check_number(end_lr, "end_lr", low=0, low_open=True)
    if end_lr <= start_lr:
        raise ValueError(f"end_lr must be larger than start_lr ({start_lr:g}); got {end_lr:g}")
    steps = check_positive_int(steps, "steps")
    if steps < 2:
        raise ValueError(f"steps must be at least 2; got {steps}")
    batch_size = check_positive_int(batch_size, "batch_size")
    smoothing = check_number(smoothing, "smoothing", low=0, high=1, high_open=True)
    diverge = check_number(diverge, "diverge", low=1, low_open=True)
    xs, ys, ws = prepare(model, x, y, sample_weight)

    original = model.optimizer
    trial = type(original).from_config(original.get_config())
    state = TrainingState(model)
    model.optimizer = trial
    rates, losses, smoothed = [], [], []
    diverged = False
    try:
        step = make_step(model, model.objective, model.parameters())
        batches = _batches(xs, ys, ws, batch_size, as_generator(seed))
        average, best = 0.0, np.inf
        for k, rate in enumerate(start_lr * (end_lr / start_lr) ** (np.arange(steps) / (steps - 1))):
            trial.learning_rate = float(rate)
            value, _, _ = step.run(*next(batches))
            if not np.isfinite(value):
                diverged = True
                break
            if step.params:
                trial.step(step.params)
            average = smoothing * average + (1 - smoothing) * value
            current = average / (1 - smoothing ** (k + 1))
            rates.append(float(rate))
            losses.append(float(value))
            smoothed.append(current)
            if current > diverge * best:
                diverged = True
                break
            best = min(best, current)
    finally:
        model.optimizer = original
        model._step = None
        state.restore()
    if not rates:
        raise RuntimeError(f"the loss was not finite from the first step at learning rate "
                           f"{start_lr:g}: check the data and the model, or lower start_lr")
    rates_a, smoothed_a = np.asarray(rates), np.asarray(smoothed)
    # the first tenth is the average settling, the last step of a divergence the blow-up
    first = min(max(2, len(rates_a) // 10), max(len(rates_a) - 3, 0))
    last = len(rates_a) - 1 if diverged and len(rates_a) - first > 3 else len(rates_a)
    return LearningRateRange(
        learning_rates=rates_a, losses=np.asarray(losses), smoothed=smoothed_a,
        suggestion=_steepest(rates_a[first:last], smoothed_a[first:last]),
        minimum=float(rates_a[int(np.argmin(smoothed_a))]), diverged=diverged)
