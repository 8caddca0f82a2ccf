"""The loops behind ``evaluate`` and ``predict``: the model in inference mode, batch by batch.

Both run the model through :meth:`Model.infer <deepgrad.models.Model.infer>`, which replays
the recorded primitives of its first call for every later batch of the same shapes, and call
the callbacks' ``on_test_*`` and ``on_predict_*`` hooks as Keras does.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import data
from ..autograd.modes import no_grad
from ..callbacks import CallbackList
from .inputs import prepare, prepare_inputs

__all__ = ["evaluate_loop", "predict_loop"]


def _callbacks(model, callbacks, **params):
    return CallbackList(callbacks, model=model, **params)


def evaluate_loop(model, x, y, sample_weight=None, *, batch_size=32, callbacks=None,
                  validated=False, strategy=None) -> dict:
    """Exact loss over all samples (Σ over outputs of loss weight · Σᵢ wᵢ·lossᵢ / n, plus the
    penalties) and the metrics, as a dict (with each output's loss for a model of several).

    ``x``, ``y`` and ``sample_weight`` are checked unless ``validated`` (then they are fit's
    ``(xs, ys, ws)`` tuples). ``callbacks`` is a :class:`~deepgrad.callbacks.CallbackList`
    (fit's, during validation) or a list of callbacks; their ``on_test_begin``,
    ``on_test_batch_begin`` / ``_end`` and ``on_test_end`` hooks are called. With a
    ``DistributedStrategy`` (fit's validation), each process infers its part of every batch
    and the outputs are gathered, so every process computes the same logs.
    """
    xs, ys, ws = (x, y, sample_weight) if validated else prepare(model, x, y, sample_weight)
    if strategy is None:
        infer = functools.partial(model.infer, masks=True)
    else:  # the processes' outputs gathered (their masks are not)
        infer = lambda batch: (strategy.infer(model, batch), None)  # noqa: E731
    objective = model.objective
    n = len(xs[0])
    if not isinstance(callbacks, CallbackList):
        callbacks = _callbacks(model, callbacks, steps=-(-n // batch_size), verbose=0)
    metrics = objective.fresh_metrics()
    sums = [0.0] * len(objective.losses)
    seen = 0
    callbacks.on_test_begin({})
    with no_grad():
        for step, index in enumerate(data.batches(n, batch_size)):
            callbacks.on_test_batch_begin(step, {})
            yb = [y[index] for y in ys]
            wb = [None if w is None else w[index] for w in ws]
            outs, masks = infer(tuple(x[index] for x in xs))
            for i, s in enumerate(objective.loss_sums(yb, outs, wb, masks)):
                if s is not None:
                    sums[i] += s
            seen += len(outs[0])
            objective.update_metrics(yb, outs, wb, masks, metrics=metrics)
            callbacks.on_test_batch_end(step, {"loss": objective.total(sums, seen),
                                               **{name: float(m.result()) for _, m, name in metrics}})
        penalty = sum(float(p.item()) for p in model.regularization_losses())
    logs = {"loss": objective.total(sums, n) + penalty}
    logs.update({name: s / n for name, s in zip(objective.loss_names, sums)})
    logs.update({name: float(m.result()) for _, m, name in metrics})
    callbacks.on_test_end(logs)
    return logs


def predict_loop(model, x, *, batch_size=32, callbacks=None):
    """``model.infer`` over ``x`` in batches of ``batch_size``, once ``x`` has passed the checks;
    the outputs as the model gives them (an array, or a list or dict of arrays).

    A float array of the model's dtype and input shape passes the checks in a few attribute
    tests and one finiteness test, so a single-sample request costs little more than its
    arithmetic. With ``callbacks``, their ``on_predict_*`` hooks are called (each batch's
    outputs in the ``on_predict_batch_end`` logs, under ``"outputs"``).
    """
    ready = model._ready_input_shape
    if (callbacks is None and ready is not None and type(x) is np.ndarray and x.ndim
            and x.dtype is model.weights_dtype and 0 < len(x) <= batch_size
            and x.shape[1:] == ready):  # prepare_inputs's checks, in short
        data.check_finite(x, "x")
        outs = model.infer((x,))
        return outs[0] if model.output_keys is None and model.single_output else model.pack_outputs(outs)
    xs = prepare_inputs(model, x)
    n = len(xs[0])
    if callbacks is None and n <= batch_size:  # one batch: no list, no concatenation
        return model.pack_outputs(model.infer(xs))
    callbacks = _callbacks(model, callbacks, steps=-(-n // batch_size), verbose=0)
    callbacks.on_predict_begin({})
    batches = []
    for step, index in enumerate(data.batches(n, batch_size)):  # a memmap: one batch at a time
        callbacks.on_predict_batch_begin(step, {})
        batches.append(model.infer(tuple(x[index] for x in xs)))
        callbacks.on_predict_batch_end(step, {"outputs": model.pack_outputs(batches[-1])})
    callbacks.on_predict_end({})
    return model.pack_outputs([np.concatenate(parts, axis=0) for parts in zip(*batches)])
