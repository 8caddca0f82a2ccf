"""Reading a finished search: the best trials, hyperparameters and models, the results table,
KerasTuner's ``tuner.oracle`` and Optuna's pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common.checks import check_int
from . import report
from .hyperparameters import HyperParameters
from .trial import Trial

__all__ = ["Oracle", "SearchResults", "figure"]


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


class SearchResults:
    """What a :class:`~deepgrad.tuner.Tuner` says of its search, all read back from the study's
    storage (mixed into the Tuner, which gives ``_study``, ``objective``, ``_space`` and
    ``_trial_hyperparameters``)."""

    @property
    def oracle(self):
        """KerasTuner's oracle, as far as reading results goes: ``get_best_trials(n)``."""
        return Oracle(self)

    def _finished_trials(self, num_trials: int) -> list:
        best = []
        for frozen in report.ranked(self._study(), self.objective)[:num_trials]:
            hp = self._trial_hyperparameters(values=frozen.user_attrs["hyperparameters"])
            hp._definitions = {d.name: d for d in self._space}
            hp._values = dict(frozen.user_attrs["hyperparameters"])
            best.append(Trial(frozen, hp, score=frozen.value,
                              best_step=frozen.user_attrs.get("best_epoch"), status="COMPLETED"))
        return best

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        """The hyperparameters of the ``num_trials`` best finished trials, best first."""
        num_trials = check_int(num_trials, "num_trials", minimum=1)
        return [trial.hyperparameters for trial in self._finished_trials(num_trials)]

    def get_best_models(self, num_models: int = 1) -> list:
        """The ``num_models`` best models, best first, with their best epoch's weights, loaded
        from their model files."""
        from ..saving import load_model

        num_models = check_int(num_models, "num_models", minimum=1)
        models = []
        for trial in report.ranked(self._study(), self.objective)[:num_models]:
            path = trial.user_attrs.get("model_path")
            if path is None or not Path(path).exists():
                reason = trial.user_attrs.get("model_not_saved", "its file is missing")
                raise FileNotFoundError(f"trial {trial.number}'s model was not kept ({reason}); "
                                        f"rebuild it with tuner.hypermodel.build(hp) from "
                                        f"get_best_hyperparameters() and train it")
            models.append(load_model(path))
        return models

    def results_summary(self, num_trials: int = 10) -> None:
        """Print the ``num_trials`` best trials as a table, best first."""
        num_trials = check_int(num_trials, "num_trials", minimum=1)
        print(report.results_table(self, self._study(), num_trials))

    # ------------------------------------------------------------------ pictures
    def plot_optimization_history(self):
        """The objective of each trial and the best so far (a matplotlib Figure)."""
        return figure("plot_optimization_history", self._study())

    def plot_param_importances(self):
        """How much each hyperparameter mattered, by Optuna's fANOVA (a matplotlib Figure)."""
        return figure("plot_param_importances", self._study())

    def plot_parallel_coordinate(self):
        """Each trial as a line through its hyperparameters and score (a matplotlib Figure)."""
        return figure("plot_parallel_coordinate", self._study())


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
