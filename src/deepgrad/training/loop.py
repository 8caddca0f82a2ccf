"""The loops behind ``Sequential.fit``, ``evaluate`` and ``predict``, and ``summary``'s table.

A training step computes exactly what a hand-written loop computes: forward through the model
on a Tensor, the loss (plus regularization penalties), ``backward()``,
``optimizer.step(params)``. For a stack of plain layers it runs as a
:class:`~deepgrad.training.plan.TrainingPlan`, which does the same operations without recording
a graph and gives bitwise the same weights.
"""

from __future__ import annotations

import numpy as np

from .. import data
from ..utils.rng import as_generator
from ..native.backend import as_float_array
from ..autograd.tensor import Tensor, no_grad
from .plan import TrainingPlan

_SPARSE_LOSSES = {"SparseCategoricalCrossentropy"}
_ONE_HOT_LOSSES = {"CategoricalCrossentropy", "CategoricalFocalCrossentropy", "KLDivergence"}
_PROBABILITY_LOSSES = {"BinaryCrossentropy", "BinaryFocalCrossentropy"}


def _loss_kind(loss) -> str:
    return type(loss).__name__


def check_targets_for_loss(y: np.ndarray, loss, output_shape: tuple, name: str = "y") -> None:
    """Label checks that depend on the loss: sparse range, one-hot width, binary range."""
    kind = _loss_kind(loss)
    units = output_shape[-1] if len(output_shape) > 1 else 1
    if kind in _SPARSE_LOSSES:
        labels = y.reshape(len(y), -1) if y.ndim > 1 else y
        if labels.ndim > 1 and labels.shape[1] != 1:
            raise ValueError(
                f"{name} must hold one integer label per sample for sparse_categorical_crossentropy; "
                f"got shape {y.shape} (one-hot labels need loss='categorical_crossentropy')"
            )
        labels = labels.reshape(-1)
        not_integer = np.flatnonzero(labels != np.round(labels))
        if len(not_integer):
            i = not_integer[0]
            raise ValueError(f"{name} must hold integer class labels; {name}[{i}] is {labels[i]}")
        out_of_range = np.flatnonzero((labels < 0) | (labels >= units))
        if len(out_of_range):
            i = out_of_range[0]
            raise ValueError(
                f"{name} labels must lie in [0, {units}) for a model with {units} output units; "
                f"{name}[{i}] is {labels[i]:g}"
            )
    elif kind in _ONE_HOT_LOSSES:
        if y.ndim < 2 or y.shape[-1] != units:
            width = y.shape[-1] if y.ndim >= 2 else "none (integer labels)"
            hint = " (integer labels need loss='sparse_categorical_crossentropy')" if y.ndim < 2 else ""
            raise ValueError(
                f"{name} must be one-hot with {units} columns, one per output unit; got shape "
                f"{y.shape}, width {width}{hint}"
            )
    elif kind in _PROBABILITY_LOSSES:
        outside = np.flatnonzero((y.reshape(-1) < 0) | (y.reshape(-1) > 1))
        if len(outside):
            i = np.unravel_index(outside[0], y.shape)
            raise ValueError(
                f"{name} must hold 0/1 labels (or probabilities) for {_loss_kind(loss)}; "
                f"{name}[{', '.join(map(str, i))}] is {y[i]:g}"
            )


def _prepare(model, x, y, sample_weight, name_x="x", name_y="y", name_w="sample_weight"):
    """Validate one (x, y, w) triple against the model; build the model if needed."""
    x = data.as_features(x, name_x, dtype=model.weights_dtype, sample_shape=model.input_sample_shape)
    y = data.as_targets(y, name_y, n_samples=len(x))
    if not model.built:
        model.build((None,) + tuple(x.shape[1:]))
    check_targets_for_loss(y, model.loss, model.output_shape, name_y)
    w = None if sample_weight is None else data.check_sample_weight(sample_weight, len(x), name_w)
    return x, y, w


def _split_validation(x, y, w, validation_split):
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1); got {validation_split}")
    if validation_split == 0.0:
        return (x, y, w), None
    n_val = int(round(len(x) * validation_split))
    n_train = len(x) - n_val
    if n_val == 0 or n_train == 0:
        raise ValueError(
            f"validation_split={validation_split} leaves {n_train} training and {n_val} validation "
            f"samples out of {len(x)}; both must be at least 1"
        )
    cut = lambda a: None if a is None else (a[:n_train], a[n_train:])  # noqa: E731
    xs, ys, ws = cut(x), cut(y), cut(w)
    return (xs[0], ys[0], ws and ws[0]), (xs[1], ys[1], ws and ws[1])


def _unpack_validation(validation_data):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val); "
            f"got {type(validation_data).__name__}"
            + (f" of length {len(validation_data)}" if isinstance(validation_data, (tuple, list)) else "")
        )
    x_val, y_val, *rest = validation_data
    return x_val, y_val, rest[0] if rest else None


def _callback_list(model, callbacks, verbose, epochs, steps):
    from ..callbacks import CallbackList

    # History and the progress bar go after the user's callbacks (as in Keras), so keys those
    # callbacks add to the epoch logs, such as "learning_rate", are recorded and shown.
    callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose > 0,
                                 model=model, epochs=epochs, steps=steps, verbose=verbose)
    return callback_list, callback_list.history


def _stream_batch(model, batch, step, class_weight):
    """Check one streamed batch as fit checks whole arrays; returns (x, y, w)."""
    xb, yb, wb = batch
    x, y, w = _prepare(model, xb, yb, wb, f"x (batch {step})", f"y (batch {step})", f"sample_weight (batch {step})")
    if class_weight is not None:
        cw = data.class_weights_to_sample_weights(class_weight, y)
        w = cw if w is None else w * cw
    return x, y, w


def _training_parts(model) -> tuple:
    """What every step of ``fit`` uses: the parameters the optimizer updates, whether penalties
    join the loss (else the step skips the walk over the layers), and the training plan (None:
    the step goes through the graph)."""
    params = model.parameters()
    return params, bool(model.regularization_losses()), TrainingPlan.for_model(model, params)


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
    val = None
    if stream is None:
        if x is None or y is None:
            raise ValueError("fit needs both x and y (or, as x alone, a source of (x, y) batches)")
        x, y, w = _prepare(model, x, y, sample_weight)
        if class_weight is not None:
            cw = data.class_weights_to_sample_weights(class_weight, y)
            w = cw if w is None else w * cw
        (x, y, w), val = _split_validation(x, y, w, validation_split)
        steps = -(-len(x) // batch_size)
    else:
        if validation_split or sample_weight is not None:
            raise ValueError("with a stream of batches, pass validation_data and put sample weights in the batches")
        steps = stream.steps
    if validation_data is not None:
        xv, yv, wv = _unpack_validation(validation_data)
        val = _prepare(model, xv, yv, wv, "validation_data[0]", "validation_data[1]", "validation_data[2]")

    callback_list, history = _callback_list(model, callbacks, verbose, epochs, steps)
    rng = as_generator(seed)
    model.stop_training = False
    callback_list.on_train_begin({})
    # a callback that restored a backup (BackupAndRestore) says where training resumes
    initial_epoch = max(initial_epoch, model.__dict__.pop("_resume_at_epoch", initial_epoch))
    parts = None  # found at the first batch, which builds a model that a stream feeds
    for epoch in range(initial_epoch, epochs):
        for metric in model.metrics:
            metric.reset_state()
        loss_sum, seen = 0.0, 0
        callback_list.on_epoch_begin(epoch, {})
        if stream is None:
            source = ((x[i], y[i], None if w is None else w[i])
                      for i in data.batches(len(x), batch_size, shuffle=shuffle, rng=rng))
        else:
            source = (_stream_batch(model, b, k, class_weight) for k, b in enumerate(stream.epoch()))
        for step, (xb, yb, wb) in enumerate(source):
            callback_list.on_train_batch_begin(step, {})
            if parts is None:
                parts = _training_parts(model)
            params, regularized, plan = parts
            for p in params:
                p.grad = None
            if plan is not None:  # the batch as Tensor(xb, dtype=...) would hold it
                value, out = plan.run(as_float_array(xb, model.weights_dtype), yb, wb)
            else:
                out = model(Tensor(xb, dtype=model.weights_dtype), training=True)
                loss = model.loss(yb, out, sample_weight=wb)
                if regularized:
                    for penalty in model.regularization_losses():
                        loss = loss + penalty
                loss.backward()
                value = float(loss.item())
                out = out.data
            callback_list.on_before_optimizer_step(step, {"loss": value})
            if model.stop_training:
                break
            model.optimizer.step(params)
            loss_sum += value * len(xb)
            seen += len(xb)
            for metric in model.metrics:
                metric.update_state(yb, out, sample_weight=wb)
            logs = {"loss": loss_sum / seen, **{m.name: m.result() for m in model.metrics}}
            callback_list.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        if seen == 0:  # stopped, or the stream ran dry, before the first update of the epoch
            break
        logs = {"loss": loss_sum / seen, **{m.name: float(m.result()) for m in model.metrics}}
        if val is not None:
            val_logs = evaluate_loop(model, *val[:2], batch_size=batch_size, sample_weight=val[2], validated=True)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end({})
    model.history = history
    return history


def evaluate_loop(model, x, y, *, batch_size=32, sample_weight=None, validated=False) -> dict:
    """Exact loss over all samples (Σ wᵢ·lossᵢ / n plus penalties) and metrics, as a dict."""
    if not model.compiled:
        raise RuntimeError("the model must be compiled before evaluate(): call model.compile(optimizer, loss)")
    batch_size = data.check_positive_int(batch_size, "batch_size")
    if not validated:
        x, y, sample_weight = _prepare(model, x, y, sample_weight)
    metrics = [type(m).from_config(m.get_config()) for m in model.metrics]
    total = 0.0
    with no_grad():
        for index in data.batches(len(x), batch_size):
            out = model(Tensor(x[index], dtype=model.weights_dtype), training=False)
            per_sample = model.loss.call(y[index], out).data.astype(np.float64)
            wb = None if sample_weight is None else sample_weight[index]
            total += float(np.sum(per_sample if wb is None else per_sample * wb))
            for metric in metrics:
                metric.update_state(y[index], out.data, sample_weight=wb)
        penalty = sum(float(p.item()) for p in model.regularization_losses())
    logs = {"loss": total / len(x) + penalty}
    logs.update({m.name: float(m.result()) for m in metrics})
    return logs


def predict_loop(model, x, *, batch_size=32) -> np.ndarray:
    """``model.infer`` over ``x`` in batches of ``batch_size``, once ``x`` has passed the checks.

    A float array of the model's dtype and input shape passes them in a few attribute tests
    and one finiteness test, so a single-sample request costs little more than its arithmetic.
    """
    if type(batch_size) is not int or batch_size < 1:
        batch_size = data.check_positive_int(batch_size, "batch_size")
    plan = model._plan
    if (plan is not None and type(x) is np.ndarray and x.dtype is plan.dtype and x.ndim
            and x.shape[1:] == plan.sample_shape and 0 < len(x) <= batch_size):  # as_features's checks, in short
        data.check_finite(x, "x")
        return model.infer(x)
    dtype = model.weights_dtype
    x = data.as_features(x, "x", dtype=dtype, sample_shape=model.input_sample_shape)
    if len(x) <= batch_size:  # one batch: no list, no concatenation
        return model.infer(x if type(x) is np.ndarray and x.dtype == dtype else np.asarray(x, dtype=dtype))
    # a memmap is read, and cast, one batch at a time
    outputs = [model.infer(np.asarray(x[index], dtype=dtype)) for index in data.batches(len(x), batch_size)]
    return np.concatenate(outputs, axis=0)


def _format_shape(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def summary_lines(model) -> list[str]:
    """Keras-style table: layer (type), output shape, parameter count; then the totals."""
    rows = []
    shapes = model._output_shapes if model.built else [None] * len(model.layers)
    from ..layers import Input

    for layer, shape in zip(model.layers, shapes):
        if isinstance(layer, Input):  # Keras does not list the input as a layer
            continue
        shown = _format_shape(shape) if shape is not None else "?"
        count = str(layer.count_params()) if layer.built else "0 (unbuilt)"
        rows.append((f"{layer.name} ({type(layer).__name__})", shown, count))
    header = ("Layer (type)", "Output Shape", "Param #")
    widths = [max(len(r[i]) for r in rows + [header]) + 2 for i in range(3)]
    widths[0] = max(widths[0], 30)
    line = "+" + "+".join("-" * w for w in widths) + "+"
    fmt = lambda r: "|" + "|".join(  # noqa: E731
        f" {r[i]:<{widths[i] - 2}} " if i < 2 else f" {r[i]:>{widths[i] - 2}} " for i in range(3)
    ) + "|"
    trainable = sum(w.size for w in model.trainable_weights)
    total = model.count_params()
    itemsize = model.weights_dtype.itemsize

    def size(n):
        return f"{n:,} ({n * itemsize / 1024:.2f} KB)" if n * itemsize >= 1024 else f"{n:,} ({n * itemsize} B)"

    lines = [f'Model: "{model.name}"', line, fmt(header), line.replace("-", "=")]
    lines += [fmt(r) for r in rows]
    lines += [line, f" Total params: {size(total)}", f" Trainable params: {size(trainable)}",
              f" Non-trainable params: {size(total - trainable)}"]
    return lines
