"""One trial: build the model from the trial's hyperparameters, train it (once per execution),
score it, keep the best epoch's weights in a model file.

A trial's score is the objective's best epoch value, averaged over the executions. Each epoch's
value of the first execution is reported to Optuna, so a pruner (Hyperband's) can stop a trial
that is doing worse than others at the same epoch; the trial then ends as pruned. The model file
holds the best execution's weights as they were at its best epoch, saved in deepgrad's safe file
format under ``directory/project_name/trial_NNNN/`` (trials counted from 1).
"""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path

from ..callbacks import Callback
from ..common.rng import set_seed
from ..saving import save_model
from .hypermodel import BuildError, checked_build
from .hyperparameters import HyperParameters
from .objective import ObjectiveError

__all__ = ["EpochTracker", "TrialRunner", "model_path"]


def model_path(project_dir: Path, number: int) -> Path:
    """Where the model file of trial ``number`` (counted from 0 as Optuna does; shown counted
    from 1) lives."""
    return Path(project_dir) / f"trial_{number + 1:04d}" / "model.safetensors"


class EpochTracker(Callback):
    """Follows the objective epoch by epoch: keeps the best value and the weights it came with,
    reports each value to the Optuna trial and stops training when the pruner says so."""

    def __init__(self, objective, trial=None):
        super().__init__()
        self.objective = objective
        self.trial = trial
        self.best = None
        self.best_epoch = None
        self.best_weights = None
        self.epochs = 0
        self.pruned = False

    def on_epoch_end(self, epoch, logs=None):
        value = self.objective.value(logs or {})
        self.epochs = epoch + 1
        if not math.isnan(value) and self.objective.better(value, self.best):
            self.best, self.best_epoch = value, epoch
            self.best_weights = [w.copy() for w in self.model.get_weights()]
        if self.trial is not None:
            self.trial.report(value, epoch + 1)
            last = epoch + 1 >= (getattr(self, "params", None) or {}).get("epochs", float("inf"))
            if not last and self.trial.should_prune():  # a finished run is kept, not pruned
                self.pruned = True
                self.model.stop_training = True


class TrialFailed(Exception):
    """A trial that raised: recorded as failed, and the search goes on."""


class TrialRunner:
    """Runs trials of one search: the pieces ``search`` was given, fixed for its duration."""

    def __init__(self, tuner, fit_args: tuple, fit_kwargs: dict, fit_verbose: int):
        self.tuner = tuner
        self.fit_args = fit_args
        self.fit_kwargs = fit_kwargs
        self.fit_verbose = fit_verbose
        self.consecutive_failures = 0

    def __call__(self, trial) -> float:
        """Optuna's objective function."""
        import optuna

        from .storage import owner

        tuner = self.tuner
        for key, value in owner().items():
            trial.set_user_attr(key, value)
        hp = tuner._trial_hyperparameters(trial)
        started = time.perf_counter()
        try:
            value, best = self._run(trial, hp)
        except optuna.TrialPruned as pruned:
            trial.set_user_attr("hyperparameters", hp.values)
            trial.set_user_attr("seconds", time.perf_counter() - started)
            tuner._report_trial(trial, hp, None, time.perf_counter() - started, str(pruned))
            raise
        except (ObjectiveError, BuildError):  # the search's set-up is wrong: stop it
            raise
        except Exception as error:  # noqa: BLE001 — recorded with the trial, search goes on
            self._failed(trial, hp, error)
        self.consecutive_failures = 0
        seconds = time.perf_counter() - started
        trial.set_user_attr("hyperparameters", hp.values)
        trial.set_user_attr("seconds", seconds)
        trial.set_user_attr("best_epoch", best)
        tuner._report_trial(trial, hp, value, seconds)
        return value

    def _failed(self, trial, hp, error):
        self.consecutive_failures += 1
        trial.set_user_attr("hyperparameters", hp.values)
        trial.set_user_attr("error", f"{type(error).__name__}: {error}")
        retries = trial.user_attrs.get("retries", 0)
        again = retries < self.tuner.max_retries_per_trial and bool(trial.params)
        if again:  # the same hyperparameters once more, in place of this trial
            trial.set_user_attr("retried", True)
            trial.study.enqueue_trial(trial.params, user_attrs={"retries": retries + 1})
        self.tuner._say(f"Trial {trial.number + 1} failed: {type(error).__name__}: {error}"
                        + ("; it will be tried again" if again else ""))
        if self.consecutive_failures >= self.tuner.max_consecutive_failed_trials:
            raise RuntimeError(f"{self.consecutive_failures} trials in a row failed; the last "
                               f"with {type(error).__name__}: {error}") from error
        raise TrialFailed(str(error)) from error

    def _run(self, trial, hp: HyperParameters):
        """Train each execution; return the trial's score and its best epoch."""
        import optuna

        tuner = self.tuner
        objective = tuner.objective
        scores, best_score, best_epoch = [], None, None
        for execution in range(tuner.executions_per_trial):
            if tuner.seed is not None:
                set_seed(tuner.seed + 1000 * trial.number + execution)
            model = checked_build(tuner.hypermodel, hp)
            if execution == 0:
                duplicate = tuner._duplicate_of(hp, trial)
                if duplicate is not None:
                    trial.set_user_attr("duplicate_of", duplicate.number)
                    return duplicate.value, duplicate.user_attrs.get("best_epoch")
            tracker = EpochTracker(objective, trial if execution == 0 else None)
            kwargs = dict(self.fit_kwargs)
            kwargs["callbacks"] = [*copy.deepcopy(self.fit_kwargs.get("callbacks") or []), tracker]
            kwargs.setdefault("verbose", self.fit_verbose)
            result = tuner.hypermodel.fit(hp, model, *self.fit_args, **kwargs)
            if tracker.pruned:
                raise optuna.TrialPruned(f"pruned after epoch {tracker.epochs}")
            score = self._score(result, tracker)
            scores.append(score)
            if objective.better(score, best_score):
                best_score, best_epoch = score, tracker.best_epoch
                if tracker.best_weights is not None:
                    model.set_weights(tracker.best_weights)
                self._save(model, trial)
            del model, tracker
        return sum(scores) / len(scores), best_epoch

    def _score(self, result, tracker: EpochTracker) -> float:
        """The objective's value for one execution: what ``fit`` returned, or the best epoch."""
        objective = self.tuner.objective
        if isinstance(result, (int, float)) and not isinstance(result, bool):
            return float(result)
        if isinstance(result, dict):
            return objective.value(result)
        if tracker.best is None:
            if tracker.epochs == 0:
                raise RuntimeError("the model trained no epoch, so the objective was never "
                                   "logged (did HyperModel.fit call model.fit with the "
                                   "callbacks it was given?)")
            raise FloatingPointError(f"objective {objective.name!r} was NaN in every epoch "
                                     f"(training diverged)")
        return tracker.best

    def _save(self, model, trial) -> None:
        path = model_path(self.tuner.project_dir, trial.number)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_model(model, path)
        except (TypeError, ValueError) as error:  # a model that cannot be saved (a Lambda...)
            trial.set_user_attr("model_not_saved", str(error))
            return
        trial.set_user_attr("model_path", str(path))
