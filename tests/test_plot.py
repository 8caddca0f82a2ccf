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
from deepgrad.layers import Activation, Dense, Input, Normalization
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
    assert sorted(plot.__all__) == ["activations", "decision_regions", "ewma", "gradient_norms",
                                    "graph", "history", "optimizer_paths"]


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
