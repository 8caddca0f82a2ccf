"""The search: KerasTuner's ``Tuner`` surface over an Optuna study.

The tuners (:mod:`deepgrad.tuner.tuners`) differ only in the Optuna sampler and pruner they
choose; everything else is here. ``search`` runs Optuna's own loop (``study.optimize``) over the
trials in this process, or in ``n_jobs`` worker processes sharing the storage. Every result is
read back from the storage, so a search run by other processes or machines reports the same.
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import time
from pathlib import Path

import numpy as np

from ..common.checks import check_bool, check_int, check_path, check_str, describe
from . import report
from .hypermodel import as_hypermodel, checked_build
from .hyperparameters import Definition, HyperParameters
from .objective import as_objective
from .results import SearchResults
from .storage import StorageSpec, recover_abandoned_trials
from .trial import TrialFailed, TrialRunner, run_executions
from .workers import run_workers

__all__ = ["Tuner"]


@contextlib.contextmanager
def _quiet_optuna():
    """Optuna's own per-trial lines off: deepgrad prints its own, a failed trial's included."""
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


class Tuner(SearchResults):
    """A hyperparameter search (use :class:`RandomSearch`, :class:`GridSearch`,
    :class:`BayesianOptimization` or :class:`Hyperband`).

    Parameters
    ----------
    hypermodel : callable or HyperModel
        ``build_model(hp)`` returning a compiled model, or a :class:`HyperModel`. May be None
        in a subclass whose ``run_trial`` builds and trains the model itself.
    objective : str or Objective, optional
        A logged value such as ``"val_accuracy"``; lower-or-higher is inferred from the name.
        None: the number ``HyperModel.fit`` (or ``run_trial``) returns, minimized.
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
    optimizer, loss, metrics : optional
        Compile every model with these, over what ``build_model`` chose (as KerasTuner).

    A subclass may override ``run_trial(self, trial, *args, **kwargs)`` (``trial.hyperparameters``
    holds the trial's values) and call ``super().run_trial(trial, *args, **kwargs)`` with
    ``fit``'s arguments changed, or return its own score.
    """

    _budget_from_space = False  # GridSearch: the grid's size when max_trials is None

    def __init__(self, hypermodel=None, objective=None, max_trials=10, executions_per_trial=1,
                 seed=None, hyperparameters=None, tune_new_entries=True, allow_new_entries=True,
                 directory=".", project_name="untitled_project", overwrite=False, storage=None,
                 max_retries_per_trial=0, max_consecutive_failed_trials=3, optimizer=None,
                 loss=None, metrics=None, tuner_id=None, logger=None, distribution_strategy=None,
                 **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments: {', '.join(kwargs)}")
        if distribution_strategy is not None:
            raise ValueError("distribution_strategy: deepgrad trains data-parallel over MPI "
                             "(fit(..., distributed=True) under mpiexec); the tuner runs trials in "
                             "parallel with search(..., n_jobs=k) or a shared storage= URL")
        overridden = type(self).run_trial is not Tuner.run_trial
        if hypermodel is None and not overridden:
            raise TypeError(f"{type(self).__name__} needs a hypermodel: a function "
                            f"build_model(hp) returning a compiled model, or a HyperModel")
        self.hypermodel = None if hypermodel is None else as_hypermodel(hypermodel)
        self._compile = {k: v for k, v in (("optimizer", optimizer), ("loss", loss),
                                            ("metrics", metrics)) if v is not None}
        self.tuner_id = tuner_id
        self.logger = logger
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
        self._fit_verbose = 0
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
        hp._grid = getattr(self, "_grid", None)
        return hp

    def _build(self, hp):
        """A model for ``hp``, compiled with the tuner's optimizer, loss and metrics if given."""
        needs_compiled = self.hypermodel.fit_is_default and "loss" not in self._compile
        model = checked_build(self.hypermodel, hp, compiled=needs_compiled)
        if self._compile:
            loss, loss_weights, metrics, weighted = model._compile_args or (None,) * 4
            model.compile(optimizer=self._compile.get("optimizer", getattr(model, "optimizer", None)
                                                      or "rmsprop"),
                          loss=self._compile.get("loss", loss), loss_weights=loss_weights,
                          metrics=self._compile.get("metrics", metrics), weighted_metrics=weighted)
        return model

    #: At most this many extra builds look for hyperparameters the defaults do not reach.
    PROBES = 32

    def _populate_space(self) -> list[Definition]:
        """Build once with the defaults, then with other values of the choices and the largest
        value of each Int (a loop's bound), to see the whole space before the search."""
        if self.hypermodel is None:
            return []
        hp = self._trial_hyperparameters()
        self._build(hp)
        definitions = {d.name: d for d in hp.space}
        probes, tried = 0, set()
        for name in list(definitions):
            d = definitions[name]
            values = d.grid()[1:] if d.kind in ("Choice", "Boolean") else (
                [d.max_value] if d.kind == "Int" and d.max_value != d.default else [])
            for value in values:
                if probes >= self.PROBES or (name, value) in tried:
                    break
                tried.add((name, value))
                probes += 1
                probe = self._trial_hyperparameters(values={name: value})
                try:
                    self._build(probe)
                except Exception:  # noqa: BLE001 — a probe that cannot build shows nothing new
                    continue
                for found in probe.space:
                    definitions.setdefault(found.name, found)
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
        else:
            self._check_space(study.user_attrs.get("space", []))
        return study

    def _check_space(self, stored: list) -> None:
        """Refuse to continue a search whose hyperparameters were defined differently."""
        before = {c["name"]: Definition.from_config(c) for c in stored}
        for definition in self._space:
            old = before.get(definition.name)
            if old is not None and old.config() != definition.config():
                raise ValueError(f"the search in {self._spec.describe()} defined "
                                 f"{old.describe()}; now {definition.describe()}. To start "
                                 f"another search, pass overwrite=True or another project_name")

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
        self._fit_verbose = 2 if verbose == 2 else 0
        runner = TrialRunner(self, fit_args, fit_kwargs)
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

    def run_trial(self, trial, *args, **kwargs):
        """Build and train the trial's models (``executions_per_trial``) with ``fit``'s
        arguments; returns the trial's score. Override it to change how a trial trains."""
        return run_executions(self, trial, args, kwargs)

    def _counted(self, study) -> int:
        """Trials that use the budget: all but the queued ones, the repeats of settings already
        scored, and those run again in a new trial (cut off by a dead process, or retried)."""
        import optuna

        waiting = optuna.trial.TrialState.WAITING
        return sum(1 for t in study.get_trials(deepcopy=False)
                   if t.state != waiting and not t.user_attrs.get("abandoned")
                   and not t.user_attrs.get("retried") and "duplicate_of" not in t.user_attrs)

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
            spent = budget is not None and self._counted(study) >= budget
            # repeats of scored settings cost nothing, but a sampler stuck on them must end
            stuck = budget is not None and len(study.trials) >= 10 * budget + 10
            if spent or stuck or report.exhausted(self, study):
                study.stop()

        with _quiet_optuna():
            study.optimize(runner, callbacks=[stop_when_spent], catch=(TrialFailed,),
                           gc_after_trial=True)

    def _run_workers(self, runner: TrialRunner, n_jobs: int) -> None:
        run_workers(self, runner, n_jobs)

    # ------------------------------------------------------------------ while running
    def _say(self, line: str) -> None:
        if self._verbose:
            print(line, flush=True)

    def _report_trial(self, trial, hp, value, seconds, pruned: str = "") -> None:
        if self._verbose:
            self._say(report.trial_line(self, trial, hp, value, seconds, pruned))

    def _duplicate_of(self, hp: HyperParameters, trial):
        """A finished trial with the same hyperparameters, when training draws no more."""
        if not self.hypermodel.fit_is_default or type(self).run_trial is not Tuner.run_trial:
            return None
        for other in report.completed(trial.study):
            if other.user_attrs.get("hyperparameters") == hp.values:
                return other
        return None

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(objective={self.objective.name!r}, "
                f"max_trials={self.max_trials}, project={str(self.project_dir)!r})")
