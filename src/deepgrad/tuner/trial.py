"""One trial: build the model from the trial's hyperparameters, train it (once per execution),
score it, keep the best epoch's weights in a model file.

:class:`TrialRunner` is Optuna's objective function: it wraps Optuna's trial in a :class:`Trial`
(KerasTuner's: ``trial.hyperparameters``, ``trial.trial_id``) and calls the tuner's
``run_trial(trial, *fit_args, **fit_kwargs)`` — which a subclass may override, as KerasTuner's
users do to tune ``fit``'s arguments — then turns what it returns into the trial's score.

The default ``run_trial`` (:func:`run_executions`): the score is the objective's best epoch
value, averaged over the executions (or what ``HyperModel.fit`` returned: a number, or a dict
holding the objective). Each epoch's value of the first execution is reported to Optuna, so a
pruner (Hyperband's) can stop a trial doing worse than others at the same epoch; the trial then
ends as pruned. The model file holds the best execution's weights as they were at its best
epoch, in deepgrad's safe file format under ``directory/project_name/trial_NNNN/`` (trials
counted from 1).
"""

from __future__ import annotations

import copy
import math
import numbers
import time
from pathlib import Path

import numpy as np

from ..callbacks import Callback, History
from ..common.rng import set_seed
from ..saving import save_model
from .hypermodel import BuildError
from .objective import ObjectiveError

__all__ = ["EpochTracker", "Trial", "TrialFailed", "TrialRunner", "model_path", "run_executions"]


def model_path(project_dir: Path, number: int) -> Path:
    """Where the model file of trial ``number`` (counted from 0 as Optuna does; shown counted
    from 1) lives."""
    return Path(project_dir) / f"trial_{number + 1:04d}" / "model.safetensors"


class Trial:
    """A trial as KerasTuner shows it: ``hyperparameters``, ``trial_id``, ``score``,
    ``best_step``, ``status``; ``optuna_trial`` is Optuna's."""

    def __init__(self, optuna_trial, hyperparameters, score=None, best_step=None,
                 status="RUNNING"):
        self.optuna_trial = optuna_trial
        self.hyperparameters = hyperparameters
        self.number = optuna_trial.number
        self.trial_id = f"{self.number + 1:04d}"
        self.score = score
        self.best_step = best_step
        self.status = status

    def __repr__(self) -> str:
        return (f"Trial(trial_id={self.trial_id!r}, score={self.score}, status={self.status!r}, "
                f"hyperparameters={self.hyperparameters.values!r})")


class EpochTracker(Callback):
    """Follows the objective epoch by epoch: keeps the best value and the weights it came with,
    reports each value to the Optuna trial and stops training when the pruner says so. An
    epoch that does not log the objective (a ``fit`` that returns its own score) is skipped."""

    def __init__(self, objective, trial=None):
        super().__init__()
        self.objective = objective
        self.trial = trial
        self.best = None
        self.best_epoch = None
        self.best_weights = None
        self.epochs = 0
        self.logged = ()
        self.pruned = False

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs, self.logged = epoch + 1, tuple(logs)
        if self.objective.name not in logs:
            return
        value = float(logs[self.objective.name])
        if not math.isnan(value) and self.objective.better(value, self.best):
            self.best, self.best_epoch = value, epoch
            self.best_weights = [w.copy() for w in self.model.get_weights()]
        if self.trial is not None:
            self.trial.report(value, epoch + 1)
            last = epoch + 1 >= (getattr(self, "params", None) or {}).get("epochs", math.inf)
            if not last and self.trial.should_prune():  # a finished run is kept, not pruned
                self.pruned = True
                self.model.stop_training = True


class TrialFailed(Exception):
    """A trial that raised: recorded as failed, and the search goes on."""


def score_of(result, objective, tracker=None) -> float | None:
    """A trial's or an execution's score from what ``fit`` or ``run_trial`` returned: a
    number, a dict holding the objective, a History (its best epoch), a list of those (their
    mean); None when it says nothing (then the tracker's best epoch counts)."""
    if isinstance(result, numbers.Real) or (isinstance(result, np.ndarray) and result.ndim == 0):
        return float(result)
    if isinstance(result, dict):
        return objective.value(result)
    if isinstance(result, History):
        values = [v for v in result.history.get(objective.name, []) if not math.isnan(v)]
        return objective.best(values) if values else None
    if isinstance(result, (list, tuple)) and result:
        scores = [score_of(r, objective) for r in result]
        return None if None in scores else sum(scores) / len(scores)
    return None


def run_executions(tuner, trial: Trial, fit_args: tuple, fit_kwargs: dict) -> float:
    """KerasTuner's ``run_trial``: build and train ``executions_per_trial`` models, keep the best
    one's file, return the mean score."""
    import optuna

    hp, objective = trial.hyperparameters, tuner.objective
    optuna_trial = trial.optuna_trial
    scores, best_score = [], None
    for execution in range(tuner.executions_per_trial):
        if tuner.seed is not None:
            set_seed(tuner.seed + 1000 * trial.number + execution)
        model = tuner._build(hp)
        if execution == 0:
            duplicate = tuner._duplicate_of(hp, optuna_trial)
            if duplicate is not None:
                optuna_trial.set_user_attr("duplicate_of", duplicate.number)
                trial.best_step = duplicate.user_attrs.get("best_epoch")
                return duplicate.value
        tracker = EpochTracker(objective, optuna_trial if execution == 0 else None)
        kwargs = dict(fit_kwargs)
        kwargs["callbacks"] = [*copy.deepcopy(fit_kwargs.get("callbacks") or []), tracker]
        kwargs.setdefault("verbose", tuner._fit_verbose)
        result = tuner.hypermodel.fit(hp, model, *fit_args, **kwargs)
        if tracker.pruned:
            raise optuna.TrialPruned(f"pruned after epoch {tracker.epochs}")
        score = score_of(result, objective)
        if score is None:
            score = tracker.best
        if score is None:
            raise _no_score(objective, tracker)
        scores.append(score)
        if objective.better(score, best_score):
            best_score, trial.best_step = score, tracker.best_epoch
            if tracker.best_weights is not None:
                model.set_weights(tracker.best_weights)
            _save(tuner, model, optuna_trial)
        del model, tracker
    return sum(scores) / len(scores)


def _no_score(objective, tracker) -> Exception:
    if objective.from_fit:
        return ObjectiveError("with no objective given, HyperModel.fit must return the score to "
                              "minimize as a number; or pass objective='val_loss' (any logged "
                              "value) to score the trials by it")
    if tracker.epochs == 0:
        return ObjectiveError("the model trained no epoch, so the objective was never logged "
                              "(did HyperModel.fit call model.fit with the callbacks it was given?)")
    if objective.name in tracker.logged:
        return FloatingPointError(f"objective {objective.name!r} was NaN in every epoch "
                                  f"(training diverged)")
    try:
        objective.value(dict.fromkeys(tracker.logged, 0.0))
    except ObjectiveError as error:
        return error
    return ObjectiveError(f"objective {objective.name!r} was not logged")  # pragma: no cover


def _save(tuner, model, optuna_trial) -> None:
    path = model_path(tuner.project_dir, optuna_trial.number)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_model(model, path)
    except (TypeError, ValueError) as error:  # a model that cannot be saved (a Lambda...)
        optuna_trial.set_user_attr("model_not_saved", str(error))
        return
    optuna_trial.set_user_attr("model_path", str(path))


class TrialRunner:
    """Optuna's objective function for one search: the pieces ``search`` was given, fixed for
    its duration."""

    def __init__(self, tuner, fit_args: tuple, fit_kwargs: dict):
        self.tuner = tuner
        self.fit_args = fit_args
        self.fit_kwargs = fit_kwargs
        self.consecutive_failures = 0

    def __call__(self, optuna_trial) -> float:
        import optuna

        from .storage import owner

        tuner = self.tuner
        for key, value in owner().items():
            optuna_trial.set_user_attr(key, value)
        hp = tuner._trial_hyperparameters(optuna_trial)
        trial = Trial(optuna_trial, hp)
        started = time.perf_counter()
        try:
            result = tuner.run_trial(trial, *self.fit_args, **self.fit_kwargs)
            value = score_of(result, tuner.objective)
            if value is None:
                raise ObjectiveError(f"run_trial returned {type(result).__name__}: return the "
                                     f"score, a dict holding {tuner.objective.name!r} or the "
                                     f"History")
        except optuna.TrialPruned as pruned:
            self._finish(optuna_trial, hp, started, pruned=str(pruned))
            raise
        except (ObjectiveError, BuildError):  # the search's set-up is wrong: stop it
            raise
        except Exception as error:  # noqa: BLE001 — recorded with the trial, search goes on
            self._failed(optuna_trial, hp, error)
        self.consecutive_failures = 0
        optuna_trial.set_user_attr("best_epoch", trial.best_step)
        self._finish(optuna_trial, hp, started, value=value)
        return value

    def _finish(self, optuna_trial, hp, started, value=None, pruned=""):
        seconds = time.perf_counter() - started
        optuna_trial.set_user_attr("hyperparameters", hp.values)
        optuna_trial.set_user_attr("seconds", seconds)
        self.tuner._report_trial(optuna_trial, hp, value, seconds, pruned)

    def _failed(self, optuna_trial, hp, error):
        optuna_trial.set_user_attr("hyperparameters", hp.values)
        optuna_trial.set_user_attr("error", f"{type(error).__name__}: {error}")
        retries = optuna_trial.user_attrs.get("retries", 0)
        again = retries < self.tuner.max_retries_per_trial and bool(optuna_trial.params)
        if again:  # the same hyperparameters once more, in place of this trial
            optuna_trial.set_user_attr("retried", True)
            optuna_trial.study.enqueue_trial(optuna_trial.params,
                                             user_attrs={"retries": retries + 1})
        else:  # only a trial out of retries counts as a failure in a row
            self.consecutive_failures += 1
        self.tuner._say(f"Trial {optuna_trial.number + 1} failed: {type(error).__name__}: "
                        f"{error}" + ("; it will be tried again" if again else ""))
        if self.consecutive_failures >= self.tuner.max_consecutive_failed_trials:
            raise RuntimeError(f"{self.consecutive_failures} trials in a row failed; the last "
                               f"with {type(error).__name__}: {error}") from error
        raise TrialFailed(str(error)) from error

