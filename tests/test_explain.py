import re

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Input, Sequential, Tensor, explain
from deepgrad.autograd.engine import backpropagate
from deepgrad.layers import Dense, Dropout


def _seed_004_graph():
    a = dg.Tensor(5.0, requires_grad=True, name="a")
    b = dg.Tensor(3.0, requires_grad=True, name="b")
    c = dg.Tensor(2.0, requires_grad=True, name="c")
    u = b * c
    u.name = "u"
    v = a + u
    v.name = "v"
    J = 3 * v
    J.name = "J"
    return J, (a, b, c)


def test_tree_shows_values_ops_and_chain_rule_gradients():
    J, _ = _seed_004_graph()
    text = explain.tree(J)
    assert text.splitlines()[0] == "J = 33  [Mul]  grad 1"
    assert "v = 11  [Add]  grad 3" in text
    assert "u = 6  [Mul]  grad 3" in text
    for line in ("a = 5  (leaf)  grad 3", "b = 3  (leaf)  grad 6", "c = 2  (leaf)  grad 9"):
        assert line in text
    assert "3  (constant)" in text


def test_explaining_does_not_touch_grad():
    J, leaves = _seed_004_graph()
    explain.tree(J)
    explain.graph(J)
    assert all(t.grad is None for t in leaves)


def test_dot_is_well_formed():
    J, _ = _seed_004_graph()
    dot = explain.graph(J)
    assert dot.startswith("digraph deepgrad {") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    node_ids = set(re.findall(r"^  (n\d+) \[", dot, re.MULTILINE))
    edge_ids = set(re.findall(r"(n\d+) ->", dot)) | set(re.findall(r"-> (n\d+);", dot))
    assert edge_ids <= node_ids and len(node_ids) == 7  # a, b, c, 3, u, v, J
    assert dot.count('shape=ellipse, label="Mul"') == 2
    assert 'label="{ a | shape () | value 5 | grad 3 }"' in dot


def test_non_scalar_graph_shows_shapes_and_existing_grads():
    w = dg.Tensor(np.ones((3, 2)), requires_grad=True, name="w")
    y = dg.Tensor(np.ones((4, 3))) @ w
    text = explain.tree(y)
    assert "shape (4, 2)" in text and "w = shape (3, 2)  (leaf)" in text
    y.sum().backward()
    assert "grad shape (3, 2)" in explain.tree(y)


def test_reused_node_is_printed_once():
    x = dg.Tensor(2.0, requires_grad=True, name="x")
    text = explain.tree(x * x)
    assert text.count("x = 2") == 1 and "x  (see above)" in text


def test_deep_graph_explains_without_recursion():
    x = dg.Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y + 1.0
    assert len(explain.tree(y).splitlines()) == 6001


# ---------------------------------------------------------------------- explain.trace


def test_the_earlier_import_paths_still_work():
    import importlib

    from deepgrad.explain import graph, nodes, tree
    from deepgrad.explain.trace import Trace

    graph_module = importlib.import_module("deepgrad.explain.graph")
    assert Trace is dg.explain.Trace

    assert dg.explain.tree is tree is graph_module.tree
    assert graph is graph_module.graph and nodes is graph_module.nodes
    assert callable(dg.explain.trace) and callable(dg.explain.example)


def _network(activations, sizes, *, dtype="float64", seed=0, **layer_options):
    rng = np.random.default_rng(seed)
    model = Sequential([Input((sizes[0],))])
    for k, (activation, units) in enumerate(zip(activations, sizes[1:])):
        model.add(Dense(units, activation=activation, dtype=dtype, name=f"layer{k + 1}",
                        **layer_options))
    model.set_weights([rng.normal(size=w.shape) for w in model.weights])
    return model


def _autograd(model, x, y, loss):
    """deepgrad's own gradients of the model on one sample, by weight path."""
    out = model(Tensor(np.asarray(x, dtype=model.weights_dtype)[None, :]))
    value = dg.losses.get(loss)(np.asarray(y)[None, ...] if np.ndim(y) else np.array([y]), out)
    grads = backpropagate(value, np.ones_like(value.data))
    return {w.path: grads[w] for w in model.weights}, float(value.item())


# Worked examples: the numbers DESIGN.md gives, exactly as it writes them.
WORKED = {
    "perceptron": ["x = (95, 4)", "= 0.01·95 + 0.02·4 + 0.001", "= 1.031", "σ(1.031) = 0.7371",
                   "≥ 0.5 → class 1"],
    "two-layer-chain": ["= 1.151", "σ(1.151) = 0.7597", "w⁽²⁾₁₁·a⁽¹⁾₁ + b⁽²⁾₁ = 0.02·0.7597 + 0.03",
                        "≈ 0.0452", "σ(0.04519) = 0.5113"],
    "logistic-neuron": ["x = (2, 1, 3)", "= 1·2 + 2·1 + 1·3 + (-1) = 2 + 2 + 3 − 1 = 6",
                        "σ(6) = 0.99753"],
    "network-2-2-1": ["σ(1.5) = 0.8176", "σ(2.2) = 0.9002", "σ(1.019) = 0.7348",
                      "L = (y − ŷ)² = (1 − 0.7348)² = 0.07035",
                      "∂L/∂a⁽¹⁾₁ = ∂L/∂z⁽²⁾₁·w⁽²⁾₁₁ = (-0.1034)·0.5 = -0.05169",
                      "∂L/∂w⁽¹⁾₁₁ = ∂L/∂a⁽¹⁾₁·∂a⁽¹⁾₁/∂z⁽¹⁾₁·∂z⁽¹⁾₁/∂w⁽¹⁾₁₁ = (-0.05169)·0.1491·3 = -0.02313",
                      "w⁽¹⁾₁₁ ← 0.1 − 0.1·(-0.02313) = 0.1023",
                      "b⁽²⁾₁ ← 0.07 − 0.1·(-0.1034) = 0.08034"],
}


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_examples_print_the_notes_numbers(name):
    text = dg.explain.example(name).text()
    missing = [number for number in WORKED[name] if number not in text]
    assert not missing, f"{name} lacks {missing}:\n{text}"
    assert "Where the notes differ" in text


def test_worked_examples_say_where_the_notes_slip():
    chain = dg.explain.example("two-layer-chain")
    notes = " ".join(chain.notes)
    for fact in ("needs b = 0.001", "σ(z) = 0.7613", "0.75969 to 0.759", "0.04518", "0.045194",
                 "0.51129", "0.511297"):
        assert fact in notes
    backprop = " ".join(dg.explain.example("network-2-2-1").notes)
    for fact in ("below 1", "8.917 (the notes write 8.918)", "17.834", "39.76", "−10.52"):
        assert fact in backprop
    assert "σ(6) = 0.99753" in " ".join(dg.explain.example("logistic_neuron").notes)


def test_worked_examples_hold_the_exact_numbers():
    chain = dg.explain.example("two-layer-chain")
    hidden, output = chain.layers
    np.testing.assert_allclose(hidden.z, [1.151], rtol=1e-12)
    np.testing.assert_allclose(hidden.a, [1 / (1 + np.exp(-1.151))], rtol=1e-12)
    np.testing.assert_allclose(output.z, [0.02 / (1 + np.exp(-1.151)) + 0.03], rtol=1e-12)
    assert round(float(output.a[0]), 4) == 0.5113 and chain.predicted_class == 1
    logistic = dg.explain.example("logistic-neuron")
    assert logistic.layers[0].z[0] == 6 and round(float(logistic.prediction[0]), 5) == 0.99753
    # the notes' chain rule for the log loss: dL/dw1 = x1·(a − y)
    np.testing.assert_allclose(logistic.gradients["neuron/kernel"][:, 0],
                               np.array([2, 1, 3]) * (logistic.prediction[0] - 1), rtol=1e-12)
    with pytest.raises(ValueError, match="perceptron, two-layer-chain"):
        dg.explain.example("xor")


def test_digits_changes_the_printed_precision():
    chain = dg.explain.example("two-layer-chain", digits=6)
    assert "σ(1.151) = 0.759694" in chain.text() and chain.digits == 6
    assert "σ(1.2) = 0.76" in chain.text(digits=2)
    with pytest.raises(ValueError, match="digits"):
        chain.text(digits=0)


CASES = [  # hidden activations, output activation, loss, target
    (["sigmoid"], "sigmoid", "mse", [0.3, 0.9]),
    (["tanh", "relu"], "linear", "mse", [0.5, -1.0]),
    (["relu"], "sigmoid", "binary_crossentropy", [1.0, 0.0]),
    (["linear", "tanh"], "sigmoid", "binary_crossentropy", [0.0]),
    (["tanh"], "softmax", "categorical_crossentropy", [0.0, 1.0, 0.0]),
    (["sigmoid", "relu"], "softmax", "sparse_categorical_crossentropy", 2),
    (["relu"], "linear", {"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}, [1.0]),
    (["sigmoid"], "linear", {"class_name": "SparseCategoricalCrossentropy",
                             "config": {"from_logits": True}}, 1),
    (["softmax", "leaky_relu"], "tanh", "mean_absolute_error", [0.2, -0.4]),
]


@pytest.mark.parametrize("hidden, output, loss, y", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_gradient_is_deepgrads_autograd_gradient(hidden, output, loss, y, seed):
    units = 3 if isinstance(y, int) else len(y)
    sizes = [3] + [4] * len(hidden) + [units]
    model = _network(hidden + [output], sizes, seed=seed)
    x = np.random.default_rng(seed + 10).normal(size=3)
    step = dg.explain.trace(model, x, y, loss=loss)
    expected, value = _autograd(model, x, y, loss)
    assert set(step.gradients) == set(expected)
    for path, grad in expected.items():
        np.testing.assert_allclose(step.gradients[path], grad, rtol=1e-10, atol=1e-13, err_msg=path)
    assert step.loss == pytest.approx(value, rel=1e-12)
    assert step.autograd_difference < 1e-12
    # the written chain: every weight's gradient is ∂L/∂z of its neuron times its input
    for layer in step.layers:
        np.testing.assert_allclose(layer.grad_kernel, np.outer(layer.inputs, layer.grad_z))
        if layer.activation_derivative is not None and layer.grad_a is not None:
            np.testing.assert_allclose(layer.grad_z, layer.grad_a * layer.activation_derivative)
    # the forward numbers are the model's
    np.testing.assert_allclose(step.prediction, model.predict(x[None, :], verbose=0)[0], rtol=1e-12)
    for layer, previous in zip(step.layers[1:], step.layers):
        np.testing.assert_array_equal(layer.inputs, previous.a)


def test_trace_leaves_the_model_bitwise_unchanged():
    model = _network(["tanh", "sigmoid"], [2, 3, 1], dtype="float32")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.train_on_batch(np.array([[0.5, -1.0]]), np.array([[1.0]]))
    weights = [w.data.copy() for w in model.weights]
    grads = [None if w.grad is None else w.grad.copy() for w in model.weights]
    state = model.optimizer.state_dict()
    dg.explain.trace(model, [0.3, 0.7], 0)
    for w, before, grad in zip(model.weights, weights, grads):
        assert w.data.dtype == before.dtype and w.data.tobytes() == before.tobytes()
        assert (w.grad is None) == (grad is None) and (grad is None or np.array_equal(w.grad, grad))
    after = model.optimizer.state_dict()
    assert set(after) == set(state) and all(np.array_equal(after[k], state[k]) for k in state)


@pytest.mark.parametrize("optimizer", [
    "sgd", {"class_name": "SGD", "config": {"learning_rate": 0.1, "momentum": 0.9}}, "adam",
    "rmsprop", {"class_name": "AdamW", "config": {"weight_decay": 0.1}}])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_updated_weights_are_one_real_optimizer_step(optimizer, dtype):
    model = _network(["relu", "sigmoid"], [3, 4, 2], dtype=dtype, seed=5)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    x, y = np.array([[0.2, -0.4, 1.0]]), np.array([[1.0, 0.0]])
    model.train_on_batch(x, y)  # the compiled optimizer has state: the trace's step is the next
    step = dg.explain.trace(model, x, y)
    model.train_on_batch(x, y)
    for w in model.weights:
        assert step.updated_weights[w.path].dtype == w.data.dtype
        np.testing.assert_allclose(step.updated_weights[w.path], w.data, rtol=1e-12, atol=0)


def test_an_uncompiled_model_takes_sgd_steps_of_the_given_learning_rate():
    model = _network(["sigmoid", "sigmoid"], [2, 2, 1], seed=3)
    step = dg.explain.trace(model, [1.0, 2.0], 1.0, learning_rate=0.5)
    assert step.loss_name == "mean_squared_error" and step.learning_rate == 0.5
    for path, old in step.weights.items():
        np.testing.assert_allclose(step.updated_weights[path], old - 0.5 * step.gradients[path],
                                   rtol=1e-14)
    assert "w ← w − η·∂L/∂w with η = 0.5" in step.text()


def test_a_frozen_layer_keeps_its_weights():
    model = _network(["relu", "linear"], [2, 2, 1], seed=4)
    model.layers[0].trainable = False
    step = dg.explain.trace(model, [1.0, -2.0], 0.5, learning_rate=0.1)
    assert not step.layers[0].trainable and step.layers[1].trainable
    for path in ("layer1/kernel", "layer1/bias"):
        np.testing.assert_array_equal(step.updated_weights[path], step.weights[path])
    assert not np.array_equal(step.updated_weights["layer2/bias"], step.weights["layer2/bias"])
    assert '"layer1" is frozen' in step.text()


def test_a_layer_without_bias():
    model = _network(["tanh", "sigmoid"], [2, 2, 1], seed=6, use_bias=False)
    step = dg.explain.trace(model, [0.5, 0.5], 1.0)
    assert set(step.gradients) == {"layer1/kernel", "layer2/kernel"}
    assert "b⁽" not in step.text() and step.layers[0].grad_bias is None


def test_markdown_is_well_formed():
    for name in dg.explain.EXAMPLES:
        markdown = dg.explain.example(name).markdown()
        assert markdown.count("```") % 2 == 0
        blocks = re.findall(r"^\$\$(.*)\$\$$", markdown, re.MULTILINE)
        assert len(blocks) == markdown.count("$$") // 2 > 5
        for line in markdown.splitlines():
            assert line.count("$") % 2 == 0, line
        maths = blocks + re.findall(r"(?<!\$)\$([^$\n]+)\$(?!\$)", markdown)
        assert all(m.isascii() and m.count("{") == m.count("}") for m in maths)
        headings = [line for line in markdown.splitlines() if line.startswith("#")]
        assert headings[0].startswith("# Worked example") and "## Backward pass: " in markdown
        assert r"\frac{\partial L}{\partial w^{(1)}_{11}}" in markdown or name in (
            "perceptron", "logistic-neuron")


def test_refuses_what_it_cannot_write_out():
    with pytest.raises(ValueError, match=r"layer 'drop' \(Dropout\) is not supported.*random mask"):
        dg.explain.trace(Sequential([Input((2,)), Dense(2), Dropout(0.5, name="drop"), Dense(1)]),
                         [1, 2], 1)
    big = Sequential([Input((20,)), Dense(10), Dense(1)])
    with pytest.raises(ValueError, match="221 weights.*max_weights=200.*max_weights=221"):
        dg.explain.trace(big, np.ones(20), 1)
    assert len(dg.explain.trace(big, np.ones(20), 1, max_weights=221).gradients) == 4
    with pytest.raises(ValueError, match="no weights yet"):
        dg.explain.trace(Sequential([Dense(2), Dense(1)]), [1, 2], 1)
    inputs = Input((2,))
    with pytest.raises(TypeError, match="Sequential"):
        dg.explain.trace(dg.Model(inputs, Dense(1)(inputs)), [1, 2], 1)
    with pytest.raises(TypeError, match="Sequential model"):
        dg.explain.trace(Dense(1), [1, 2], 1)
    with pytest.raises(ValueError, match="regularizer"):
        dg.explain.trace(Sequential([Input((2,)), Dense(1, kernel_regularizer="l2")]), [1, 2], 1)
    model = _network(["sigmoid"], [2, 1])
    with pytest.raises(ValueError, match="one sample.*got 3 samples"):
        dg.explain.trace(model, np.ones((3, 2)), [1, 0, 1])
    with pytest.raises(ValueError, match="2 features"):
        dg.explain.trace(model, [1, 2, 3], 1)
    with pytest.raises(ValueError, match="1 target value"):
        dg.explain.trace(model, [1, 2], [1, 0])
    with pytest.raises(ValueError, match="huber"):
        dg.explain.trace(model, [1, 2], 1, loss="huber")
    with pytest.raises(ValueError, match="softmax output"):
        dg.explain.trace(_network(["sigmoid"], [2, 3]), [1, 2], [0, 1, 0],
                         loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="class label in \\[0, 2\\]"):
        dg.explain.trace(_network(["softmax"], [2, 3]), [1, 2], 3,
                         loss="sparse_categorical_crossentropy")
    odd = Sequential([Input((2,)), Dense(2, activation=lambda t: t / t.sum(axis=-1, keepdims=True),
                                         dtype="float64"), Dense(1, dtype="float64")])
    with pytest.raises(ValueError, match="elementwise activations and softmax"):
        dg.explain.trace(odd, [1.0, 2.0], 1.0)


def test_trace_reads_as_the_notes_write():
    step = dg.explain.example("network-2-2-1")
    text = str(step)
    assert text == step.text() and repr(step).startswith("<Trace of 'network_2_2_1' (2 → 2 → 1)")
    forward, backward = text.index("Forward pass"), text.index("Backward pass")
    update = text.index("One optimizer step")
    assert forward < backward < update < text.index("Where the notes differ")
    assert "sum over those paths" in text
    assert text.count("∂L/∂w") >= 6 and text.count("∂L/∂b") >= 3
