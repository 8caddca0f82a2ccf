"""Reading a finished search: KerasTuner's ``tuner.oracle`` and Optuna's pictures."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_int
from .hyperparameters import HyperParameters

__all__ = ["Oracle", "figure"]


class Oracle:
    """The results of a search as KerasTuner's ``tuner.oracle`` gives them."""

    def __init__(self, tuner):
        self.tuner = tuner

    @property
    def objective(self):
        return self.tuner.objective

    def get_best_trials(self, num_trials: int = 1) -> list:
        """The ``num_trials`` best finished trials, best first."""
        return self.tuner._finished_trials(check_int(num_trials, "num_trials", minimum=1))

    def get_space(self) -> HyperParameters:
        """The search space, as a HyperParameters of defaults."""
        hp = self.tuner._trial_hyperparameters()
        hp._definitions = {d.name: d for d in self.tuner._space}
        return hp


def figure(name: str, study):
    """An Optuna matplotlib plot as a Figure (needs the plot extra)."""
    import warnings

    try:
        import optuna.visualization.matplotlib as plots
    except ImportError as error:  # pragma: no cover — matplotlib absent
        raise ImportError('plots need matplotlib: pip install "deepgrad[plot]"') from error
    from optuna.exceptions import ExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ExperimentalWarning)
        axes = getattr(plots, name)(study)
    axes = axes.ravel()[0] if isinstance(axes, np.ndarray) else axes
    return axes.figure
