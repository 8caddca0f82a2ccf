"""Diagnostics: the gradient report finds what the lecture notes describe — and nothing on
healthy networks — the monitor records it each epoch, and the learning-rate range test leaves
the model as it was."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Input, Model, Sequential
from deepgrad.diagnostics import GradientMonitor, gradient_report, lr_find
from deepgrad.layers import (
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    LeakyReLU,
    MaxPooling1D,
    MaxPooling2D,
    Residual,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((512, 20)).astype(np.float32)
Y = (X[:, :3].sum(axis=1) > 0).astype(np.float32)


def deep(activation, initializer, *, depth=10, batch_norm=False, optimizer="sgd", **dense):
    layers = [Input((20,))]
    for i in range(depth):
        layers.append(Dense(32, activation, kernel_initializer=initializer, seed=i, **dense))
        if batch_norm:
            layers.append(BatchNormalization())
    layers.append(Dense(1, "sigmoid", seed=99))
    model = Sequential(layers)
    model.compile(optimizer, "binary_crossentropy")
    return model


def residual_network():
    layers = [Input((20,)), Dense(32, "relu", kernel_initializer="he_normal", seed=0)]
    layers += [Residual([Dense(32, "relu", kernel_initializer="he_normal", seed=i),
                         Dense(32, kernel_initializer="he_normal", seed=50 + i)]) for i in range(5)]
    model = Sequential(layers + [Dense(1, "sigmoid", seed=9)])
    model.compile("adam", "binary_crossentropy")
    return model


def kinds(report):
    return sorted({finding.kind for finding in report.findings})


@pytest.mark.parametrize("make", [
    lambda: deep("relu", "he_normal"),
    lambda: deep("relu", "he_normal", batch_norm=True),
    residual_network,
    lambda: deep("tanh", "glorot_uniform", depth=3, optimizer="adam"),
], ids=["relu_he", "relu_he_batch_norm", "residual", "shallow_tanh"])
def test_healthy_networks_have_no_findings(make):
    report = gradient_report(make(), X, Y)
    assert report.findings == [] and report.healthy
    assert "no problems found" in str(report)


def test_ten_sigmoid_layers_vanish():
    report = gradient_report(deep("sigmoid", "glorot_uniform"), X, Y)
    assert kinds(report) == ["vanishing_gradient"]
    message = report.findings[0].message
    assert message.startswith("vanishing gradient: layer dense") and "0.25" in message
    assert "try ReLU, He initialization, BatchNormalization" in message
    first, last = report.layers[0], report.layers[-1]
    assert first.gradient_rms / last.gradient_rms < 1e-3


def test_a_large_negative_bias_kills_relus_and_leaky_relu_does_not_die():
    bias = dg.initializers.Constant(-3.0)
    dead = Sequential([Input((20,)), Dense(64, "relu", bias_initializer=bias, seed=0), Dense(1, "sigmoid")])
    leaky = Sequential([Input((20,)), Dense(64, bias_initializer=bias, seed=0), LeakyReLU(0.1),
                        Dense(1, "sigmoid")])
    for model in (dead, leaky):
        model.compile("sgd", "binary_crossentropy")
    report = gradient_report(dead, X, Y)
    assert kinds(report) == ["dying_relu"]
    assert report.layers[0].dead_share > 0.9
    assert f"of layer {dead.layers[0].name}'s units never fire" in report.findings[0].message
    assert "LeakyReLU/PReLU/ELU" in report.findings[0].message
    assert "dying_relu" not in kinds(gradient_report(leaky, X, Y))


def test_large_weights_explode_and_saturate():
    big = dg.initializers.RandomNormal(stddev=3.0)
    exploding = Sequential([Input((20,))] + [Dense(32, kernel_initializer=big, seed=i) for i in range(6)]
                           + [Dense(1, seed=9)])
    exploding.compile("sgd", "mse")
    report = gradient_report(exploding, X, Y)
    assert kinds(report) == ["exploding_gradient"]
    assert "try clipnorm, a lower learning rate" in report.findings[0].message
    exploding.compile(dg.optimizers.SGD(clipnorm=1.0), "mse")
    assert gradient_report(exploding, X, Y).findings == []
    saturated = deep("tanh", big, depth=2)
    report = gradient_report(saturated, X, Y)
    assert "saturated_units" in kinds(report)
    assert report.layers[1].saturated_share > 0.5


def test_the_figures_are_the_autograd_gradient_and_an_sgd_step():
    model = deep("relu", "he_normal", depth=2)
    report = gradient_report(model, X[:64], Y[:64])
    out = model(dg.Tensor(X[:64]), training=True)
    loss = model.loss(Y[:64], out)
    loss.backward()
    kernel, bias = model.layers[0].weights
    gradient = np.sqrt(np.sum(kernel.grad.astype(np.float64) ** 2) + np.sum(bias.grad.astype(np.float64) ** 2))
    row = report.layers[0]
    assert row.gradient_norm == pytest.approx(gradient, rel=1e-5)
    assert row.update_ratio == pytest.approx(0.01 * row.gradient_norm / row.weight_norm, rel=1e-4)
    assert report.loss == pytest.approx(float(loss.item()), rel=1e-6)
    text = str(report)
    assert all(layer.name in text for layer in model.layers) and "‖∂L/∂w‖" in text


def test_a_report_changes_nothing_in_training():
    """Weights, gradients, moving statistics and dropout masks: training after a report is
    bitwise training without it."""
    def run(with_report):
        dg.set_seed(0)
        model = Sequential([Input((20,)), Dense(16, "relu", seed=0), BatchNormalization(),
                            Dropout(0.3, seed=1), Dense(1, "sigmoid", seed=2)])
        model.compile("adam", "binary_crossentropy")
        if with_report:
            gradient_report(model, X, Y)
        model.fit(X, Y, epochs=2, batch_size=64, verbose=0, seed=0)
        if with_report:
            gradient_report(model, X, Y)
        return [w.tobytes() for w in model.get_weights()]

    assert run(True) == run(False)


def test_functional_and_subclassed_models_are_reported():
    inputs = Input((20,))
    functional = Model(inputs, Dense(1, "sigmoid", seed=1)(Dense(8, "relu", seed=0, name="hidden")(inputs)))
    functional.compile("sgd", "binary_crossentropy")
    report = gradient_report(functional, X, Y)
    assert [row.name for row in report.layers][0] == "hidden" and report.layers[0].dead_share is not None

    class Small(Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(8, "relu", seed=0)
            self.out = Dense(1, "sigmoid", seed=1)

        def call(self, x):
            return self.out(self.hidden(x))

    subclassed = Small()
    subclassed.compile("sgd", "binary_crossentropy")
    rows = gradient_report(subclassed, X, Y).layers
    assert [row.weights for row in rows] == [168, 9] and rows[0].gradient_norm > 0


def test_a_loss_that_stopped_moving_is_said_from_the_history():
    model = deep("relu", "he_normal", depth=1)
    history = {"loss": [0.7, 0.6931, 0.69315, 0.69314, 0.69315, 0.69314, 0.69315]}
    report = gradient_report(model, X, Y, history=history)
    assert "loss_not_moving" in kinds(report)
    assert "loss has not moved for 5 epochs" in str(report)


def test_batch_size_measures_on_a_sample():
    model = deep("relu", "he_normal", depth=1)
    small = gradient_report(model, X, Y, batch_size=50, seed=0)
    assert np.isfinite(small.loss)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        gradient_report(model, X, Y, batch_size=0)
    with pytest.raises(RuntimeError, match="needs a compiled model"):
        gradient_report(Sequential([Input((20,)), Dense(1)]), X, Y)


def test_the_monitor_records_each_epoch_and_says_a_finding_once():
    said = []
    model = deep("sigmoid", "glorot_uniform")
    monitor = GradientMonitor(X[:128], Y[:128], print_fn=said.append)
    history = model.fit(X, Y, epochs=3, batch_size=128, verbose=0, callbacks=[monitor])
    first = model.layers[0].name
    assert len(history.history[f"grad_norm/{first}"]) == 3
    assert len(history.history[f"update_ratio/{first}"]) == 3
    assert len(said) == 1 and said[0].startswith("epoch 1: vanishing gradient")
    assert [kind for _, f in monitor.findings for kind in [f.kind]] == ["vanishing_gradient"]


def test_training_with_a_monitor_is_training_without_it():
    def run(monitor):
        dg.set_seed(0)
        model = Sequential([Input((20,)), Dense(16, "relu", seed=0), Dropout(0.3, seed=1),
                            Dense(1, "sigmoid", seed=2)])
        model.compile("adam", "binary_crossentropy")
        callbacks = [GradientMonitor(X[:64], Y[:64], verbose=0)] if monitor else None
        model.fit(X, Y, epochs=2, batch_size=64, verbose=0, seed=0, callbacks=callbacks)
        return [w.tobytes() for w in model.get_weights()]

    assert run(True) == run(False)


# ------------------------------------------------------------------ convolutional networks

IMAGES = RNG.standard_normal((128, 8, 8, 1)).astype(np.float32)
SIGNALS = RNG.standard_normal((128, 32, 2)).astype(np.float32)
CLASSES = RNG.integers(0, 3, 128)


def cnn(rank, bias=0.0):
    """Conv (ReLU) -> pooling -> conv (tanh) -> global pooling -> flatten-free head."""
    conv, pool, glob = ((Conv2D, MaxPooling2D, GlobalAveragePooling2D) if rank == 2 else
                        (Conv1D, MaxPooling1D, GlobalMaxPooling1D))
    shape = IMAGES.shape[1:] if rank == 2 else SIGNALS.shape[1:]
    model = Sequential([Input(shape),
                        conv(8, 3, padding="same", activation="relu", kernel_initializer="he_normal",
                             bias_initializer=dg.initializers.Constant(bias), seed=0, name="conv"),
                        pool(2, name="pool"),
                        conv(8, 3, activation="tanh", seed=1, name="conv_tanh"),
                        glob(name="global"),
                        Dense(3, "softmax", seed=2, name="out")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("rank", [1, 2])
def test_a_cnn_has_a_row_per_layer_with_finite_norms_for_its_convolutions(rank):
    model = cnn(rank)
    x = IMAGES if rank == 2 else SIGNALS
    report = gradient_report(model, x, CLASSES)
    assert [row.name for row in report.layers] == ["conv", "pool", "conv_tanh", "global", "out"]
    for name in ("conv", "conv_tanh", "out"):
        row = report.layer(name)
        assert row.weights == sum(w.size for w in model.get_layer(name).weights)
        figures = (row.weight_norm, row.gradient_norm, row.update_norm, row.update_ratio)
        assert all(np.isfinite(v) and v > 0 for v in figures), (name, figures)
    for name in ("pool", "global"):  # no weights: no norms, but the output's statistics
        row = report.layer(name)
        assert row.weights == 0 and row.weight_norm is None and row.gradient_norm is None
        assert np.isfinite(row.activation_mean) and row.dead_share is None
    conv, tanh = report.layer("conv"), report.layer("conv_tanh")
    assert (conv.kind, conv.activation, conv.unit) == (type(model.layers[0]).__name__, "relu", "filter")
    assert conv.dead_share is not None and conv.saturated_share is None
    assert tanh.saturated_share is not None and tanh.dead_share is None
    assert report.findings == []
    assert "conv (Conv" in report.table() and "pool (MaxPooling" in report.table()


def test_a_filter_is_dead_only_if_it_never_fires_at_any_position():
    """Dead is counted per filter (channel): one that fires at a few positions of a few samples
    lives; counting positions instead would call most of its outputs dead."""
    model = cnn(2)
    conv = model.get_layer("conv")
    kernel = np.zeros(conv.kernel.shape, np.float32)
    kernel[1, 1, 0, :4] = 1.0  # filters 0-3 copy the pixel...
    bias = np.full(8, -1.0, np.float32)
    bias[:4] = -2.5  # ...and fire only where it is above 2.5: a few pixels in the batch
    conv.set_weights([kernel, bias])  # filters 4-7: nothing but -1, never fire
    report = gradient_report(model, IMAGES, CLASSES)
    outputs = np.maximum(IMAGES - 2.5, 0)
    assert 0 < np.mean(outputs > 0) < 0.01  # few positions fire
    assert report.layer("conv").dead_share == 0.5
    assert "dying_relu" not in kinds(report)  # half is not over half


@pytest.mark.parametrize("rank", [1, 2])
def test_a_convolution_with_a_very_negative_bias_is_reported_as_dying_relu(rank):
    model = cnn(rank, bias=-20.0)
    report = gradient_report(model, IMAGES if rank == 2 else SIGNALS, CLASSES)
    assert report.layer("conv").dead_share == 1.0
    dying = [f for f in report.findings if f.kind == "dying_relu"]
    assert [f.layer for f in dying] == ["conv"]
    assert dying[0].message.startswith("dying ReLU: 100% of layer conv's filters never fire")
    assert "at every position of every sample" in dying[0].message
    assert report.layer("conv").gradient_norm == 0.0


def test_the_monitor_records_a_cnn_and_says_its_dead_filters():
    said = []
    model = cnn(2, bias=-20.0)
    monitor = GradientMonitor(IMAGES[:64], CLASSES[:64], print_fn=said.append)
    history = model.fit(IMAGES, CLASSES, epochs=2, batch_size=64, verbose=0, callbacks=[monitor])
    logs = history.history
    assert logs["dead_share/conv"] == [1.0, 1.0] and len(logs["saturated_share/conv_tanh"]) == 2
    assert {f"grad_norm/{name}" for name in ("conv", "conv_tanh", "out")} <= set(logs)
    assert not any(key.endswith(("/pool", "/global")) for key in logs)
    assert any(line.startswith("epoch 1: dying ReLU: 100% of layer conv's filters") for line in said)


def test_lr_find_restores_the_weights_and_the_optimizer_bitwise():
    model = deep("relu", "he_normal", depth=2, optimizer="adam")
    model.fit(X, Y, epochs=1, batch_size=64, verbose=0, seed=0)  # the optimizer has state
    weights = [w.tobytes() for w in model.get_weights()]
    state = {k: np.asarray(v).tobytes() for k, v in model.optimizer.state_dict().items()}
    optimizer = model.optimizer
    found = lr_find(model, X, Y, steps=80, end_lr=1e3, seed=0)
    assert model.optimizer is optimizer
    assert [w.tobytes() for w in model.get_weights()] == weights
    assert {k: np.asarray(v).tobytes() for k, v in optimizer.state_dict().items()} == state
    assert found.diverged and len(found.learning_rates) < 80
    assert found.learning_rates[0] == pytest.approx(1e-7) and np.all(np.diff(found.learning_rates) > 0)
    assert found.learning_rates[0] < found.suggestion < found.learning_rates[-1]
    assert "suggested" in str(found)
    # training continues exactly as it would have
    other = deep("relu", "he_normal", depth=2, optimizer="adam")
    other.fit(X, Y, epochs=1, batch_size=64, verbose=0, seed=0)
    for m in (model, other):
        m.fit(X, Y, epochs=1, batch_size=64, verbose=0, seed=1)
    assert [w.tobytes() for w in model.get_weights()] == [w.tobytes() for w in other.get_weights()]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(start_lr=0), ValueError, "start_lr must be a finite number > 0"),
    (dict(start_lr=1.0, end_lr=0.5), ValueError, "end_lr must be larger than start_lr"),
    (dict(steps=1), ValueError, "steps must be at least 2"),
    (dict(smoothing=1.0), ValueError, r"smoothing must be a finite number in \[0, 1\)"),
    (dict(diverge=1.0), ValueError, "diverge must be a finite number > 1"),
])
def test_lr_find_checks_its_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        lr_find(deep("relu", "he_normal", depth=1), X, Y, **kwargs)


# --------------------------------------------------------------------------- through time


def _sequences(n=64, steps=30, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, steps, 3)).astype(np.float32), rng.standard_normal((n, 1)).astype(np.float32)


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
def test_the_report_finds_a_gradient_vanishing_through_time(functional):
    x, y = _sequences()
    rnn = dg.layers.SimpleRNN(8, seed=0)
    if functional:
        inputs = dg.layers.Input((30, 3))
        model = dg.Model(inputs, dg.layers.Dense(1, seed=0)(rnn(inputs)))
    else:
        model = dg.Sequential([dg.layers.Input((30, 3)), rnn, dg.layers.Dense(1, seed=0)])
    model.compile("adam", "mse")
    kernel, recurrent, bias = rnn.get_weights()
    rnn.set_weights([kernel, recurrent * 0.1, bias])  # each step shrinks the gradient tenfold
    report = gradient_report(model, x, y)
    row = report.layer(rnn.name)
    assert row.step_gradients.shape == (30,) and row.through_time < 1e-12
    np.testing.assert_allclose(row.through_time, row.step_gradients[:3].mean() / row.step_gradients[-3:].mean())
    finding = next(f for f in report.findings if f.kind == "vanishing_through_time")
    assert finding.layer == rnn.name and "try LSTM or GRU" in finding.message
    assert "first/last steps' ∂L/∂x" in report.table()


def test_the_report_finds_a_gradient_exploding_through_time_and_follows_go_backwards():
    x, y = _sequences(steps=20)
    rnn = dg.layers.SimpleRNN(4, activation="linear", go_backwards=True, seed=0)
    model = dg.Sequential([dg.layers.Input((20, 3)), rnn, dg.layers.Dense(1, seed=0)])
    model.compile("sgd", "mse")
    kernel, _, bias = rnn.get_weights()
    rnn.set_weights([kernel, 2.0 * np.eye(4, dtype=np.float32), bias])  # doubles every step
    row = gradient_report(model, x, y).layer(rnn.name)
    assert row.through_time == pytest.approx(2.0 ** 18, rel=1e-4)  # the steps it ran first: x's last
    assert [f.kind for f in gradient_report(model, x, y).findings].count("exploding_through_time") == 1


def test_a_healthy_lstm_has_no_through_time_finding_and_dense_layers_no_figure():
    x, y = _sequences(steps=6)
    model = dg.Sequential([dg.layers.Input((6, 3)), dg.layers.LSTM(8, seed=0), dg.layers.Dense(1, seed=0)])
    model.compile("adam", "mse")
    report = gradient_report(model, x, y)
    assert not [f for f in report.findings if "through_time" in f.kind]
    assert report.layers[0].through_time > 1e-3 and report.layers[1].through_time is None
