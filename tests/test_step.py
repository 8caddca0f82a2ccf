"""fit's recorded step against the graph step: bitwise the same training, everywhere."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Sequential
from deepgrad.layers import BatchNormalization, Dense, Dropout, Flatten, Input, Residual
from deepgrad.training import fit as fit_module
from deepgrad.training.step import GraphStep, RecordedStep, make_step

SPARSE = dg.losses.SparseCategoricalCrossentropy(from_logits=True)


def _data(n=150, features=6, classes=3, dtype="float32", seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(dtype)
    return x, rng.integers(0, classes, n)


def _fit(layers, loss, optimizer, x, y, *, plan, monkeypatch, dtype="float32", epochs=3, **kwargs):
    """Weights, history and the model after fitting with the recorded step (``plan``) or the
    graph step, checking that the recorded step replayed."""
    made = []
    with monkeypatch.context() as patch:
        def step(model, objective, params):
            made.append(make_step(model, objective, params) if plan else GraphStep(model, objective, params))
            return made[-1]

        patch.setattr(fit_module, "make_step", step)
        dg.set_seed(0)
        shape = x.shape[1:] if hasattr(x, "shape") else kwargs.pop("sample_shape")
        model = Sequential([Input(shape, dtype=dtype)] + layers())
        model.compile(optimizer=optimizer(), loss=loss, metrics=kwargs.pop("metrics", None))
        history = model.fit(x, y, epochs=epochs, verbose=0, seed=0, **kwargs)
    assert not plan or (isinstance(made[0], RecordedStep) and made[0].replays._tapes)
    return [w.data.copy() for w in model.weights], history.history, model


def _assert_same_training(layers, loss, optimizer, x, y, monkeypatch, **kwargs):
    planned = _fit(layers, loss, optimizer, x, y, plan=True, monkeypatch=monkeypatch, **dict(kwargs))
    graph = _fit(layers, loss, optimizer, x, y, plan=False, monkeypatch=monkeypatch, **dict(kwargs))
    for a, b in zip(planned[0], graph[0]):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()  # bitwise, signed zeros included
    assert planned[1] == graph[1]
    return planned[2]


STACKS = {
    "relu": lambda: [Dense(8, "relu"), Dense(5, "relu"), Dense(3)],
    "one-unit relu": lambda: [Dense(8, "relu"), Dense(1, "relu"), Dense(3)],
    "tanh, sigmoid, no bias": lambda: [Dense(8, "tanh"), Dense(5, "sigmoid"), Dense(3, use_bias=False)],
    "dropout": lambda: [Dense(8, "relu"), Dropout(0.4, seed=3), Dense(3)],
    "softmax output": lambda: [Dense(8, "relu"), Dense(3, "softmax")],
    "batch normalization": lambda: [Dense(8, "relu"), BatchNormalization(), Dense(3)],
    "residual blocks": lambda: [Dense(8, "relu"), Residual([Dense(8, "relu"), Dense(8)]),
                                Residual([Dense(6, "tanh")]), Dense(3)],
    "l2 on every kernel": lambda: [Dense(8, "relu", kernel_regularizer="l2"),
                                   Dense(3, kernel_regularizer=dg.regularizers.L1L2(0.01, 0.02))],
}


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_recorded_is_bitwise_fit_through_the_graph(stack, dtype, weighted, monkeypatch):
    x, y = _data(dtype=dtype)
    loss = "sparse_categorical_crossentropy" if "softmax" in stack else SPARSE
    w = np.random.default_rng(2).random(len(x)) if weighted else None
    # 150 samples in batches of 32: the last batch is shorter
    _assert_same_training(STACKS[stack], loss, dg.optimizers.Adam, x, y, monkeypatch, dtype=dtype,
                          batch_size=32, sample_weight=w, metrics=["accuracy"])


@pytest.mark.parametrize("optimizer", [
    lambda: dg.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    lambda: dg.optimizers.RMSprop(clipnorm=0.5),
    lambda: dg.optimizers.Nadam(),
    lambda: dg.optimizers.AdamW(global_clipnorm=1.0),
    lambda: dg.optimizers.Adagrad(),
])
def test_every_optimizer_trains_the_same(optimizer, monkeypatch):
    x, y = _data()
    _assert_same_training(STACKS["relu"], SPARSE, optimizer, x, y, monkeypatch, batch_size=16)


@pytest.mark.parametrize("stack", ["relu", "one-unit relu"])
def test_both_kernel_modes_train_the_same(stack, monkeypatch):
    if not dg.kernels.available():
        pytest.skip("the C extensions are not built")
    x, y = _data()
    trained = {}
    for mode in ("numpy", "compiled"):
        with dg.kernels.using(mode):
            model = _assert_same_training(STACKS[stack], SPARSE, dg.optimizers.SGD, x, y, monkeypatch, batch_size=16)
        trained[mode] = [w.data.tobytes() for w in model.weights]
    assert trained["numpy"] == trained["compiled"]


@pytest.mark.parametrize("loss, one_hot", [
    (dg.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), True),
    (dg.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum"), False),
    (dg.losses.MeanSquaredError(), True),
    ("kl_divergence", True),
    ("huber", True),
])
def test_every_loss_trains_the_same(loss, one_hot, monkeypatch):
    x, y = _data()
    if one_hot:
        y = np.eye(3, dtype=np.float32)[y]
    _assert_same_training(STACKS["relu"], loss, dg.optimizers.Adam, x, y, monkeypatch, batch_size=32,
                          validation_split=0.2)


def test_class_weights_and_images_through_flatten(monkeypatch):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((64, 4, 3)).astype(np.float32), rng.integers(0, 3, 64)
    layers = lambda: [Flatten(), Dense(6, "relu"), Dense(3)]
    _assert_same_training(layers, SPARSE, dg.optimizers.Adam, x, y, monkeypatch, batch_size=10,
                          class_weight={0: 1.0, 1: 2.0, 2: 0.5})


def test_a_frozen_layer_is_left_alone(monkeypatch):
    x, y = _data()

    def layers():
        frozen = Dense(8, "relu", trainable=False)
        return [frozen, Dense(3)]

    model = _assert_same_training(layers, SPARSE, dg.optimizers.Adam, x, y, monkeypatch, batch_size=32)
    assert model.layers[0].kernel.grad is None


class Peek(dg.layers.Layer):
    """A layer whose call reads its input's values in Python: it says so, and is not replayed."""

    replayable = False

    def call(self, x, training=False):
        return x * float(np.sign(x.data.sum()) or 1.0)


def test_a_layer_that_cannot_be_replayed_trains_through_the_graph(monkeypatch):
    x, y = _data()
    model = Sequential([Input((6,)), Dense(4), Peek(), Dense(3)])
    model.compile("adam", SPARSE)
    assert not model.is_replayable and type(make_step(model, model.objective, model.parameters())) is GraphStep
    model.fit(x, y, epochs=1, verbose=0)
    model.predict(x[:5])
    assert model._inference.get((((5, 6), "f"),)) is None  # predict records nothing


def test_gradients_land_in_the_optimizer_buffer():
    x, y = _data()
    model = Sequential([Input((6,)), Dense(4, "relu"), Dense(3)])
    model.compile("adam", SPARSE)
    model.fit(x, y, epochs=1, verbose=0)
    buffers = model.optimizer.gradient_buffers(model.parameters())
    assert all(p.grad is b for p, b in zip(model.parameters(), buffers))
    # and they are the graph's gradients of the last batch, at the weights it saw
    assert all(np.all(np.isfinite(b)) for b in buffers)


def test_the_loss_value_is_the_graphs_on_each_batch(monkeypatch):
    x, y = _data()
    seen = {}
    for plan in (True, False):
        losses = []
        callback = dg.callbacks.LambdaCallback(
            on_train_batch_end=lambda step, logs, losses=losses: losses.append(logs["loss"]))
        _fit(STACKS["relu"], SPARSE, dg.optimizers.Adam, x, y, plan=plan, monkeypatch=monkeypatch,
             batch_size=32, callbacks=[callback])
        seen[plan] = losses
    assert seen[True] == seen[False] and len(seen[True]) == 15


# ---------------------------------------------------------------- what the replay computes


def test_no_gradient_is_computed_for_the_batch_or_what_only_frozen_layers_need():
    model = Sequential([Input((2, 3)), Flatten(), Dense(4, "relu", trainable=False), Dense(3), Dense(2)])
    model.compile("adam", "mse")
    step = RecordedStep(model, model.objective, model.parameters())
    x = np.ones((5, 2, 3), np.float32)
    step.run((x,), (np.zeros((5, 2)),), (None,))
    tape = step.replays.get(((5, 2, 3),)).tape
    backward = [(type(fn).__name__, fn.needs_input_grad) for fn, *_ in tape.backward_program]
    assert backward == [("Affine", (True, True, True)), ("Affine", (False, True, True))]


def test_a_recorded_step_is_recorded_again_when_a_layer_changes():
    x, y = _data()
    model = Sequential([Input((6,)), Dense(4, "relu"), Dropout(0.0), Dense(3)])
    model.compile("sgd", SPARSE)
    step = RecordedStep(model, model.objective, model.parameters())
    step.run((x[:10],), (y[:10],), (None,))
    assert step.replays.get(((10, 6),)) is not None
    model.layers[1].rate = 0.5
    assert step.replays.get(((10, 6),)) is None


def test_memmaps_and_streams_train_the_same(tmp_path, monkeypatch):
    x, y = _data(dtype="float64")
    path = tmp_path / "x.npy"
    np.save(path, x)
    mapped = np.load(path, mmap_mode="r")  # float64 on disk, cast batch by batch for a float32 model
    _assert_same_training(STACKS["relu"], SPARSE, dg.optimizers.Adam, mapped, y, monkeypatch, batch_size=32)

    def batches():
        for start in range(0, len(x), 40):
            yield x[start:start + 40], y[start:start + 40]

    _assert_same_training(STACKS["dropout"], SPARSE, dg.optimizers.Adam, batches, None, monkeypatch,
                          sample_shape=x.shape[1:])


class Float64Error(dg.losses.Loss, register=False):
    """A float64 constant makes the loss, and the gradient it sends back, float64."""

    def call(self, y_true, y_pred):
        return ((y_pred - np.asarray(y_true, np.float64)) ** 2).mean(axis=1)


def test_a_loss_of_another_dtype_trains_the_same(monkeypatch):
    x, y = _data()
    y = np.eye(3)[y]
    for stack in ("relu", "tanh, sigmoid, no bias"):
        _assert_same_training(STACKS[stack], Float64Error(), dg.optimizers.Adam, x, y, monkeypatch, batch_size=32)


class KernelGradientNorms(dg.callbacks.Callback):
    """Records the first Dense kernel's gradient norm after every batch."""

    def __init__(self):
        super().__init__()
        self.norms = []

    def on_train_batch_end(self, step, logs=None):
        self.norms.append(float(np.linalg.norm(self.model.layers[0].kernel.grad)))


def test_clipping_leaves_the_gradients_fit_shows_unclipped(monkeypatch):
    x, y = _data()
    norms = {}
    for plan in (True, False):
        callback = KernelGradientNorms()
        _fit(STACKS["relu"], SPARSE, lambda: dg.optimizers.SGD(clipnorm=1e-3), x, y, plan=plan,
             monkeypatch=monkeypatch, batch_size=32, callbacks=[callback])
        norms[plan] = callback.norms
    assert norms[True] == norms[False] and max(norms[True]) > 1e-2


class DropoutSwitch(dg.callbacks.Callback):
    """Dropout at rate 0.5 in the second epoch only."""

    def on_epoch_end(self, epoch, logs=None):
        dropout = next(layer for layer in self.model.layers if isinstance(layer, Dropout))
        dropout.rate = 0.5 if epoch == 0 else 0.0


def test_a_dropout_rate_changed_during_fit_is_followed(monkeypatch):
    x, y = _data()
    _assert_same_training(lambda: [Dense(8, "relu"), Dropout(0.0, seed=1), Dense(3)], SPARSE,
                          dg.optimizers.Adam, x, y, monkeypatch, batch_size=32, callbacks=[DropoutSwitch()])


def test_a_model_with_nothing_to_train_still_reports_its_loss():
    x, y = _data()
    model = Sequential([Input((6,)), Dense(3, trainable=False)])
    model.compile("adam", SPARSE, metrics=["accuracy"])
    before = model.get_weights()
    with pytest.warns(UserWarning, match="has no trainable weights"):
        history = model.fit(x, y, epochs=2, batch_size=50, verbose=0)
    assert history.history["loss"][0] == pytest.approx(history.history["loss"][1], rel=1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


class NumpyNoise(dg.layers.Layer):
    """Noise drawn with NumPy in call: a per-batch constant a replay would reuse unchanged."""

    def call(self, x, training=False):
        if not training:
            return x
        return x + dg.Tensor(np.random.default_rng().normal(size=x.shape).astype(np.float32))


def test_a_layer_making_per_batch_arrays_in_python_is_not_replayed():
    x, y = _data()
    model = Sequential([Input((6,)), Dense(4), NumpyNoise(), Dense(3)])
    model.compile("sgd", SPARSE)
    with pytest.warns(UserWarning, match="array of the batch's length in Python"):
        model.fit(x, y, epochs=1, batch_size=50, verbose=0)
    step = make_step(model, model.objective, model.parameters())
    with pytest.warns(UserWarning):
        step.run((x[:50],), (y[:50],), (None,))
    assert not step.replaying and not step.replays._tapes
