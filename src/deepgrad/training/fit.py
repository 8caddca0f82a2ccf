"""The loop behind ``fit``: checks, then epochs of batches, each batch one step.

Three parts, each in one place:

* **batch iteration** — :func:`epoch_batches` gives one epoch's ``(xs, ys, ws)`` batches (one
  array per input, per output, and each output's sample weights): shuffled slices of checked
  arrays, or a stream's batches, each checked as it comes;
* **the step** — chosen once per ``fit`` (:func:`~deepgrad.training.step.make_step`) when the
  first batch arrives: forward, loss and backward, then the optimizer's update;
* **the epoch loop** — :func:`fit_loop`, with the callbacks, the running loss and metrics and
  the validation pass.

Callbacks see the loop through their hooks, the ``logs`` dicts and ``model.stop_training``; a
callback that resumes training (``BackupAndRestore``) raises ``logs["initial_epoch"]`` in
``on_train_begin``.

The loop is written once for one process and for several: ``strategy``
(:mod:`deepgrad.distributed`) is a ``SingleProcess``, whose hooks do nothing, or a
``DistributedStrategy``, under which every process walks the same batches, its step trains on
its part of each, and only rank 0 runs the callbacks, whose decisions the others follow.
"""

from __future__ import annotations

from .. import data
from ..callbacks import CallbackList
from ..common.rng import as_generator
from ..distributed import SingleProcess
from .evaluate import evaluate_loop
from .inputs import prepare, split_validation, unpack_validation
from .step import make_step

__all__ = ["epoch_batches", "fit_loop", "with_class_weight"]


def with_class_weight(model, ys, ws, class_weight) -> tuple:
    """``ws`` with each sample's class weight folded into the (single) output's weights."""
    if class_weight is None:
        return ws
    if len(ys) != 1:
        raise ValueError("class_weight is for models of one output; weigh the samples of each "
                         "output with sample_weight=[...] instead")
    weights = data.class_weights_to_sample_weights(class_weight, ys[0])
    return (weights if ws[0] is None else ws[0] * weights,)


def epoch_batches(model, arrays, stream, *, batch_size, shuffle, rng, class_weight):
    """One epoch's batches as ``(xs, ys, ws)``: from checked ``arrays`` in (shuffled) slices,
    or from ``stream``, each batch checked as ``fit`` checks whole arrays."""
    if stream is None:
        xs, ys, ws = arrays
        for index in data.batches(len(xs[0]), batch_size, shuffle=shuffle, rng=rng):
            yield (tuple(x[index] for x in xs), tuple(y[index] for y in ys),
                   tuple(None if w is None else w[index] for w in ws))
        return
    for k, (xb, yb, wb) in enumerate(stream.epoch()):
        names = (f"x (batch {k})", f"y (batch {k})", f"sample_weight (batch {k})")
        xs, ys, ws = prepare(model, xb, yb, wb, *names)
        yield xs, ys, with_class_weight(model, ys, ws, class_weight)


def _callback_list(model, callbacks, verbose, epochs, steps):
    # History and the progress bar go after the user's callbacks (as in Keras), so keys those
    # callbacks add to the epoch logs, such as "learning_rate", are recorded and shown.
    return CallbackList(callbacks, add_history=True, add_progbar=verbose > 0, model=model,
                        epochs=epochs, steps=steps, verbose=verbose)


def fit_loop(model, x, y, *, batch_size, epochs, verbose, callbacks, validation_split,
             validation_data, shuffle, sample_weight, class_weight, initial_epoch, seed,
             steps_per_epoch=None, validation_batch_size=None, validation_freq=1,
             strategy=None):
    strategy = SingleProcess() if strategy is None else strategy
    stream = data.BatchStream(x, steps_per_epoch) if data.is_stream(x, y) else None
    arrays = val = None
    if stream is None:
        if x is None or y is None:
            raise ValueError("fit needs both x and y (or, as x alone, a source of (x, y) batches)")
        xs, ys, ws = prepare(model, x, y, sample_weight)
        arrays, val = split_validation((xs, ys, with_class_weight(model, ys, ws, class_weight)),
                                       validation_split)
        steps = -(-len(arrays[0][0]) // batch_size)
    else:
        if validation_split or sample_weight is not None:
            raise ValueError("with a stream of batches, pass validation_data and put sample weights in the batches")
        steps = stream.steps
    if validation_data is not None:
        xv, yv, wv = unpack_validation(validation_data)
        val = prepare(model, xv, yv, wv, "validation_data[0]", "validation_data[1]", "validation_data[2]")

    objective = model.objective
    strategy.check_same(samples=None if stream is not None else len(arrays[0][0]), steps=steps,
                        batch_size=batch_size, epochs=epochs,
                        validation_samples=None if val is None else len(val[0][0]))
    root = strategy.is_root  # the callbacks (progress output, checkpoints) run on rank 0 only
    callback_list = _callback_list(model, callbacks if root else None, verbose if root else 0,
                                   epochs, steps)
    rng = strategy.same_generator(as_generator(seed))
    model.stop_training = False
    begin = {"initial_epoch": initial_epoch}
    callback_list.on_train_begin(begin)
    initial_epoch = max(initial_epoch, strategy.from_root(begin["initial_epoch"]))
    step = None  # chosen at the first batch, which builds a model that a stream feeds
    for epoch in range(initial_epoch, epochs):
        objective.reset_metrics()
        loss_sum, seen = 0.0, 0
        part_sums = [0.0] * len(objective.loss_names)
        callback_list.on_epoch_begin(epoch, {})
        batches = epoch_batches(model, arrays, stream, batch_size=batch_size, shuffle=shuffle,
                                rng=rng, class_weight=class_weight)
        for k, (xb, yb, wb) in enumerate(batches):
            callback_list.on_train_batch_begin(k, {})
            if step is None:
                step = strategy.distribute(make_step(model, objective, model.parameters()), model)
            value, outs, parts = step.run(xb, yb, wb)
            callback_list.on_before_optimizer_step(k, {"loss": value})
            strategy.follow_root(model)
            if model.stop_training:
                break
            if step.params:  # a model whose every layer is frozen still reports its loss
                model.optimizer.step(step.params)
            n = len(xb[0])
            loss_sum += value * n
            seen += n
            for i, part in enumerate(parts[:len(part_sums)]):
                part_sums[i] += (part or 0.0) * n
            objective.update_metrics(yb, outs, wb, step.masks)
            logs = {"loss": loss_sum / seen,
                    **{name: s / seen for name, s in zip(objective.loss_names, part_sums)},
                    **objective.metric_logs()}
            callback_list.on_train_batch_end(k, logs)
            strategy.follow_root(model)
            if model.stop_training:
                break
        if seen == 0:  # stopped, or the stream ran dry, before the first update of the epoch
            break
        logs = {"loss": loss_sum / seen,
                **{name: s / seen for name, s in zip(objective.loss_names, part_sums)},
                **objective.metric_logs()}
        strategy.broadcast_weights(model.non_trainable_weights)  # moving statistics
        if val is not None and (epoch + 1) % validation_freq == 0:
            val_logs = evaluate_loop(model, *val, batch_size=validation_batch_size or batch_size,
                                     callbacks=callback_list, validated=True, strategy=strategy)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        callback_list.on_epoch_end(epoch, logs)
        strategy.follow_root(model)
        if model.stop_training:
            break
    callback_list.on_train_end({})
    strategy.finish(model, callback_list.history)
    model.history = callback_list.history
    return model.history
