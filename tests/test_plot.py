"""deepgrad.plot: every picture renders to an image of the size asked for, with something drawn,
and the numbers behind it are right."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.image import imread

import deepgrad as dg
from deepgrad import plot
from deepgrad.datasets import make_moons, make_spiral
from deepgrad.layers import (
    Activation,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling1D,
    Input,
    MaxPooling1D,
    MaxPooling2D,
    Normalization,
    Residual,
)
from deepgrad.plot.regions import first_hidden_layer

DPI = 40


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def check_image(figure, folder, name="figure.png"):
    """Render ``figure`` to PNG: the size is figsize × dpi and the picture is not blank."""
    path = folder / name
    figure.savefig(path, dpi=DPI)
    image = imread(path)
    width, height = figure.get_size_inches()
    # matplotlib truncates figsize × dpi to whole pixels
    assert abs(image.shape[0] - height * DPI) < 1 and abs(image.shape[1] - width * DPI) < 1
    colours = np.unique(image.reshape(-1, image.shape[-1]).round(3), axis=0)
    assert len(colours) > 8
    assert image[..., :3].std() > 0.01
    return image


@pytest.fixture(scope="module")
def moons():
    x, y = make_moons(200, noise=0.1, seed=0)
    dg.set_seed(0)
    model = dg.Sequential([Input((2,)), Dense(8, activation="tanh", name="hidden"),
                           Dense(1, activation="sigmoid", name="output")])
    model.compile(dg.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=40, verbose=0, validation_split=0.2)
    return model, history, x, y


@pytest.fixture(scope="module")
def spiral():
    """A functional model of three logits, its hidden ReLU an Activation layer of its own."""
    x, y = make_spiral(150, seed=0)
    dg.set_seed(0)
    inputs = Input((2,))
    hidden = Activation("relu", name="relu")(Dense(24, name="hidden")(inputs))
    model = dg.Model(inputs, Dense(3, name="logits")(hidden))
    model.compile(dg.optimizers.Adam(0.02),
                  dg.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=60, verbose=0)
    return model, x, y


# ------------------------------------------------------------------ matplotlib stays optional


def test_importing_deepgrad_and_its_plot_package_imports_no_matplotlib():
    code = ("import sys, deepgrad, deepgrad.plot; "
            "print([m for m in sys.modules if m.split('.')[0] == 'matplotlib'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert dg.plot is plot


def test_without_matplotlib_drawing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "deepgrad\[plot\]"'):
        plot.ewma()


def test_public_functions():
    assert sorted(plot.__all__) == ["activations", "decision_regions", "ewma", "feature_maps",
                                    "filters", "gradient_norms", "graph", "history",
                                    "optimizer_paths"]


# ------------------------------------------------------------------ history


def test_history_draws_one_panel_per_quantity_with_its_validation_curve(moons, tmp_path):
    _, history, _, _ = moons
    figure = plot.history(history, figsize=(8, 3))
    check_image(figure, tmp_path)
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["loss", "val_loss"]
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(1, 41))
    np.testing.assert_allclose(lines[1].get_ydata(), history.history["val_loss"])


def test_history_takes_the_dict_a_metric_selection_and_axes():
    logs = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.9], "val_accuracy": [0.4, 0.8],
            "grad_norm/dense": [0.1, 0.2]}
    assert [ax.get_title() for ax in plot.history(logs).axes] == ["loss", "accuracy"]
    _, axes = plt.subplots(1, 2)
    figure = plot.history(logs, metrics=["val_accuracy"], axes=axes)
    assert figure is axes[0].figure
    assert [line.get_label() for line in axes[0].get_lines()] == ["accuracy", "val_accuracy"]
    with pytest.raises(ValueError, match="'recall' was not logged; logged: loss, accuracy"):
        plot.history(logs, metrics="recall")
    with pytest.raises(ValueError, match="no values"):
        plot.history({})
    with pytest.raises(TypeError, match="History"):
        plot.history([0.5, 0.4])


# ------------------------------------------------------------------ decision regions


def test_decision_regions_of_a_trained_moons_model(moons, tmp_path):
    model, _, x, y = moons
    figure = plot.decision_regions(model, x, y, resolution=60)
    check_image(figure, tmp_path)
    regions = figure.regions
    assert regions["accuracy"] > 0.9
    # the region under each training point (its nearest grid cell) is mostly its class
    col = np.abs(regions["x0"][None, :] - x[:, :1]).argmin(axis=1)
    row = np.abs(regions["x1"][None, :] - x[:, 1:]).argmin(axis=1)
    assert np.mean(regions["classes"][row, col] == y) > 0.9
    assert regions["probabilities"].shape == (60, 60)
    # the hidden units: the tanh layer's activations over the plane, one heat map each
    assert regions["hidden"].shape == (8, 60, 60)
    assert np.abs(regions["hidden"]).max() <= 1.0
    grid = np.array([[regions["x0"][5], regions["x1"][7]]], np.float32)
    expected = np.tanh(grid @ model.layers[0].kernel.data + model.layers[0].bias.data)
    np.testing.assert_allclose(regions["hidden"][:, 7, 5], expected[0], rtol=1e-5, atol=1e-6)
    assert "'hidden'" in regions["hidden_layer"]
    assert len(figure.axes) == 1 + 8


def test_decision_regions_of_a_functional_multiclass_model_of_logits(spiral, tmp_path):
    model, x, y = spiral
    figure = plot.decision_regions(model, x, y, resolution=40, max_units=6)
    check_image(figure, tmp_path)
    regions = figure.regions
    assert regions["probabilities"].shape == (40, 40, 3)
    np.testing.assert_allclose(regions["probabilities"].sum(axis=-1), 1.0, rtol=1e-6)
    assert set(np.unique(regions["classes"])) == {0, 1, 2}
    assert regions["accuracy"] > 0.6
    # the units are the ReLU layer's outputs (the Activation layer after the Dense is taken)
    assert regions["hidden"].shape == (24, 40, 40) and regions["hidden"].min() >= 0
    assert "then 'relu'" in regions["hidden_layer"]
    assert len(figure.axes) == 1 + 6


def test_decision_regions_alone_in_given_axes_and_one_hot_labels(moons, tmp_path):
    model, _, x, y = moons
    _, ax = plt.subplots(figsize=(4, 4))
    figure = plot.decision_regions(model, x, np.eye(2)[y], resolution=30, hidden_units=False,
                                   ax=ax)
    assert figure is ax.figure and figure.regions["hidden"] is None
    check_image(figure, tmp_path)
    with pytest.raises(ValueError, match="hidden_units=False"):
        plot.decision_regions(model, x, y, resolution=30, ax=ax)


def test_decision_regions_refuses_what_it_cannot_draw(moons):
    model, _, x, y = moons
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\).*\(200, 3\)"):
        plot.decision_regions(model, np.ones((200, 3)), y)
    with pytest.raises(ValueError, match="one label per row"):
        plot.decision_regions(model, x, y[:10])
    with pytest.raises(ValueError, match=r"y\[0\] is 0.5"):
        plot.decision_regions(model, x, np.full(200, 0.5))
    with pytest.raises(TypeError, match="deepgrad model"):
        plot.decision_regions("model", x, y)


def test_the_first_hidden_layer_skips_inputs_and_normalization():
    normalization = Normalization()
    normalization.adapt(np.random.default_rng(0).normal(size=(50, 2)))
    model = dg.Sequential([Input((2,)), normalization, Dense(4, name="first"),
                           Activation("tanh", name="squash"), Dense(1, name="out")])
    assert [layer.name for layer in first_hidden_layer(model)] == [
        normalization.name, "first", "squash"]
    inputs = Input((2,))
    functional = dg.Model(inputs, Dense(1, name="only")(inputs))
    assert [layer.name for layer in first_hidden_layer(functional)] == ["only"]
    with pytest.raises(ValueError, match="no layer with trainable weights"):
        first_hidden_layer(dg.Sequential([Input((2,)), Activation("relu")]))


# ------------------------------------------------------------------ activations


def test_activation_derivatives_come_from_autograd_with_their_maxima(tmp_path):
    figure = plot.activations(figsize=(9, 6))
    check_image(figure, tmp_path)
    curves = figure.curves
    assert list(curves) == ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish"]
    assert curves["sigmoid"]["max_derivative"] == pytest.approx(0.25, abs=1e-12)
    assert curves["sigmoid"]["argmax"] == 0.0
    assert curves["tanh"]["max_derivative"] == pytest.approx(1.0, abs=1e-12)
    assert curves["tanh"]["argmax"] == 0.0
    assert curves["swish"]["max_derivative"] == pytest.approx(1.0998, abs=1e-4)
    s = 1 / (1 + np.exp(-curves["sigmoid"]["x"]))
    np.testing.assert_allclose(curves["sigmoid"]["derivative"], s * (1 - s), atol=1e-12)
    np.testing.assert_allclose(curves["leaky_relu"]["derivative"][:10], 0.01)
    assert [ax.get_title() for ax in figure.axes] == list(curves)


def test_activations_of_a_function_within_no_grad_and_refusals():
    with dg.no_grad():
        figure = plot.activations([lambda x: x * x], x_range=(-1, 1), points=5)
    curve = figure.curves["<lambda>"]
    np.testing.assert_allclose(curve["derivative"], [-2, -1, 0, 1, 2])
    with pytest.raises(ValueError, match="softmax is not elementwise"):
        plot.activations(["softmax"])
    with pytest.raises(ValueError, match="unknown activation"):
        plot.activations(["sigmoidd"])
    with pytest.raises(ValueError, match="x_range"):
        plot.activations(x_range=(1, -1))


# ------------------------------------------------------------------ gradient norms


def test_gradient_norms_of_a_gradient_monitor_run(tmp_path):
    from deepgrad.diagnostics import GradientMonitor

    x, y = make_moons(100, noise=0.1, seed=1)
    model = dg.Sequential([Input((2,)), Dense(8, "relu", seed=0, name="hidden"),
                           Dense(1, "sigmoid", seed=1, name="output")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[GradientMonitor(x, y, verbose=0)])
    figure = plot.gradient_norms(history, figsize=(8, 3))
    check_image(figure, tmp_path)
    norms, ratios = figure.axes
    assert norms.get_yscale() == "log" and ratios.get_yscale() == "log"
    assert [line.get_label() for line in norms.get_lines()] == ["hidden", "output"]
    np.testing.assert_allclose(norms.get_lines()[0].get_ydata(),
                               history.history["grad_norm/hidden"])
    # the training curves leave the per-layer keys out
    assert [ax.get_title() for ax in plot.history(history).axes] == ["loss"]


def test_gradient_norms_without_update_ratios_and_without_norms():
    figure = plot.gradient_norms({"loss": [1, 0.5], "grad_norm/a": [0.1, 0.01]})
    assert [ax.get_title() for ax in figure.axes] == ["gradient norm per layer"]
    with pytest.raises(ValueError, match="GradientMonitor"):
        plot.gradient_norms({"loss": [1.0, 0.5]})


# ------------------------------------------------------------------ optimizer paths


@pytest.mark.parametrize("surface", ["rosenbrock", "beale", "saddle"])
def test_optimizer_paths_start_together_and_adam_and_momentum_move(surface, tmp_path):
    figure = plot.optimizer_paths(surface, steps=40, resolution=40, figsize=(5, 4))
    check_image(figure, tmp_path)
    start = plot.surfaces.SURFACES[surface].start
    assert list(figure.paths) == ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
    for label, path in figure.paths.items():
        assert path.shape == (41, 2), label
        np.testing.assert_array_equal(path[0], start)
        assert np.isfinite(figure.losses[label]).all()
    assert figure.losses["adam"][-1] < figure.losses["adam"][0]
    assert np.linalg.norm(figure.paths["adam"][-1] - start) > 0.1
    assert np.linalg.norm(figure.paths["momentum"][-1] - start) > 0.1
    assert not np.array_equal(figure.paths["momentum"], figure.paths["sgd"])


def test_optimizer_paths_take_real_optimizer_steps():
    # Rosenbrock at (-1.5, 2): gradient (-2(1 - x) - 400x(y - x²), 200(y - x²)) = (-155, -50)
    figure = plot.optimizer_paths("rosenbrock", ["sgd"], steps=1, resolution=10,
                                  learning_rates={"sgd": 1e-3})
    np.testing.assert_allclose(figure.paths["sgd"][1], [-1.5 + 0.155, 2.0 + 0.05])
    np.testing.assert_allclose(figure.losses["sgd"][0], 2.5 ** 2 + 100 * 0.25 ** 2)


def test_optimizer_paths_on_a_function_of_yours_with_optimizer_objects():
    def bowl(a, b):
        return (a - 1) ** 2 + 4 * (b + 0.5) ** 2

    figure = plot.optimizer_paths(bowl, ["adam", dg.optimizers.Adagrad(learning_rate=0.5)],
                                  steps=100, start=(-1, 1), resolution=20)
    assert list(figure.paths) == ["adam", "Adagrad"]
    np.testing.assert_allclose(figure.paths["Adagrad"][-1], [1.0, -0.5], atol=0.05)
    assert figure.axes[0].get_title().startswith("bowl")


def test_optimizer_paths_stop_where_a_step_diverges_without_warnings():
    figure = plot.optimizer_paths("rosenbrock", ["sgd"], steps=50, resolution=10,
                                  learning_rates={"sgd": 1.0})
    assert len(figure.paths["sgd"]) < 51
    assert "diverged" in figure.axes[0].get_legend().get_texts()[0].get_text()


def test_optimizer_paths_refusals():
    with pytest.raises(ValueError, match="unknown surface 'himmelblau'"):
        plot.optimizer_paths("himmelblau")
    with pytest.raises(ValueError, match="'momentum', which is not among"):
        plot.optimizer_paths(optimizers=["adam"], learning_rates={"momentum": 0.1}, steps=1)
    with pytest.raises(ValueError, match="unknown optimizer"):
        plot.optimizer_paths(optimizers=["adamm"], steps=1)
    with pytest.raises(ValueError, match="scalar Tensor"):
        plot.optimizer_paths(lambda a, b: dg.stack([a, b]), ["sgd"], steps=1)


# ------------------------------------------------------------------ EWMA


def test_ewma_of_the_notes_temperatures(tmp_path):
    figure = plot.ewma(figsize=(6, 3))
    check_image(figure, tmp_path)
    assert list(figure.averages) == [0.5, 0.9, 0.98]
    np.testing.assert_allclose(figure.averages[0.9][:5], [2.8, 3.82, 5.138, 7.7242, 11.25178])
    raw = figure.axes[0].collections[0].get_offsets()
    np.testing.assert_array_equal(raw[:5, 1], [28, 13, 17, 31, 43])
    assert len(raw) == 120


def test_ewma_with_bias_correction_and_a_series_of_yours():
    figure = plot.ewma([28, 13], betas=0.9, bias_correction=True)
    np.testing.assert_allclose(figure.averages[0.9], [28.0, 3.82 / 0.19])
    assert len(figure.axes[0].get_lines()) == 2  # corrected, and the dotted uncorrected one
    with pytest.raises(ValueError, match="beta"):
        plot.ewma(betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="1-D"):
        plot.ewma(np.ones((3, 2)))


# ------------------------------------------------------------------ graphs


def _notes_graph():
    a = dg.Tensor(5.0, requires_grad=True, name="a")
    b = dg.Tensor(3.0, requires_grad=True, name="b")
    c = dg.Tensor(2.0, requires_grad=True, name="c")
    return 3 * (a + b * c)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_drawn_by_graphviz(tmp_path, moons):
    figure = plot.graph(_notes_graph())
    assert figure.rendered and figure.axes[0].images
    assert 'label="{ a | shape () | value 5 | grad 3 }"' in figure.dot
    check_image(figure, tmp_path)
    figure = plot.graph(moons[0], to_file=tmp_path / "model.png")
    assert figure.rendered and '"hidden" -> "output"' in figure.dot
    assert imread(tmp_path / "model.png").shape[0] > 10


def test_graph_without_graphviz_shows_the_dot_text(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    figure = plot.graph(_notes_graph(), to_file=tmp_path / "graph.dot")
    assert not figure.rendered
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts[0].startswith("digraph deepgrad {")
    assert "not installed" in figure.axes[0].get_title(loc="left")
    assert (tmp_path / "graph.dot").read_text() == figure.dot
    check_image(figure, tmp_path)
    with pytest.raises(TypeError, match="Tensor"):
        plot.graph(3.0)


# ------------------------------------------------------------------ convolutions


@pytest.fixture(scope="module")
def cnn():
    """Conv (1 channel in) -> BatchNormalization -> conv -> pooling -> residual -> dropout -> head."""
    dg.set_seed(0)
    return dg.Sequential([
        Input((8, 8, 1)),
        Conv2D(6, 3, padding="same", activation="relu", name="first"),
        BatchNormalization(name="bn"),
        Conv2D(20, 3, padding="same", activation="relu", name="second"),
        MaxPooling2D(2, name="pool"),
        Residual([Conv2D(20, 3, padding="same", activation="relu", name="inner")], name="block"),
        Dropout(0.5, name="dropout"),
        Flatten(name="flatten"),
        Dense(3, name="out"),
    ])


def test_filters_of_the_first_layer_one_tile_per_filter(cnn, tmp_path):
    figure = plot.filters(cnn)
    check_image(figure, tmp_path)
    kernel = cnn.get_layer("first").kernel.data  # (3, 3, 1, 6)
    np.testing.assert_array_equal(figure.filters, kernel.transpose(3, 0, 1, 2))
    assert figure.filters_layer == "first"
    assert figure.axes[0].get_title() == "layer 'first' (Conv2D)\n6 filters of 3×3 over 1 channel"
    # one mosaic on one colour scale, symmetric around 0, with its colour bar
    image = figure.axes[0].images[0]
    assert image.get_array().shape == (3, 6 * 4 - 1)
    assert image.get_clim() == pytest.approx((-np.abs(kernel).max(), np.abs(kernel).max()))
    np.testing.assert_array_equal(image.get_array()[:, 4:7], kernel[..., 0, 1])


def test_filters_of_a_deeper_layer_by_channel_mean_and_cut(cnn, tmp_path):
    kernel = cnn.get_layer("second").kernel.data  # (3, 3, 6, 20)
    figure = plot.filters(cnn, "second", max_filters=5, max_channels=4)
    check_image(figure, tmp_path)
    np.testing.assert_array_equal(figure.filters, kernel.transpose(3, 0, 1, 2)[:5, :, :, :4])
    assert "the first 5 filters and the first 4 channels shown" in figure.axes[0].get_title()
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"filter {k}" for k in range(5)]
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"ch {c}" for c in range(4)]
    mean = plot.filters(cnn, 2, channels="mean")  # model.layers[2] is "second"
    np.testing.assert_allclose(mean.filters, kernel.astype(np.float64).transpose(3, 0, 1, 2)
                               .mean(axis=-1), rtol=1e-12)
    inner = plot.filters(cnn, "inner")  # inside the residual block
    assert inner.filters_layer == "inner" and inner.filters.shape == (20, 3, 3, 8)


def test_filters_of_colour_images_transposed_depthwise_and_1d_layers(tmp_path):
    rgb = Conv2D(12, 5, seed=0)
    rgb(np.zeros((1, 16, 16, 3), np.float32))
    _, ax = plt.subplots(figsize=(5, 3))
    figure = plot.filters(rgb, ax=ax)
    assert figure is ax.figure
    check_image(figure, tmp_path)
    np.testing.assert_array_equal(figure.filters, rgb.kernel.data.transpose(3, 0, 1, 2))
    colours = ax.images[0].get_array()  # RGBA, each filter scaled to [0, 1] on its own
    assert colours.shape[-1] == 4 and colours.min() == 0.0 and colours.max() == 1.0
    with pytest.raises(ValueError, match="channels='rgb' draws kernels over 3 input channels"):
        plot.filters(_built(Conv2D(2, 3), (1, 5, 5, 2)), channels="rgb")
    transposed = _built(Conv2DTranspose(4, 3), (1, 5, 5, 2))  # kernel (3, 3, 4, 2)
    assert plot.filters(transposed).filters.shape == (4, 3, 3, 2)
    depthwise = _built(DepthwiseConv2D(3, depth_multiplier=2), (1, 5, 5, 3))
    figure = plot.filters(depthwise)
    assert figure.filters.shape == (6, 3, 3, 1) and "over its own channel" in figure.axes[0].get_title()
    conv1d = _built(Conv1D(4, 5), (1, 20, 2))
    figure = plot.filters(conv1d)
    np.testing.assert_array_equal(figure.filters[:, 0], conv1d.kernel.data.transpose(2, 0, 1))
    assert "4 filters of 5 over 2 channels" in figure.axes[0].get_title()


def _built(layer, shape):
    layer(np.zeros(shape, np.float32))
    return layer


def test_filters_refusals(cnn):
    dense = dg.Sequential([Input((4,)), Dense(2, name="only")])
    with pytest.raises(ValueError, match=r"model '.*' has no convolution layer \(Conv1D"):
        plot.filters(dense)
    with pytest.raises(ValueError, match="layer 'pool' \\(MaxPooling2D\\) is not a convolution layer; "
                                         "the model's are \\['first', 'second', 'inner'\\]"):
        plot.filters(cnn, "pool")
    with pytest.raises(ValueError, match="no layer named 'third'"):
        plot.filters(cnn, "third")
    with pytest.raises(TypeError, match="layer must be a layer's name"):
        plot.filters(cnn, 1.5)
    with pytest.raises(TypeError, match="model_or_layer must be a deepgrad model or a convolution"):
        plot.filters(Dense(3))
    with pytest.raises(ValueError, match="layer= picks a layer of a model"):
        plot.filters(cnn.get_layer("first"), "first")
    with pytest.raises(ValueError, match="has no weights yet: build it first"):
        plot.filters(Conv2D(3, 3, name="fresh"))
    with pytest.raises(ValueError, match="max_filters must be"):
        plot.filters(cnn, max_filters=0)
    with pytest.raises(ValueError, match="channels must be 'auto', 'each', 'mean' or 'rgb'"):
        plot.filters(cnn, channels="grey")


def test_feature_maps_of_one_image_are_the_layers_inference_outputs(cnn, tmp_path):
    x = np.random.default_rng(0).random((8, 8, 1)).astype(np.float32)
    figure = plot.feature_maps(cnn, x, max_maps=8)
    check_image(figure, tmp_path)
    assert list(figure.maps) == ["first", "second", "pool", "block"]
    # the outputs of inference (BatchNormalization's moving statistics), layer by layer
    out = x[None]
    expected = {}
    for layer in cnn.layers:
        out = layer(out, training=False)
        expected[layer.name] = out.data[0]
    for name, maps in figure.maps.items():
        assert maps.shape == expected[name].shape
        np.testing.assert_allclose(maps, expected[name], rtol=1e-5, atol=1e-6)
    assert figure.maps["pool"].shape == (4, 4, 20)
    # the input, then a picture per channel up to max_maps: 6, 8, 8 and 8
    assert len(figure.axes) == 1 + 6 + 8 + 8 + 8
    assert "the first 8 channels of each" in figure.get_suptitle()
    np.testing.assert_array_equal(figure.axes[1].images[0].get_array(), figure.maps["first"][..., 0])
    # a batch of one and chosen layers; the batch's first axis is taken away
    chosen = plot.feature_maps(cnn, x[None], layers=["second", cnn.get_layer("block"), 0])
    assert list(chosen.maps) == ["second", "block", "first"]


def test_feature_maps_of_a_functional_1d_network(tmp_path):
    dg.set_seed(0)
    inputs = Input((40, 2))
    hidden = MaxPooling1D(2, name="pool")(Conv1D(6, 5, activation="relu", name="conv")(inputs))
    outputs = Dense(2, name="out")(GlobalAveragePooling1D(name="global")(hidden))
    model = dg.Model(inputs, outputs)
    signal = np.sin(np.linspace(0, 12, 80)).reshape(40, 2)
    figure = plot.feature_maps(model, signal)
    check_image(figure, tmp_path)
    assert {name: maps.shape for name, maps in figure.maps.items()} == {
        "conv": (36, 6), "pool": (18, 6)}
    assert len(figure.axes) == 3  # the input's lines, and a heat map per layer
    assert len(figure.axes[0].get_lines()) == 2
    np.testing.assert_array_equal(figure.axes[1].images[0].get_array(), figure.maps["conv"].T)


def test_feature_maps_refusals(cnn):
    x = np.zeros((8, 8, 1))
    with pytest.raises(ValueError, match=r"x holds 2 samples; feature_maps draws one: pass x\[i\]"):
        plot.feature_maps(cnn, np.zeros((2, 8, 8, 1)))
    with pytest.raises(ValueError, match=r"one sample of shape \(8, 8, 1\).*got shape \(8, 8\)"):
        plot.feature_maps(cnn, np.zeros((8, 8)))
    with pytest.raises(ValueError, match="x must be finite"):
        plot.feature_maps(cnn, np.full((8, 8, 1), np.nan))
    with pytest.raises(ValueError, match=r"layer 'flatten' \(Flatten\) makes outputs of shape "
                                         r"\(1, 320\): no feature maps"):
        plot.feature_maps(cnn, x, layers="flatten")
    with pytest.raises(ValueError, match="no layer named 'third'"):
        plot.feature_maps(cnn, x, layers=["third"])
    with pytest.raises(ValueError, match="'inner' is not one of model .*'s own layers"):
        plot.feature_maps(cnn, x, layers=[cnn.get_layer("block").layers[0]])
    with pytest.raises(ValueError, match="has no convolution or pooling layer"):
        plot.feature_maps(dg.Sequential([Input((4,)), Dense(2)]), np.zeros(4))
    with pytest.raises(TypeError, match="deepgrad model"):
        plot.feature_maps(cnn.get_layer("first"), x)
    with pytest.raises(ValueError, match="max_maps must be"):
        plot.feature_maps(cnn, x, max_maps=0)

    class Subclassed(dg.Model):
        def __init__(self):
            super().__init__()
            self.conv = Conv2D(2, 3)

        def call(self, x):
            return self.conv(x)

    subclassed = Subclassed()
    subclassed.build((None, 8, 8, 1))
    with pytest.raises(ValueError, match="subclassed: its call runs its layers"):
        plot.feature_maps(subclassed, x)
