"""The four searches of KerasTuner, each an Optuna sampler (and pruner) under :class:`Tuner`.

=======================  ==============================================================
``RandomSearch``         ``optuna.samplers.RandomSampler``
``GridSearch``           ``optuna.samplers.GridSampler`` over every value of the space
``BayesianOptimization`` ``optuna.samplers.TPESampler`` (or ``GPSampler``, ``sampler="gp"``)
``Hyperband``            ``optuna.pruners.HyperbandPruner`` with TPE: trials report each
                         epoch and the worse ones stop early
=======================  ==============================================================
"""

from __future__ import annotations

import math
import warnings

from ..common.checks import check_choice, check_int
from .tuner import Tuner

__all__ = ["BayesianOptimization", "GridSearch", "Hyperband", "RandomSearch", "hyperband_trials"]


def _quietly(factory, *args, **kwargs):
    """Construct an Optuna object without its "experimental feature" notice."""
    from optuna.exceptions import ExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ExperimentalWarning)
        return factory(*args, **kwargs)


class RandomSearch(Tuner):
    """Each trial's hyperparameters drawn at random (Optuna's ``RandomSampler``).

    >>> import deepgrad as dg, numpy as np, tempfile
    >>> from deepgrad.tuner import RandomSearch
    >>> x = np.random.default_rng(0).normal(size=(64, 3)); y = x.sum(axis=1, keepdims=True)
    >>> def build_model(hp):
    ...     model = dg.Sequential([dg.layers.Input((3,)), dg.layers.Dense(hp.Choice("units", [4, 8])),
    ...                            dg.layers.Dense(1)])
    ...     model.compile(optimizer=dg.optimizers.Adam(hp.Float("lr", 1e-3, 1e-1, sampling="log")),
    ...                   loss="mse")
    ...     return model
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     tuner = RandomSearch(build_model, objective="val_loss", max_trials=3, seed=0,
    ...                          directory=folder, project_name="demo")
    ...     tuner.search(x, y, epochs=2, validation_split=0.25, verbose=0)
    ...     len(tuner.get_best_hyperparameters(3))
    3
    """

    def _sampler(self, seed):
        import optuna

        return optuna.samplers.RandomSampler(seed=seed)


class GridSearch(Tuner):
    """Every combination of the hyperparameters' values, in a shuffled order (Optuna's
    ``GridSampler``). Int ranges step by ``step`` (1 by default); Float ranges need a ``step``.
    ``max_trials`` defaults to the size of the grid."""

    _budget_from_space = True

    def __init__(self, hypermodel=None, objective=None, max_trials=None, seed=None, **kwargs):
        super().__init__(hypermodel, objective, max_trials=max_trials, seed=seed, **kwargs)
        self._grid = {d.name: [round(v, 12) if isinstance(v, float) else v for v in d.grid()]
                      for d in self._space if d.kind != "Fixed"}
        if not self._grid:
            raise ValueError("the search space has no hyperparameter to vary")

    def _budget(self) -> int:
        size = math.prod(len(values) for values in self._grid.values())
        return size if self.max_trials is None else min(size, self.max_trials)

    def _sampler(self, seed):
        import optuna

        return optuna.samplers.GridSampler(self._grid, seed=seed)


class BayesianOptimization(Tuner):
    """Trials drawn where the model of the results so far expects the best: Optuna's
    Tree-structured Parzen Estimator (``sampler="tpe"``, the default) or its Gaussian-process
    sampler (``sampler="gp"``, needs PyTorch and SciPy). The first ``num_initial_points``
    trials (default three per hyperparameter) are random."""

    def __init__(self, hypermodel=None, objective=None, max_trials=10, num_initial_points=None,
                 alpha=1e-4, beta=2.6, seed=None, sampler="tpe", **kwargs):
        if (alpha, beta) != (1e-4, 2.6):
            raise ValueError("alpha and beta tune KerasTuner's own Gaussian process; Optuna's "
                             "samplers set theirs: leave them out (sampler='gp' for a Gaussian "
                             "process)")
        self.num_initial_points = None if num_initial_points is None else check_int(
            num_initial_points, "num_initial_points", minimum=0)
        self.sampler_name = check_choice(sampler, "sampler", ("tpe", "gp"))
        super().__init__(hypermodel, objective, max_trials=max_trials, seed=seed, **kwargs)

    def _sampler(self, seed):
        import optuna

        startup = self.num_initial_points
        if startup is None:
            startup = max(2, 3 * len([d for d in self._space if d.kind != "Fixed"]))
        if self.sampler_name == "gp":
            try:
                import scipy  # noqa: F401
                import torch  # noqa: F401
            except ImportError as error:
                raise ImportError("sampler='gp' uses Optuna's GPSampler, which needs PyTorch and "
                                  "SciPy: pip install torch scipy (or use sampler='tpe')") from error
            return _quietly(optuna.samplers.GPSampler, seed=seed, n_startup_trials=startup)
        return _quietly(optuna.samplers.TPESampler, seed=seed, n_startup_trials=startup,
                        constant_liar=True)


def hyperband_trials(max_epochs: int, factor: int, iterations: int) -> int:
    """How many models one Hyperband run of KerasTuner's trains: one bracket per
    ``s = s_max ... 0``, each starting ``ceil((s_max + 1) / (s + 1) · factor**s)`` models.

    >>> hyperband_trials(10, 3, 1)
    17
    """
    s_max = int(math.floor(math.log(max_epochs) / math.log(factor) + 1e-9))
    return iterations * sum(math.ceil((s_max + 1) / (s + 1) * factor ** s)
                            for s in range(s_max + 1))


class Hyperband(Tuner):
    """Many models, each trained up to ``max_epochs``; at each rung the worse of those at the
    same epoch are stopped (Optuna's ``HyperbandPruner``, reduction ``factor``), with TPE
    choosing the hyperparameters. The epochs given to ``search`` are replaced by
    ``max_epochs``. ``max_trials`` defaults to the number of models KerasTuner's Hyperband
    trains for ``hyperband_iterations`` runs."""

    def __init__(self, hypermodel=None, objective=None, max_epochs=100, factor=3,
                 hyperband_iterations=1, seed=None, max_trials=None, **kwargs):
        self.max_epochs = check_int(max_epochs, "max_epochs", minimum=1)
        self.factor = check_int(factor, "factor", minimum=2)
        self.hyperband_iterations = check_int(hyperband_iterations, "hyperband_iterations",
                                              minimum=1)
        if max_trials is None:
            max_trials = hyperband_trials(self.max_epochs, self.factor, self.hyperband_iterations)
        super().__init__(hypermodel, objective, max_trials=max_trials, seed=seed, **kwargs)

    def _sampler(self, seed):
        import optuna

        return _quietly(optuna.samplers.TPESampler, seed=seed, constant_liar=True)

    def _pruner(self):
        import optuna

        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=self.max_epochs,
                                              reduction_factor=self.factor)

    def _fit_kwargs(self, fit_kwargs: dict) -> dict:
        fit_kwargs = super()._fit_kwargs(fit_kwargs)
        return {**fit_kwargs, "epochs": self.max_epochs}

