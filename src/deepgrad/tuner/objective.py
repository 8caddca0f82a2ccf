"""What a search optimizes: a logged metric's name and whether lower or higher is better.

>>> Objective("val_accuracy")
Objective(name='val_accuracy', direction='max')
>>> as_objective("val_loss").direction
'min'
>>> as_objective("val_spread").direction
Traceback (most recent call last):
...
ValueError: objective 'val_spread': cannot tell whether lower or higher is better; pass Objective('val_spread', direction='min') or direction='max'
"""

from __future__ import annotations

from ..common.checks import check_choice, check_str, describe

__all__ = ["Objective", "ObjectiveError", "as_objective"]

#: Metric names (after a ``val_`` prefix) where higher is better; their aliases included.
HIGHER_IS_BETTER = ("accuracy", "acc", "auc", "precision", "recall", "r2", "r2_score", "f1",
                    "f1_score", "top_k_categorical_accuracy", "binary_accuracy",
                    "categorical_accuracy", "sparse_categorical_accuracy",
                    "sparse_top_k_categorical_accuracy")
#: ... and where lower is better: losses and errors.
LOWER_IS_BETTER = ("loss", "mse", "mae", "mape", "msle", "rmse", "mean_squared_error",
                   "mean_absolute_error", "mean_absolute_percentage_error",
                   "mean_squared_logarithmic_error", "root_mean_squared_error", "hinge",
                   "squared_hinge", "categorical_hinge", "logcosh", "log_cosh", "huber",
                   "kl_divergence", "kld", "poisson", "crossentropy", "binary_crossentropy",
                   "categorical_crossentropy", "sparse_categorical_crossentropy")


class ObjectiveError(ValueError):
    """The objective cannot be read from what training logged: a mistake in the search's set-up,
    so the search stops instead of failing trial after trial."""


def _infer_direction(name: str) -> str | None:
    base = name.removeprefix("val_")
    if base in HIGHER_IS_BETTER:
        return "max"
    if base in LOWER_IS_BETTER or base.endswith(("_loss", "_error")):
        return "min"
    # a multi-output model logs "<output>_<metric>"
    for suffix in HIGHER_IS_BETTER:
        if base.endswith("_" + suffix):
            return "max"
    for suffix in LOWER_IS_BETTER:
        if base.endswith("_" + suffix):
            return "min"
    return None


class Objective:
    """A logged metric to optimize (``"val_accuracy"``) and its direction, ``"min"`` or
    ``"max"``; the direction is inferred from the name when not given."""

    from_fit = False  # the score is what HyperModel.fit returns (objective=None)

    def __init__(self, name: str, direction: str | None = None):
        self.name = check_str(name, "objective")
        if direction is None:
            direction = _infer_direction(self.name)
            if direction is None:
                raise ValueError(f"objective {self.name!r}: cannot tell whether lower or higher "
                                 f"is better; pass Objective({self.name!r}, direction='min') or "
                                 f"direction='max'")
        self.direction = check_choice(direction, "direction", ("min", "max"))

    @property
    def optuna_direction(self) -> str:
        return "minimize" if self.direction == "min" else "maximize"

    def better(self, a: float, b: float | None) -> bool:
        """Whether ``a`` beats ``b`` (anything beats None)."""
        if b is None:
            return True
        return a < b if self.direction == "min" else a > b

    def best(self, values) -> float:
        return min(values) if self.direction == "min" else max(values)

    def value(self, logs: dict) -> float:
        """The objective's value in an epoch's logs, with a clear error when it is not there."""
        if self.name not in logs:
            hint = ""
            if self.name.startswith("val_") and not any(k.startswith("val_") for k in logs):
                hint = "; pass validation_data or validation_split to search"
            elif self.name.removeprefix("val_") not in {k.removeprefix("val_") for k in logs}:
                hint = "; compile the model with that metric"
            raise ObjectiveError(f"objective {self.name!r} is not among the logged values "
                             f"({', '.join(logs) or 'none'}){hint}")
        return float(logs[self.name])

    def __eq__(self, other) -> bool:
        return isinstance(other, Objective) and (self.name, self.direction) == (other.name, other.direction)

    def __repr__(self) -> str:
        return f"Objective(name={self.name!r}, direction={self.direction!r})"


def as_objective(objective) -> Objective:
    """An :class:`Objective` from a name or an Objective; None: the number ``HyperModel.fit``
    returns, minimized (as KerasTuner)."""
    if objective is None:
        returned = Objective("score", direction="min")
        returned.from_fit = True
        return returned
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str):
        return Objective(objective)
    if isinstance(objective, (list, tuple)):
        raise TypeError("objective must be one metric; deepgrad's tuner optimizes a single "
                        "objective (add the metrics in a subclassed HyperModel.fit that returns "
                        "their combination as one number)")
    raise TypeError(f"objective must be a metric's name such as 'val_accuracy' or an "
                    f"Objective; got {describe(objective)}")
