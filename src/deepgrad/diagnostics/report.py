"""``gradient_report(model, x, y)``: how healthy a network's gradients, updates and units are on
a batch, as a table and in plain words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.checks import check_positive_int
from ..common.rng import as_generator
from .findings import find
from .health import measure

__all__ = ["GradientReport", "gradient_report"]


def _figure(value, kind: str = "g") -> str:
    if value is None:
        return "-"
    if kind == "%":
        return f"{100 * value:.0f}%"
    return f"{value:.2e}" if value and (abs(value) < 1e-2 or abs(value) >= 1e4) else f"{value:.3g}"


@dataclass
class GradientReport:
    """The figures of every layer and the findings.

    Attributes
    ----------
    layers : list of LayerHealth
        One row per layer (see :class:`~deepgrad.diagnostics.health.LayerHealth`).
    findings : list of Finding
        The problems found, in plain words (empty for a healthy network).
    loss : float
        The batch's loss (with the penalties).
    learning_rate : float or None
        The optimizer's learning rate the updates were measured at.
    """

    layers: list
    findings: list
    loss: float
    learning_rate: float | None = None

    @property
    def healthy(self) -> bool:
        return not self.findings

    def layer(self, name: str):
        """The row of the layer called ``name``."""
        for row in self.layers:
            if row.name == name:
                return row
        raise KeyError(f"no layer {name!r} in the report; its layers are "
                       f"{[row.name for row in self.layers]}")

    def table(self) -> str:
        """The figures as a text table."""
        header = ("layer", "activation", "weights", "‖w‖", "‖∂L/∂w‖", "‖Δw‖/‖w‖", "output mean",
                  "output std", "dead", "saturated")
        rows = [(f"{r.name} ({r.kind})", r.activation or "-", str(r.weights) if r.weights else "-",
                 _figure(r.weight_norm), _figure(r.gradient_norm), _figure(r.update_ratio),
                 _figure(r.activation_mean), _figure(r.activation_std),
                 _figure(r.dead_share, "%"), _figure(r.saturated_share, "%"))
                for r in self.layers]
        if any(r.through_time is not None for r in self.layers):  # recurrent layers
            header += ("first/last steps' ∂L/∂x",)
            rows = [row + (_figure(r.through_time),) for row, r in zip(rows, self.layers)]
        widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
        line = lambda row: "  ".join(  # noqa: E731
            cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        return "\n".join([line(header), line(tuple("-" * w for w in widths))] + [line(r) for r in rows])

    def __str__(self) -> str:
        lr = "" if self.learning_rate is None else f", learning rate {self.learning_rate:g}"
        lines = [f"gradient report (batch loss {self.loss:.4g}{lr})", self.table(), ""]
        if self.findings:
            lines += [f"- {finding.message}" for finding in self.findings]
        else:
            lines.append("no problems found: gradients reach every layer, units fire, updates "
                         "are a sensible share of the weights")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython shows the table
        printer.text(str(self))


def _subset(value, index, several: bool):
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: np.asarray(v)[index] for key, v in value.items()}
    if several:
        return [np.asarray(v)[index] for v in value]
    return np.asarray(value)[index]


def _sample(model, x, y, sample_weight, batch_size, seed):
    """``batch_size`` samples of the data, drawn without replacement."""
    batch_size = check_positive_int(batch_size, "batch_size")
    several_in = len(model.input_names or ["x"]) > 1
    several_out = len(model.output_names or ["y"]) > 1
    first = next(iter(x.values())) if isinstance(x, dict) else x[0] if several_in else x
    n = len(first)
    if batch_size >= n:
        return x, y, sample_weight
    index = np.sort(as_generator(seed).choice(n, batch_size, replace=False))
    return (_subset(x, index, several_in), _subset(y, index, several_out),
            _subset(sample_weight, index, several_out and isinstance(sample_weight, (list, tuple))))


def gradient_report(model, x, y, sample_weight=None, *, history=None, batch_size=None,
                    seed=None) -> GradientReport:
    """Measure how a compiled model's gradients, updates and units behave on a batch, and say
    what is wrong in the words of the lecture notes.

    Parameters
    ----------
    model : Model
        Compiled (the loss and the optimizer are part of the measurement); it is not changed.
    x, y : array_like (lists or dicts of arrays for several inputs or outputs)
        The batch. A large one is fine; ``batch_size`` takes a random subset of it.
    sample_weight : array_like, optional
    history : History or dict, optional
        The training history so far: lets the report say the loss has stopped moving.
    batch_size : int, optional
        Measure on this many samples drawn (with ``seed``) from ``x``.

    Returns
    -------
    GradientReport
        ``.layers`` (the figures), ``.findings`` (the problems) and a printable table.

    Examples
    --------
    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.layers import Dense, Input
    >>> x, y = dg.datasets.make_moons(256, noise=0.1, seed=0)
    >>> model = dg.Sequential([Input((2,)), Dense(16, "relu", kernel_initializer="he_normal", seed=0),
    ...                        Dense(1, "sigmoid", seed=1)])
    >>> model.compile("adam", "binary_crossentropy")
    >>> report = gradient_report(model, x, y)
    >>> report.findings, [row.name for row in report.layers] == [layer.name for layer in model.layers]
    ([], True)
    """
    if not getattr(model, "compiled", False):
        raise RuntimeError("gradient_report needs a compiled model: call model.compile(optimizer, "
                           "loss) first (the loss and the optimizer are part of the measurement)")
    if batch_size is not None:
        x, y, sample_weight = _sample(model, x, y, sample_weight, batch_size, seed)
    rows, loss = measure(model, x, y, sample_weight)
    losses = None
    if history is not None:
        logs = getattr(history, "history", history)
        losses = logs.get("loss") if isinstance(logs, dict) else None
    learning_rate = getattr(model.optimizer, "learning_rate", None)
    return GradientReport(rows, find(rows, losses), loss, learning_rate)
