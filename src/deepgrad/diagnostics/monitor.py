"""``GradientMonitor``: the gradient report's figures every epoch, in the History."""

from __future__ import annotations

from ..callbacks import Callback
from ..common.checks import check_callable, check_positive_int
from .findings import loss_not_moving
from .report import gradient_report

__all__ = ["GradientMonitor"]


class GradientMonitor(Callback):
    """Measure the model's gradient health at the end of each epoch (see
    :func:`~deepgrad.diagnostics.gradient_report`) on a fixed batch, record the figures in the
    epoch logs — so in ``History`` — and say each finding the epoch it first appears.

    The logs get, per layer with weights, ``grad_norm/<layer>``, ``weight_norm/<layer>`` and
    ``update_ratio/<layer>``, and per ReLU-family or sigmoid/tanh layer ``dead_share/<layer>`` or
    ``saturated_share/<layer>``. Measuring leaves training exactly as it would be without the
    monitor (weights, gradients and random generators are restored).

    Parameters
    ----------
    x, y : array_like
        The batch to measure on (a few hundred training samples is plenty).
    sample_weight : array_like, optional
    every : int, default 1
        Measure every ``every`` epochs.
    verbose : int, default 1
        Print findings (0: keep them in :attr:`findings` only).
    print_fn : callable, default print

    Attributes
    ----------
    reports : list of (epoch, GradientReport)
    findings : list of (epoch, Finding)
        Each kind of finding (per layer) once, at the epoch it first appeared.

    Examples
    --------
    >>> import deepgrad as dg
    >>> from deepgrad.layers import Dense, Input
    >>> x, y = dg.datasets.make_moons(200, noise=0.1, seed=0)
    >>> model = dg.Sequential([Input((2,)), Dense(8, "relu", seed=0, name="hidden"),
    ...                        Dense(1, "sigmoid", seed=1, name="output")])
    >>> model.compile("adam", "binary_crossentropy")
    >>> history = model.fit(x, y, epochs=2, verbose=0, callbacks=[GradientMonitor(x, y)])
    >>> sorted(k for k in history.history if k.startswith("grad_norm/"))
    ['grad_norm/hidden', 'grad_norm/output']
    """

    def __init__(self, x, y, sample_weight=None, *, every: int = 1, verbose: int = 1,
                 print_fn=print):
        super().__init__()
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.every = check_positive_int(every, "every")
        if verbose not in (0, 1, 2) or isinstance(verbose, bool):
            raise ValueError(f"verbose must be 0, 1 or 2; got {verbose!r}")
        self.verbose = verbose
        self.print_fn = check_callable(print_fn, "print_fn")
        self.reports: list = []
        self.findings: list = []
        self._losses: list = []
        self._said: set = set()

    def on_train_begin(self, logs=None):
        self.reports, self.findings, self._losses, self._said = [], [], [], set()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if "loss" in logs:
            self._losses.append(logs["loss"])
        if (epoch + 1) % self.every:
            return
        report = gradient_report(self.model, self.x, self.y, self.sample_weight)
        self.reports.append((epoch, report))
        for row in report.layers:
            if row.weights:
                logs[f"grad_norm/{row.name}"] = row.gradient_norm
                logs[f"weight_norm/{row.name}"] = row.weight_norm
                if row.update_ratio is not None:
                    logs[f"update_ratio/{row.name}"] = row.update_ratio
            if row.dead_share is not None:
                logs[f"dead_share/{row.name}"] = row.dead_share
            if row.saturated_share is not None:
                logs[f"saturated_share/{row.name}"] = row.saturated_share
        stuck = loss_not_moving(self._losses)
        for finding in report.findings + ([stuck] if stuck else []):
            key = (finding.kind, finding.layer)
            if key in self._said:
                continue
            self._said.add(key)
            self.findings.append((epoch, finding))
            if self.verbose:
                self.print_fn(f"epoch {epoch + 1}: {finding.message}")
