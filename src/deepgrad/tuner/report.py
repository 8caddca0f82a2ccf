"""What a search says: the space, a line per trial, the results table — and the queries over
the study they are made from."""

from __future__ import annotations

import math

__all__ = ["completed", "exhausted", "ranked", "results_table", "search_done", "space_summary",
           "trial_line"]


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value) if isinstance(value, str) else str(value)


def completed(study) -> list:
    """Finished trials with a score of their own (not a repeat of an earlier trial's values)."""
    import optuna

    return [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
            if "duplicate_of" not in t.user_attrs and "hyperparameters" in t.user_attrs]


def ranked(study, objective) -> list:
    """Completed trials, best first (ties: the earlier trial first)."""
    sign = 1 if objective.direction == "min" else -1
    return sorted(completed(study), key=lambda t: (sign * t.value, t.number))


def space_size(space) -> float:
    """How many distinct settings the space holds (inf for a continuous range)."""
    size = 1.0
    for definition in space:
        if definition.kind in ("Int", "Float") and definition.step is None and not (
                definition.kind == "Int" and definition.sampling == "linear"):
            return math.inf
        try:
            size *= len(definition.grid())
        except ValueError:
            return math.inf
    return size


def exhausted(tuner, study) -> bool:
    """Whether every setting of a finite, unconditional space has been tried."""
    space = tuner._space
    if not space or any(d.conditions for d in space) or tuner.hypermodel is None \
            or not tuner.hypermodel.fit_is_default:
        return False
    seen = {tuple(sorted(t.user_attrs["hyperparameters"].items())) for t in completed(study)}
    return len(seen) >= space_size(space)


def space_summary(space) -> str:
    lines = ["Search space summary", f"Default search space size: {len(space)}"]
    lines += [definition.describe() for definition in space]
    return "\n".join(lines)


def trial_line(tuner, trial, hp, value, seconds: float, pruned: str = "") -> str:
    """``Trial 3/10  val_accuracy 0.9533  best 0.9600 (trial 1)  units=64 ...  2.1 s``."""
    total = "" if tuner._total is None else f"  [{tuner._counted(trial.study)}/{tuner._total}]"
    name = tuner.objective.name
    if value is None:
        outcome = pruned
    else:
        others = [t.value for t in completed(trial.study) if t.number != trial.number]
        best = tuner.objective.best([value, *others])
        outcome = f"{name} {value:.4f}  best {best:.4f}"
    values = "  ".join(f"{k}={_format(v)}" for k, v in hp.values.items())
    duplicate = trial.user_attrs.get("duplicate_of")
    note = f"  (as trial {duplicate + 1}, not trained again)" if duplicate is not None else ""
    return f"Trial {trial.number + 1}{total}  {outcome}  {values}  {_seconds(seconds)}{note}"


def _seconds(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.0f} s"


def search_done(tuner, seconds: float) -> str:
    study = tuner._study()
    best = ranked(study, tuner.objective)
    if not best:
        return f"Search done in {seconds:.1f} s: no trial finished"
    top = best[0]
    every = " every setting of the space tried;" if exhausted(tuner, study) else ""
    return (f"Search done in {seconds:.1f} s:{every} best {tuner.objective.name} {top.value:.4f} "
            f"(trial {top.number + 1})")


def results_table(tuner, study, num_trials: int) -> str:
    """The best trials as a table: rank, trial, each hyperparameter, the score, the time."""
    import optuna

    trials = ranked(study, tuner.objective)[:num_trials]
    states = {}
    for t in study.get_trials(deepcopy=False):
        states[t.state.name.lower()] = states.get(t.state.name.lower(), 0) + 1
    counts = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    lines = ["Results summary", f"Results in {tuner.project_dir} ({tuner._spec.describe()})",
             f"Objective: {tuner.objective.name} ({tuner.objective.direction}) · trials: "
             + (counts or "none")]
    if not trials:
        return "\n".join(lines + ["No trial has finished yet."])
    names = []
    for t in trials:
        names += [k for k in t.user_attrs["hyperparameters"] if k not in names]
    header = ["rank", "trial", *names, tuner.objective.name, "epoch", "seconds"]
    rows = [[str(rank), str(t.number + 1),
             *(_format(t.user_attrs["hyperparameters"][k]) if k in t.user_attrs["hyperparameters"]
               else "-" for k in names),
             f"{t.value:.4f}",
             "-" if t.user_attrs.get("best_epoch") is None else str(t.user_attrs["best_epoch"] + 1),
             f"{t.user_attrs.get('seconds', float('nan')):.2f}"]
            for rank, t in enumerate(trials, 1)]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    lines.append("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
    pruned = optuna.trial.TrialState.PRUNED.name.lower()
    if states.get(pruned):
        lines.append(f"({states[pruned]} trials were stopped early by the pruner)")
    return "\n".join(lines)
