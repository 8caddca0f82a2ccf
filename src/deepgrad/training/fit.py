"""The loop behind ``fit``: checks, then epochs of batches, each batch one step.

Three parts, each in one place:

* **batch iteration** — :func:`epoch_batches` gives one epoch's ``(x, y, sample_weight)``
  batches: shuffled slices of checked arrays, or a stream's batches, each checked as it comes;
* **the step** — chosen once per ``fit`` (:func:`~deepgrad.training.step.make_step`) when the
  first batch arrives: forward, loss and backward, then the optimizer's update;
* **the epoch loop** — :func:`fit_loop`, with the callbacks, the running loss and metrics and
  the validation pass.

Callbacks see the loop through their hooks, the ``logs`` dicts and ``model.stop_training``; a
callback that resumes training (``BackupAndRestore``) raises ``logs["initial_epoch"]`` in
``on_train_begin``.
"""

from __future__ import annotations

from .. import data
from ..callbacks import CallbackList
from ..common.rng import as_generator
from .evaluate import evaluate_loop
from .inputs import prepare, split_validation, unpack_validation
from .step import make_step

__all__ = ["epoch_batches", "fit_loop"]


def _with_class_weight(y, w, class_weight):
    if class_weight is None:
        return w
    weights = data.class_weights_to_sample_weights(class_weight, y)
    return weights if w is None else w * weights


def epoch_batches(model, arrays, stream, *, batch_size, shuffle, rng, class_weight):
    """One epoch's batches as ``(x, y, sample_weight or None)``: from checked ``arrays``
    ``(x, y, w)`` in (shuffled) slices, or from ``stream``, each batch checked as ``fit``
    checks whole arrays."""
    if stream is None:
        x, y, w = arrays
        for index in data.batches(len(x), batch_size, shuffle=shuffle, rng=rng):
            yield x[index], y[index], None if w is None else w[index]
        return
    for k, (xb, yb, wb) in enumerate(stream.epoch()):
        names = (f"x (batch {k})", f"y (batch {k})", f"sample_weight (batch {k})")
        xb, yb, wb = prepare(model, xb, yb, wb, *names)
        yield xb, yb, _with_class_weight(yb, wb, class_weight)


def _callback_list(model, callbacks, verbose, epochs, steps):
    # History and the progress bar go after the user's callbacks (as in Keras), so keys those
    # callbacks add to the epoch logs, such as "learning_rate", are recorded and shown.
    return CallbackList(callbacks, add_history=True, add_progbar=verbose > 0, model=model,
                        epochs=epochs, steps=steps, verbose=verbose)


def fit_loop(model, x, y, *, batch_size, epochs, verbose, callbacks, validation_split,
             validation_data, shuffle, sample_weight, class_weight, initial_epoch, seed,
             steps_per_epoch=None):
    if not model.compiled:
        raise RuntimeError("the model must be compiled before fit(): call model.compile(optimizer, loss)")
    batch_size = data.check_positive_int(batch_size, "batch_size")
    epochs = data.check_positive_int(epochs, "epochs")
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1 or 2; got {verbose!r}")
    stream = data.BatchStream(x, steps_per_epoch) if data.is_stream(x, y) else None
    arrays = val = None
    if stream is None:
        if x is None or y is None:
            raise ValueError("fit needs both x and y (or, as x alone, a source of (x, y) batches)")
        x, y, w = prepare(model, x, y, sample_weight)
        arrays, val = split_validation(x, y, _with_class_weight(y, w, class_weight), validation_split)
        steps = -(-len(arrays[0]) // batch_size)
    else:
        if validation_split or sample_weight is not None:
            raise ValueError("with a stream of batches, pass validation_data and put sample weights in the batches")
        steps = stream.steps
    if validation_data is not None:
        xv, yv, wv = unpack_validation(validation_data)
        val = prepare(model, xv, yv, wv, "validation_data[0]", "validation_data[1]", "validation_data[2]")

    callback_list = _callback_list(model, callbacks, verbose, epochs, steps)
    rng = as_generator(seed)
    model.stop_training = False
    begin = {"initial_epoch": initial_epoch}
    callback_list.on_train_begin(begin)
    initial_epoch = max(initial_epoch, begin["initial_epoch"])
    step = None  # chosen at the first batch, which builds a model that a stream feeds
    for epoch in range(initial_epoch, epochs):
        for metric in model.metrics:
            metric.reset_state()
        loss_sum, seen = 0.0, 0
        callback_list.on_epoch_begin(epoch, {})
        batches = epoch_batches(model, arrays, stream, batch_size=batch_size, shuffle=shuffle,
                                rng=rng, class_weight=class_weight)
        for k, (xb, yb, wb) in enumerate(batches):
            callback_list.on_train_batch_begin(k, {})
            if step is None:
                step = make_step(model, model.parameters())
            value, out = step.run(xb, yb, wb)
            callback_list.on_before_optimizer_step(k, {"loss": value})
            if model.stop_training:
                break
            if step.params:  # a model whose every layer is frozen still reports its loss
                model.optimizer.step(step.params)
            loss_sum += value * len(xb)
            seen += len(xb)
            for metric in model.metrics:
                metric.update_state(yb, out, sample_weight=wb)
            logs = {"loss": loss_sum / seen, **{m.name: m.result() for m in model.metrics}}
            callback_list.on_train_batch_end(k, logs)
            if model.stop_training:
                break
        if seen == 0:  # stopped, or the stream ran dry, before the first update of the epoch
            break
        logs = {"loss": loss_sum / seen, **{m.name: float(m.result()) for m in model.metrics}}
        if val is not None:
            val_logs = evaluate_loop(model, *val[:2], batch_size=batch_size, sample_weight=val[2],
                                     callbacks=callback_list, validated=True)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end({})
    model.history = callback_list.history
    return model.history
