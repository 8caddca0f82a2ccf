"""One training step of a global batch, shared out between the processes.

:class:`DistributedStep` wraps the step ``fit`` would take alone (a
:class:`~deepgrad.training.step.RecordedStep` or ``GraphStep``) and has its interface:
``run(xs, ys, ws)`` on the *global* batch returns the batch's loss, the outputs and each
output's loss, and leaves the gradient of the whole batch in the weights' ``.grad`` for the
optimizer's unchanged update. Inside, on every process:

1. the inner step runs on this process's part of the batch (:func:`~.sharding.shard_bounds`);
2. the gradients, weighed by the part's share ``n_r/n``, are summed over the processes by
   **one Allreduce per dtype**, in place on the optimizer's flat gradient buffer (the recorded
   step already writes them there);
3. the parts' losses (and, when there are metrics, their outputs) are gathered, so that every
   process logs the loss and updates the metrics of the whole batch.

A process whose part is empty (a last batch shorter than the number of processes) runs the
step on the batch's first sample and weighs it by 0, so that it still takes part in the
Allreduce with gradients of the same structure.
"""

from __future__ import annotations

import numpy as np

from .sharding import shard_bounds

__all__ = ["DistributedStep"]


def _part(arrays: tuple, rows: slice) -> tuple:
    return tuple(None if a is None else a[rows] for a in arrays)


def _check_mean_losses(objective) -> None:
    """Weighing the parts by ``n_r/n`` is exact for losses that are means over the batch."""
    for name, loss in zip(objective.output_names, objective.losses):
        reduction = getattr(loss, "reduction", "mean")
        if loss is not None and reduction != "mean":
            raise ValueError(
                f"distributed training averages the processes' losses, so each loss must be a "
                f"mean over the batch (reduction='mean'); the loss of output {name!r} has "
                f"reduction={reduction!r}")


class DistributedStep:
    """The training step ``step`` run on one global batch by every process of ``strategy``,
    each on its part (see the module's documentation).

    Making it checks that every process built the same model, then copies rank 0's weights
    and optimizer state to the others, so that all start equal whatever their seeds.

    Parameters
    ----------
    step : GraphStep or RecordedStep
        The step this process would take alone.
    strategy : DistributedStrategy
    model : Model
        Built and compiled; ``step`` trains it.

    Examples
    --------
    In a world of one process (a script started without ``mpiexec``) the part is the whole
    batch:

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.distributed import DistributedStrategy
    >>> from deepgrad.layers import Dense, Input
    >>> from deepgrad.training.step import make_step
    >>> model = dg.Sequential([Input((3,)), Dense(2)])
    >>> model.compile("sgd", "mse")
    >>> inner = make_step(model, model.objective, model.parameters())
    >>> step = DistributedStep(inner, DistributedStrategy(), model)
    >>> x, y = np.ones((5, 3), np.float32), np.zeros((5, 2), np.float32)
    >>> loss, outs, parts = step.run((x,), (y,), (None,))
    >>> outs[0].shape, [p.grad.shape for p in step.params]
    ((5, 2), [(3, 2), (2,)])
    """

    def __init__(self, step, strategy, model):
        self.step, self.strategy = step, strategy
        self.params = step.params
        self.optimizer = model.optimizer
        objective = step.objective
        _check_mean_losses(objective)
        self.gathers_outputs = bool(objective.metrics)
        strategy.check_same_weights(model.weights)
        strategy.broadcast_weights(model.weights)
        strategy.broadcast_optimizer_state(model.optimizer)

    #: the masks of the whole batch's outputs (arrays or None), for the metrics
    masks: list | None = None

    def run(self, xs, ys, ws) -> tuple:
        """One step on the global batch ``(xs, ys, ws)``: this process's part, then the
        gradients averaged over the processes; returns the whole batch's loss, outputs and
        each output's loss, as the inner step returns them for its batch."""
        strategy = self.strategy
        start, stop = shard_bounds(len(xs[0]), strategy.world_size, strategy.rank)
        rows = slice(start, stop) if stop > start else slice(0, 1)  # borrowed, weighed by 0
        value, outs, parts = self.step.run(_part(xs, rows), _part(ys, rows), _part(ws, rows))
        share = (stop - start) / len(xs[0])
        if self.params:
            strategy.allreduce_gradients(self.optimizer, self.params, share)
        gathered = (outs, self.step.masks) if self.gathers_outputs and share else None
        records = [r for r in strategy.allgather((share, value, parts, gathered)) if r[0]]
        value = sum(s * v for s, v, _, _ in records)
        parts = [None if p is None else sum(r[2][i] * r[0] for r in records)
                 for i, p in enumerate(parts)]
        self.masks = None
        if self.gathers_outputs:
            outs = [np.concatenate(column) for column in zip(*(r[3][0] for r in records))]
            masks = [r[3][1] or [None] * len(outs) for r in records]
            self.masks = [None if any(m is None for m in column) else np.concatenate(column)
                          for column in zip(*masks)]
        return value, outs, parts
