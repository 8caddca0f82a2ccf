"""What ``compile`` sets up for each output of a model: its loss, the loss's weight in the
total, and its metrics, with the names they are logged under.

A model of one output has one loss and its metrics logged under their own names (``loss``,
``accuracy``). A model of several outputs may take one loss for all of them, a list (one per
output) or a dict keyed by output name (outputs left out are not trained); ``loss_weights``
scales each output's loss in the total, and the logs hold the total as ``loss``, each output's
unweighted loss as ``<output>_loss`` and its metrics as ``<output>_<metric>`` (listed by
name, as Keras lists them).
"""

from __future__ import annotations

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..autograd.tensor import Tensor
from .masking import as_rows, by_rows

__all__ = ["Objective"]


def _per_output(value, names: list, what: str, *, one_for_all: bool) -> list:
    """``value`` spread over the outputs ``names``: from a dict keyed by name, a list (one per
    output) or, with ``one_for_all``, a single value for every output."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"{what} names the output {unknown[0]!r}, which the model does not "
                             f"have; its outputs are {names}")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)) and (len(names) > 1 or not one_for_all):
        if len(value) != len(names):
            raise ValueError(f"{what} must have one entry per output ({len(names)}: {names}); "
                             f"got {len(value)}")
        return list(value)
    if not one_for_all and len(names) > 1:
        raise ValueError(f"{what} must be a list with one entry per output ({names}) or a dict "
                         f"keyed by output name; got {type(value).__name__}")
    return [value] * len(names)


def _metrics_per_output(metrics, names: list, several: bool) -> list:
    """``compile``'s ``metrics`` (or ``weighted_metrics``) as one list per output."""
    if metrics is None:
        requested = [[] for _ in names]
    elif several and isinstance(metrics, (list, tuple)) and all(
            isinstance(m, (list, tuple)) for m in metrics):
        requested = _per_output(metrics, names, "metrics", one_for_all=False)
    elif isinstance(metrics, dict):
        requested = _per_output(metrics, names, "metrics", one_for_all=False)
    else:  # one list of metrics for every output
        requested = [metrics] * len(names)
    return [[] if specs is None else list(specs) if isinstance(specs, (list, tuple)) else [specs]
            for specs in requested]


class Objective:
    """The loss, loss weight and metrics of each output of a compiled model.

    Parameters
    ----------
    loss : str, Loss, callable, list or dict
    loss_weights : list or dict of float, optional
    metrics : list, list of lists or dict, optional
        For a model of several outputs, a flat list applies to every output.
    output_names : list of str
    output_shapes : list of tuple, optional
        Let ``"accuracy"`` pick its kind from the output's shape.

    Examples
    --------
    >>> objective = Objective(["mse", "binary_crossentropy"], [1.0, 0.5],
    ...                       {"label": ["accuracy"]}, output_names=["price", "label"])
    >>> objective.loss_names, [name for _, _, name in objective.metrics]
    (['price_loss', 'label_loss'], ['label_accuracy'])
    """

    def __init__(self, loss, loss_weights=None, metrics=None, *, output_names: list,
                 output_shapes: list | None = None, weighted_metrics=None):
        names = list(output_names)
        self.output_names = names
        several = len(names) > 1
        self.losses = [None if spec is None else losses_module.get(spec)
                       for spec in _per_output(loss, names, "loss", one_for_all=True)]
        if all(loss is None for loss in self.losses):
            raise ValueError("compile needs a loss for at least one output, e.g. loss='mse'")
        if loss_weights is None:
            weights = [1.0] * len(names)
        else:
            weights = _per_output(loss_weights, names, "loss_weights", one_for_all=False)
            weights = [1.0 if w is None else w for w in weights]
        for name, w in zip(names, weights):
            if isinstance(w, bool) or not isinstance(w, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(w) or w < 0:
                raise ValueError(f"loss_weights must be finite numbers ≥ 0; output {name!r} got "
                                 f"{w!r}")
        self.weights = [float(w) for w in weights]
        self.loss_names = [f"{name}_loss" for name in names] if several else []
        shapes = output_shapes or [None] * len(names)
        #: (output index, Metric, logged name)
        self.metrics: list = []
        #: per entry of :attr:`metrics`, whether it weighs by the sample weights (Keras's
        #: ``weighted_metrics``; those of ``metrics`` do not)
        self.weighted: list = []
        #: (what compile was given, the metric made) per output, in the order given: of
        #: ``metrics``, then of ``weighted_metrics``
        self.requested, self.requested_weighted = [], []
        entries = []
        for weighted, given, kept in ((False, metrics, self.requested),
                                      (True, weighted_metrics, self.requested_weighted)):
            for i, specs in enumerate(_metrics_per_output(given, names, several)):
                made = [metrics_module.get(m, loss=self.losses[i], output_shape=shapes[i])
                        for m in specs]
                kept.append(list(zip(specs, made)))
                taken = {entry[1].name for entry in entries if entry[0] == i}
                for metric in made:
                    name = f"weighted_{metric.name}" if weighted and metric.name in taken else metric.name
                    entries.append((i, metric, f"{names[i]}_{name}" if several else name, weighted))
        if several:  # Keras lists the metrics of several outputs by name
            entries.sort(key=lambda entry: entry[2])
        self.metrics = [entry[:3] for entry in entries]
        self.weighted = [entry[3] for entry in entries]

    # ------------------------------------------------------------------ the loss
    def graph_loss(self, ys, outs, sample_weights, masks=None) -> tuple[Tensor, list]:
        """The total loss as a graph, and each output's loss (a Tensor, or None). An output
        whose steps carry a mask (``masks``: an array or None per output) counts its unmasked
        steps only (:mod:`~deepgrad.training.masking`)."""
        total, parts = None, []
        masks = masks or [None] * len(outs)
        for loss, weight, y, out, w, mask in zip(self.losses, self.weights, ys, outs,
                                                 sample_weights, masks):
            if loss is None:
                parts.append(None)
                continue
            if by_rows(out.shape, mask, w):
                y, out, w = as_rows(y, out, w, mask, for_loss=True)
            part = loss(y, out, sample_weight=w)
            parts.append(part)
            term = part if weight == 1.0 else part * weight
            total = term if total is None else total + term
        return total, parts

    def loss_sums(self, ys, outs, sample_weights, masks=None) -> list:
        """Each output's weighted per-sample losses summed (a float, or None) for arrays
        ``outs``: ``total`` of these over all batches is the loss over all samples."""
        sums = []
        masks = masks or [None] * len(outs)
        for loss, y, out, w, mask in zip(self.losses, ys, outs, sample_weights, masks):
            if loss is None:
                sums.append(None)
                continue
            steps = 1
            if by_rows(out.shape, mask, w):
                steps = out.shape[1]  # a sample's weight is spread over its steps' rows
                y, out, w = as_rows(y, out, w, mask, for_loss=True)
            per_sample = loss.call(y, Tensor(out)).data.astype(np.float64)
            sums.append(float(np.sum(per_sample if w is None else per_sample * w)) / steps)
        return sums

    def total(self, sums: list, n: int) -> float:
        """The weighted total of each output's summed losses ``sums`` over ``n`` samples."""
        total = 0.0
        for loss, weight, s in zip(self.losses, self.weights, sums):
            if loss is not None:
                total += s / n if weight == 1.0 else weight * (s / n)
        return total

    # ------------------------------------------------------------------ the metrics
    def reset_metrics(self) -> None:
        for _, metric, _ in self.metrics:
            metric.reset_state()

    def update_metrics(self, ys, outs, sample_weights, masks=None, metrics=None) -> None:
        """Update every metric (of ``metrics``, :meth:`fresh_metrics` copies, when given) with
        a batch: the weighted ones by the sample weights, the others not (as Keras); an output
        with masked steps counts the unmasked ones only, as the loss does."""
        entries = self.metrics if metrics is None else metrics
        for (i, metric, _), weighted in zip(entries, self.weighted):
            y, out, w = ys[i], outs[i], sample_weights[i] if weighted else None
            mask = None if masks is None else masks[i]
            if by_rows(np.shape(out), mask, w):
                y, out, w = as_rows(y, np.asarray(out), w, mask, for_loss=False)
            metric.update_state(y, out, sample_weight=w)

    def metric_logs(self) -> dict:
        return {name: float(metric.result()) for _, metric, name in self.metrics}

    def fresh_metrics(self) -> list:
        """Copies of the metrics, in their initial state (evaluate keeps fit's untouched)."""
        return [(i, type(m).from_config(m.get_config()), name) for i, m, name in self.metrics]

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> dict:
        """What compile was given (loss, loss_weights, metrics), as JSON."""
        several = len(self.output_names) > 1
        losses = [None if loss is None else losses_module.serialize(loss) for loss in self.losses]
        def given(requested):
            lists = [[r if isinstance(r, str) else metrics_module.serialize(m) for r, m in pairs]
                     for pairs in requested]
            return lists if several else lists[0]

        config = {
            "loss": losses if several else losses[0],
            "loss_weights": self.weights if several else None,
            "metrics": given(self.requested),
        }
        if any(self.requested_weighted):
            config["weighted_metrics"] = given(self.requested_weighted)
        return config
