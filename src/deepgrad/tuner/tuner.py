"""The search: KerasTuner's ``Tuner`` surface over an Optuna study.

The tuners (:mod:`deepgrad.tuner.tuners`) differ only in the Optuna sampler and pruner they
choose; everything else is here. ``search`` runs Optuna's own loop (``study.optimize``) over the
trials in this process, or in ``n_jobs`` worker processes sharing the storage. Every result is
read back from the storage, so a search run by other processes or machines reports the same.
"""

from __future__ import annotations

import contextlib
import copy
import multiprocessing
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from ..common.checks import check_bool, check_int, check_path, check_str, describe
from . import report
from .hypermodel import as_hypermodel, checked_build
from .hyperparameters import Definition, HyperParameters
from .objective import as_objective
from .storage import StorageSpec, recover_abandoned_trials
from .trial import TrialFailed, TrialRunner

__all__ = ["Tuner"]


@contextlib.contextmanager
def _quiet_optuna():
    """Optuna's own per-trial log lines off (deepgrad prints its own), its warnings kept."""
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


class Tuner:
    """A hyperparameter search (use :class:`RandomSearch`, :class:`GridSearch`,
    :class:`BayesianOptimization` or :class:`Hyperband`).

    Parameters
    ----------
    hypermodel : callable or HyperModel
        ``build_model(hp)`` returning a compiled model, or a :class:`HyperModel`.
    objective : str or Objective
        A logged value such as ``"val_accuracy"``; lower-or-higher is inferred from the name.
    max_trials : int
        How many trials the search runs in all, counting those run before a restart and by
        other processes.
    executions_per_trial : int, default 1
        Models trained per trial; the trial's score is their mean.
    seed : int, optional
        Seeds the sampler and each trial's model initialization.
    hyperparameters : HyperParameters, optional
        Definitions that replace ``build_model``'s (a narrower range, a Fixed value).
    tune_new_entries, allow_new_entries : bool, default True
        Whether hyperparameters not in ``hyperparameters`` are searched (else: their default)
        or allowed at all.
    directory, project_name : str
        The search lives in ``directory/project_name``: its journal and each trial's model.
    overwrite : bool, default False
        Start afresh, deleting ``directory/project_name`` (or the study in ``storage``).
        Without it a search started again with the same arguments continues.
    storage : str, optional
        An Optuna storage URL (``"sqlite:///search.db"``, ``"postgresql://..."``) instead of the
        journal, for processes on several machines to share one search.
    max_retries_per_trial : int, default 0
        A trial that raises is run again with the same hyperparameters up to this many times.
    max_consecutive_failed_trials : int, default 3
        The search stops with an error after that many trials in a row fail.
    """

    _budget_from_space = False  # GridSearch: the grid's size when max_trials is None

    def __init__(self, hypermodel, objective=None, max_trials=10, executions_per_trial=1,
                 seed=None, hyperparameters=None, tune_new_entries=True, allow_new_entries=True,
                 directory=".", project_name="untitled_project", overwrite=False, storage=None,
                 max_retries_per_trial=0, max_consecutive_failed_trials=3, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments: {', '.join(kwargs)}")
        self.hypermodel = as_hypermodel(hypermodel)
        if objective is None:
            raise TypeError(f"{type(self).__name__} needs objective=, a logged value to "
                            f"optimize such as 'val_accuracy' or 'val_loss'")
        self.objective = as_objective(objective)
        if max_trials is None and not self._budget_from_space:
            raise TypeError(f"{type(self).__name__} needs max_trials, the number of trials to run")
        self.max_trials = None if max_trials is None else check_int(max_trials, "max_trials", minimum=1)
        self.executions_per_trial = check_int(executions_per_trial, "executions_per_trial", minimum=1)
        self.seed = None if seed is None else check_int(seed, "seed", minimum=0)
        if hyperparameters is not None and not isinstance(hyperparameters, HyperParameters):
            raise TypeError(f"hyperparameters must be a HyperParameters; got {describe(hyperparameters)}")
        self._preset = hyperparameters
        self.tune_new_entries = check_bool(tune_new_entries, "tune_new_entries")
        self.allow_new_entries = check_bool(allow_new_entries, "allow_new_entries")
        self.max_retries_per_trial = check_int(max_retries_per_trial, "max_retries_per_trial", minimum=0)
        self.max_consecutive_failed_trials = check_int(max_consecutive_failed_trials,
                                                       "max_consecutive_failed_trials", minimum=1)
        self.directory = check_path(directory, "directory")
        self.project_name = check_str(project_name, "project_name")
        if os.sep in self.project_name or self.project_name in ("", ".", ".."):
            raise ValueError(f"project_name must be a plain name, not a path; got {project_name!r}")
        self.project_dir = Path(self.directory) / self.project_name
        self._spec = StorageSpec(self.project_dir,
                                 None if storage is None else check_str(storage, "storage"))
        self._verbose = 1
        self._total = None
        self._space = self._populate_space()
        if check_bool(overwrite, "overwrite"):
            self._delete()

    # ------------------------------------------------------------------ the space
    def _trial_hyperparameters(self, trial=None, values=None) -> HyperParameters:
        hp = HyperParameters(values)
        hp._trial = trial
        hp._preset = self._preset
        hp._tune_new = self.tune_new_entries
        hp._allow_new = self.allow_new_entries
        return hp

    def _populate_space(self) -> list[Definition]:
        """Build once with the defaults, then once per other value of each choice that a
        conditional scope depends on, to see the whole space before the search."""
        hp = self._trial_hyperparameters()
        checked_build(self.hypermodel, hp)
        definitions = {d.name: d for d in hp.space}
        parents = {p for d in definitions.values() for p, _ in d.conditions}
        for name in sorted(parents):
            parent = definitions[name]
            for value in parent.grid()[1:] if parent.kind in ("Choice", "Boolean") else []:
                probe = self._trial_hyperparameters(values={name: value})
                checked_build(self.hypermodel, probe)
                for d in probe.space:
                    definitions.setdefault(d.name, d)
        return list(definitions.values())

    def search_space_summary(self, extended: bool = False) -> None:
        """Print the hyperparameters and their ranges."""
        print(report.space_summary(self._space))

    # ------------------------------------------------------------------ Optuna pieces
    def _sampler(self, seed):
        raise NotImplementedError

    def _pruner(self):
        import optuna

        return optuna.pruners.NopPruner()

    def _budget(self) -> int | None:
        return self.max_trials

    def _study(self, seed=None):
        """The Optuna study of this search, created on first use."""
        import optuna

        with _quiet_optuna():
            study = optuna.create_study(
                storage=self._spec.open(), study_name=self.project_name,
                sampler=self._sampler(seed), pruner=self._pruner(),
                direction=self.objective.optuna_direction, load_if_exists=True)
        stored = study.user_attrs.get("objective")
        if stored is None:
            study.set_user_attr("objective", [self.objective.name, self.objective.direction])
            study.set_user_attr("space", [d.config() for d in self._space])
        elif stored != [self.objective.name, self.objective.direction]:
            raise ValueError(f"the search in {self._spec.describe()} optimizes {stored[0]} "
                             f"({stored[1]}); to start another, pass overwrite=True or another "
                             f"project_name")
        return study

    @property
    def study(self):
        """The ``optuna.Study`` holding every trial (read it, plot it, analyse it)."""
        return self._study()

    def _delete(self) -> None:
        if self._spec.url is not None:
            import optuna

            with contextlib.suppress(KeyError):
                optuna.delete_study(study_name=self.project_name, storage=self._spec.open())
        if self.project_dir.is_dir():
            shutil.rmtree(self.project_dir)

    # ------------------------------------------------------------------ searching
    def search(self, *fit_args, n_jobs=1, verbose=1, **fit_kwargs):
        """Run trials until ``max_trials`` have run; arguments are ``fit``'s (``x``, ``y``,
        ``epochs``, ``validation_data``, ``callbacks``...).

        ``n_jobs`` worker processes (``-1``: one per CPU core) share the storage. ``verbose``:
        0 silent, 1 a line per trial (default), 2 also ``fit``'s line per epoch.
        """
        n_jobs = os.cpu_count() or 1 if n_jobs == -1 else check_int(n_jobs, "n_jobs", minimum=1)
        self._verbose = check_int(verbose, "verbose", minimum=0, maximum=2)
        fit_kwargs = self._fit_kwargs(fit_kwargs)
        runner = TrialRunner(self, fit_args, fit_kwargs, fit_verbose=2 if verbose == 2 else 0)
        started = time.perf_counter()
        if n_jobs == 1:
            self._work(runner, worker=0)
        else:
            self._run_workers(runner, n_jobs)
        if self._verbose:
            self._say(report.search_done(self, time.perf_counter() - started))

    def _fit_kwargs(self, fit_kwargs: dict) -> dict:
        callbacks = fit_kwargs.get("callbacks")
        if callbacks is not None:
            if not isinstance(callbacks, (list, tuple)):
                raise TypeError(f"callbacks must be a list of callbacks; got {describe(callbacks)}")
            try:
                copy.deepcopy(callbacks)
            except Exception as error:
                raise TypeError(f"callbacks are copied for each trial, and one cannot be: "
                                f"{error}") from error
        return fit_kwargs

    def _counted(self, study) -> int:
        """Trials that use the budget: all but the queued ones and those run again in a new
        trial (cut off by a dead process, or failed and retried)."""
        import optuna

        waiting = optuna.trial.TrialState.WAITING
        return sum(1 for t in study.get_trials(deepcopy=False)
                   if t.state != waiting and not t.user_attrs.get("abandoned")
                   and not t.user_attrs.get("retried"))

    def _work(self, runner: TrialRunner, worker: int) -> None:
        """One process's part of the search: trials until the budget is spent."""
        existing = self._study()
        recover_abandoned_trials(existing)
        seed = None if self.seed is None else int(np.random.SeedSequence(
            [self.seed, worker, len(existing.trials)]).generate_state(1)[0])
        study = self._study(seed)
        budget = self._budget()
        self._total = budget
        if budget is not None and self._counted(study) >= budget:
            return

        def stop_when_spent(study, trial):
            if (budget is not None and self._counted(study) >= budget) or report.exhausted(self, study):
                study.stop()

        with _quiet_optuna():
            study.optimize(runner, callbacks=[stop_when_spent], catch=(TrialFailed,),
                           gc_after_trial=True)

    def _run_workers(self, runner: TrialRunner, n_jobs: int) -> None:
        context = multiprocessing.get_context("fork")
        pipes, processes = [], []
        for worker in range(n_jobs):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_worker_main, args=(self, runner, worker, send))
            process.start()
            send.close()
            pipes.append(receive)
            processes.append(process)
        errors = []
        for worker, (process, pipe) in enumerate(zip(processes, pipes)):
            try:
                message = pipe.recv()
            except EOFError:  # the worker died before it could say
                message = None
            process.join()
            if message is not None:
                errors.append(f"worker {worker}: {message}")
            elif process.exitcode != 0:
                errors.append(f"worker {worker} ended with exit code {process.exitcode}")
        if errors:
            raise RuntimeError("the search's workers failed:\n" + "\n".join(errors))

    # ------------------------------------------------------------------ while running
    def _say(self, line: str) -> None:
        if self._verbose:
            print(line, flush=True)

    def _report_trial(self, trial, hp, value, seconds, pruned: str = "") -> None:
        if self._verbose:
            self._say(report.trial_line(self, trial, hp, value, seconds, pruned))

    def _duplicate_of(self, hp: HyperParameters, trial):
        """A finished trial with the same hyperparameters, when training draws no more."""
        if not self.hypermodel.fit_is_default:
            return None
        for other in report.completed(trial.study):
            if other.user_attrs.get("hyperparameters") == hp.values:
                return other
        return None

    # ------------------------------------------------------------------ results
    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        """The hyperparameters of the ``num_trials`` best finished trials, best first."""
        num_trials = check_int(num_trials, "num_trials", minimum=1)
        best = []
        for trial in report.ranked(self._study(), self.objective)[:num_trials]:
            hp = self._trial_hyperparameters(values=trial.user_attrs["hyperparameters"])
            hp._definitions = {d.name: d for d in self._space}
            hp._values = dict(trial.user_attrs["hyperparameters"])
            best.append(hp)
        return best

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
        return _figure("plot_optimization_history", self._study())

    def plot_param_importances(self):
        """How much each hyperparameter mattered, by Optuna's fANOVA (a matplotlib Figure)."""
        return _figure("plot_param_importances", self._study())

    def plot_parallel_coordinate(self):
        """Each trial as a line through its hyperparameters and score (a matplotlib Figure)."""
        return _figure("plot_parallel_coordinate", self._study())

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(objective={self.objective.name!r}, "
                f"max_trials={self.max_trials}, project={str(self.project_dir)!r})")


def _figure(name: str, study):
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


def _worker_main(tuner: Tuner, runner: TrialRunner, worker: int, pipe) -> None:
    """A forked worker: its part of the search, its error (if any) sent to the parent."""
    try:
        tuner._work(runner, worker)
        pipe.send(None)
    except BaseException as error:  # noqa: BLE001 — reported to the parent, which raises
        pipe.send(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    finally:
        pipe.close()
        sys.stdout.flush()
        os._exit(0)
