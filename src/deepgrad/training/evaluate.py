"""The loops behind ``evaluate`` and ``predict``: the model in inference mode, batch by batch.

Both run the model through :meth:`Sequential.infer`, which replays the recorded primitives of
its first call for every later batch of the same shape, and call the callbacks' ``on_test_*``
and ``on_predict_*`` hooks as Keras does.
"""

from __future__ import annotations

import numpy as np

from .. import data
from ..autograd.modes import no_grad
from ..autograd.tensor import Tensor
from ..callbacks import CallbackList
from .inputs import prepare

__all__ = ["evaluate_loop", "predict_loop"]


def _callbacks(model, callbacks, **params):
    return CallbackList(callbacks, model=model, **params)


def evaluate_loop(model, x, y, *, batch_size=32, sample_weight=None, callbacks=None,
                  validated=False) -> dict:
    """Exact loss over all samples (Σ wᵢ·lossᵢ / n plus penalties) and metrics, as a dict.

    ``callbacks`` is a :class:`~deepgrad.callbacks.CallbackList` (fit's, during validation) or
    a list of callbacks; their ``on_test_begin``, ``on_test_batch_begin`` / ``_end`` and
    ``on_test_end`` hooks are called.
    """
    if not model.compiled:
        raise RuntimeError("the model must be compiled before evaluate(): call model.compile(optimizer, loss)")
    batch_size = data.check_positive_int(batch_size, "batch_size")
    if not validated:
        x, y, sample_weight = prepare(model, x, y, sample_weight)
    if not isinstance(callbacks, CallbackList):
        callbacks = _callbacks(model, callbacks, steps=-(-len(x) // batch_size), verbose=0)
    metrics = [type(m).from_config(m.get_config()) for m in model.metrics]
    dtype = model.weights_dtype
    total, seen = 0.0, 0
    callbacks.on_test_begin({})
    with no_grad():
        for step, index in enumerate(data.batches(len(x), batch_size)):
            callbacks.on_test_batch_begin(step, {})
            out = model.infer(np.asarray(x[index], dtype=dtype))
            per_sample = model.loss.call(y[index], Tensor(out)).data.astype(np.float64)
            wb = None if sample_weight is None else sample_weight[index]
            total += float(np.sum(per_sample if wb is None else per_sample * wb))
            seen += len(out)
            for metric in metrics:
                metric.update_state(y[index], out, sample_weight=wb)
            callbacks.on_test_batch_end(step, {"loss": total / seen,
                                               **{m.name: float(m.result()) for m in metrics}})
        penalty = sum(float(p.item()) for p in model.regularization_losses())
    logs = {"loss": total / len(x) + penalty}
    logs.update({m.name: float(m.result()) for m in metrics})
    callbacks.on_test_end(logs)
    return logs


def predict_loop(model, x, *, batch_size=32, callbacks=None) -> np.ndarray:
    """``model.infer`` over ``x`` in batches of ``batch_size``, once ``x`` has passed the checks.

    A float array of the model's dtype and input shape passes them in a few attribute tests
    and one finiteness test, so a single-sample request costs little more than its arithmetic.
    With ``callbacks``, their ``on_predict_*`` hooks are called (each batch's outputs in the
    ``on_predict_batch_end`` logs, under ``"outputs"``).
    """
    if type(batch_size) is not int or batch_size < 1:
        batch_size = data.check_positive_int(batch_size, "batch_size")
    built = model._build_input_shape if model.built else None
    if (callbacks is None and built is not None and type(x) is np.ndarray and x.ndim
            and x.dtype is model.weights_dtype and 0 < len(x) <= batch_size
            and x.shape[1:] == built[1:]):  # as_features's checks, in short
        data.check_finite(x, "x")
        return model.infer(x)
    dtype = model.weights_dtype
    x = data.as_features(x, "x", dtype=dtype, sample_shape=model.input_sample_shape)
    if callbacks is None and len(x) <= batch_size:  # one batch: no list, no concatenation
        return model.infer(x if type(x) is np.ndarray and x.dtype == dtype else np.asarray(x, dtype=dtype))
    callbacks = _callbacks(model, callbacks, steps=-(-len(x) // batch_size), verbose=0)
    callbacks.on_predict_begin({})
    outputs = []
    for step, index in enumerate(data.batches(len(x), batch_size)):  # a memmap: one batch at a time
        callbacks.on_predict_batch_begin(step, {})
        outputs.append(model.infer(np.asarray(x[index], dtype=dtype)))
        callbacks.on_predict_batch_end(step, {"outputs": outputs[-1]})
    callbacks.on_predict_end({})
    return np.concatenate(outputs, axis=0)
