"""Model: functional models (Model(inputs, outputs)) and subclassed models, trained, evaluated,
saved and inspected as Keras users do."""

import json

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Input, Model, Sequential
from deepgrad.layers import Add, Concatenate, Dense, Dropout, InputLayer
from deepgrad.training import fit as fit_module
from deepgrad.training.step import GraphStep, make_step


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, 4)).astype(np.float32)
    b = rng.standard_normal((n, 3)).astype(np.float32)
    price = (a[:, :1] - b[:, 1:2]).astype(np.float32)
    kind = (a[:, 0] > 0).astype(int) + (b[:, 0] > 0).astype(int)
    return a, b, price, kind


def two_in_two_out(seed=0):
    """Two inputs, a merge, a shared trunk, two heads (regression and 3-class softmax)."""
    a, b = Input((4,), name="a"), Input((3,), name="b")
    merged = Concatenate(name="merged")([Dense(5, "relu", name="from_a", seed=seed)(a), b])
    trunk = Dense(6, "tanh", name="trunk", seed=seed + 1)(merged)
    price = Dense(1, name="price", seed=seed + 2)(trunk)
    kind = Dense(3, "softmax", name="kind", seed=seed + 3)(trunk)
    return Model([a, b], [price, kind], name="two_heads")


def compiled(model, **kwargs):
    model.compile(dg.optimizers.Adam(0.01), ["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.5], metrics={"kind": ["accuracy"], "price": ["mae"]},
                  **kwargs)
    return model


# --------------------------------------------------------------------------- functional


def test_model_with_inputs_and_outputs_is_functional():
    model = two_in_two_out()
    assert type(model).__name__ == "Functional" and isinstance(model, Model)
    assert model.input_names == ["a", "b"] and model.output_names == ["price", "kind"]
    assert [layer.name for layer in model.layers] == ["a", "b", "from_a", "merged", "trunk", "price", "kind"]
    assert isinstance(model.layers[0], InputLayer)
    assert [t.shape for t in model.inputs] == [(None, 4), (None, 3)]
    assert [t.shape for t in model.outputs] == [(None, 1), (None, 3)]
    assert model.get_layer("trunk").units == 6 and model.get_layer(index=-1).name == "kind"
    assert model.count_params() == 25 + 54 + 7 + 21
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        model.get_layer("nope")
    assert Model(inputs=model.inputs, outputs=model.outputs[0]).output_names == ["price"]


def test_a_one_input_functional_model_is_the_sequential_model_bitwise():
    x = np.random.default_rng(1).standard_normal((40, 4)).astype(np.float32)
    y = np.random.default_rng(2).integers(0, 3, 40)
    inputs = Input((4,))
    functional = Model(inputs, Dense(3, "softmax", seed=1)(Dense(8, "relu", seed=0)(inputs)))
    sequential = Sequential([Input((4,)), Dense(8, "relu", seed=0), Dense(3, "softmax", seed=1)])
    for model in (functional, sequential):
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h1 = functional.fit(x, y, epochs=3, batch_size=8, verbose=0, seed=3)
    h2 = sequential.fit(x, y, epochs=3, batch_size=8, verbose=0, seed=3)
    assert h1.history == h2.history
    assert functional.predict(x).tobytes() == sequential.predict(x).tobytes()


def test_fit_evaluate_predict_with_lists_and_dicts():
    a, b, price, kind = _data()
    model = compiled(two_in_two_out())
    history = model.fit([a, b], [price, kind], epochs=2, batch_size=16, verbose=0, seed=0,
                        validation_split=0.25)
    assert set(history.history) == {"loss", "price_loss", "kind_loss", "price_mae", "kind_accuracy",
                                    *(f"val_{k}" for k in ("loss", "price_loss", "kind_loss",
                                                           "price_mae", "kind_accuracy"))}
    assert model.metrics_names == ["loss", "price_loss", "kind_loss", "kind_accuracy", "price_mae"]
    listed = model.evaluate([a, b], [price, kind])
    named = model.evaluate({"b": b, "a": a}, {"kind": kind, "price": price}, return_dict=True)
    assert listed == list(named.values()) and list(named) == model.metrics_names
    assert named["loss"] == pytest.approx(named["price_loss"] + 0.5 * named["kind_loss"], rel=1e-12)
    out = model.predict([a, b], batch_size=7)
    assert isinstance(out, list) and [o.shape for o in out] == [(48, 1), (48, 3)]
    one = model.predict({"a": a[:1], "b": b[:1]})
    np.testing.assert_allclose(one[1], out[1][:1], rtol=1e-6)


def test_dict_outputs_give_dict_predictions_and_take_dict_losses():
    a = Input((4,), name="a")
    hidden = Dense(4, "relu", seed=0)(a)
    model = Model({"a": a}, {"up": Dense(1, seed=1)(hidden), "down": Dense(2, seed=2)(hidden)})
    model.compile("sgd", {"up": "mse"})  # "down" is not trained
    x = np.ones((6, 4), np.float32)
    logs = model.fit({"a": x}, {"up": np.ones(6), "down": np.zeros((6, 2))}, verbose=0).history
    assert set(logs) == {"loss", "up_loss", "down_loss"} and logs["down_loss"] == [0.0]
    predicted = model.predict({"a": x})
    assert isinstance(predicted, dict) and predicted["down"].shape == (6, 2)


@pytest.mark.parametrize("x, message", [
    (np.ones((5, 4)), r"x must be a list of 2 arrays, one per model input \(a, b\)"),
    ([np.ones((5, 4))], "got a list of 1"),
    ({"a": np.ones((5, 4))}, "has no entry for 'b'"),
    ({"a": np.ones((5, 4)), "b": np.ones((5, 3)), "c": 1}, "has the key 'c'"),
    ([np.ones((5, 4)), np.ones((4, 3))], r"x\[1\] has 4 and x\[0\] has 5"),
    ([np.ones((5, 4)), np.ones((5, 2))], r"x\[1\] must have shape \(n_samples, 3\)"),
])
def test_bad_inputs_of_a_two_input_model_are_named(x, message):
    model = compiled(two_in_two_out())
    with pytest.raises(ValueError, match=message):
        model.predict(x)


def test_bad_targets_of_a_two_output_model_are_named():
    a, b, price, kind = _data(8)
    model = compiled(two_in_two_out())
    with pytest.raises(ValueError, match=r"y must be a list of 2 arrays, one per model output"):
        model.fit([a, b], price, verbose=0)
    with pytest.raises(ValueError, match=r"y\['kind'\] labels must lie in \[0, 3\)"):
        model.fit([a, b], {"price": price, "kind": kind + 5}, verbose=0)
    with pytest.raises(ValueError, match="loss must have one entry per output"):
        model.compile("sgd", ["mse"])
    with pytest.raises(ValueError, match="names the output 'cost'"):
        model.compile("sgd", {"cost": "mse"})


def test_loss_weights_scale_each_outputs_gradient():
    a, b, price, kind = _data(16)
    weights = {}
    for loss_weights in ([1.0, 0.0], [1.0, 1.0]):
        model = two_in_two_out()
        model.compile(dg.optimizers.SGD(0.1), ["mse", "sparse_categorical_crossentropy"],
                      loss_weights=loss_weights)
        model.train_on_batch([a, b], [price, kind])
        weights[tuple(loss_weights)] = model.get_layer("kind").kernel.data.copy()
    untouched = two_in_two_out().get_layer("kind").kernel.data
    assert np.array_equal(weights[(1.0, 0.0)], untouched)  # a zero weight: no gradient reaches it
    assert not np.array_equal(weights[(1.0, 1.0)], untouched)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_recorded_step_of_a_functional_model_is_the_graph_step_bitwise(dtype, monkeypatch):
    """Two inputs, two outputs (one behind a softmax), loss weights, sample weights, a shared
    layer and dropout: the replayed step trains to bitwise the graph step's weights."""
    a, b, price, kind = (v.astype(dtype) if v.dtype.kind == "f" else v for v in _data(40))

    def build():
        dg.set_seed(0)
        left, right = Input((4,), name="a", dtype=dtype), Input((3,), name="b", dtype=dtype)
        shared = Dense(4, "relu", name="shared", seed=1)
        both = Add()([shared(left), shared(Dense(4, seed=2)(right))])
        both = Dropout(0.3, seed=3)(both)
        model = Model([left, right], [Dense(1, name="price", seed=4)(both),
                                      Dense(3, "softmax", name="kind", seed=5)(both)])
        return compiled(model)

    results = []
    for graph in (True, False):
        made = []
        with monkeypatch.context() as patch:
            def step(model, objective, params, graph=graph):
                made.append(GraphStep(model, objective, params) if graph
                            else make_step(model, objective, params))
                return made[-1]

            patch.setattr(fit_module, "make_step", step)
            model = build()
            history = model.fit([a, b], [price, kind], epochs=3, batch_size=8, verbose=0, seed=0,
                                sample_weight=np.linspace(0.5, 1.5, 40))
        assert graph or made[0].replays.get(((8, 4), (8, 3))) is not None
        results.append((history.history, [w.data.tobytes() for w in model.weights]))
    assert results[0] == results[1]


def test_shared_layers_count_once_and_sum_their_gradients():
    x1, x2 = Input((3,), name="x1"), Input((3,), name="x2")
    shared = Dense(2, seed=0, name="shared")
    model = Model([x1, x2], Add()([shared(x1), shared(x2)]))
    assert model.count_params() == 8 and len(model.weights) == 2
    u = dg.Tensor(np.random.default_rng(0).standard_normal((4, 3)))
    v = dg.Tensor(np.random.default_rng(1).standard_normal((4, 3)))
    model.build([(None, 3), (None, 3)])
    for w in model.weights:
        w.assign(w.data.astype(np.float64))
    kernel, bias = (dg.Parameter(w.data.astype(np.float64)) for w in shared.weights)
    shared.kernel, shared.bias = kernel, bias
    assert dg.gradcheck(lambda k, b: model([u, v]), kernel, bias)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("x1[0][0], x2[0][0]" in line for line in lines)
    assert any("shared[0][0], shared[1][0]" in line for line in lines)


def test_models_nest_as_layers():
    inner = Sequential([Input((4,)), Dense(5, "relu", seed=0)], name="inner")
    inputs = Input((4,), name="features")
    outer = Model(inputs, Dense(1, seed=1)(inner(inputs)), name="outer")
    assert [layer.name for layer in outer.layers] == ["features", "inner", outer.layers[2].name]
    assert outer.count_params() == 25 + 6
    wrapped = Sequential([outer, Dense(2, seed=2)])
    x = np.ones((3, 4), np.float32)
    assert wrapped.predict(x).shape == (3, 2)
    wrapped.compile("sgd", "mse")
    before = inner.get_weights()[0].copy()
    wrapped.fit(x, np.ones((3, 2)), verbose=0)
    assert not np.array_equal(before, inner.get_weights()[0])  # trained through two levels


def test_graph_errors_say_what_is_wrong():
    a, b = Input((2,), name="a"), Input((2,), name="b")
    out = Add()([a, b])
    with pytest.raises(ValueError, match="depend on the Input 'b', which is not among the model's inputs"):
        Model(a, out)
    with pytest.raises(ValueError, match=r"must come straight from deepgrad.Input\(\)"):
        Model(out, Dense(1)(out))
    with pytest.raises(TypeError, match="Model outputs must be symbolic tensors"):
        Model(a, np.ones(2))
    first = Dense(1, name="twin")(a)
    with pytest.raises(ValueError, match="two layers are named 'twin'"):
        Model(a, Dense(1, name="twin")(first))
    with pytest.raises(TypeError, match="mix of symbolic tensors and ndarray"):
        Add()([a, np.ones((1, 2))])


# --------------------------------------------------------------------------- saving


def test_functional_model_saves_and_loads_bitwise_and_resumes_training(tmp_path):
    a, b, price, kind = _data()
    model = compiled(two_in_two_out())
    model.fit([a, b], [price, kind], epochs=2, batch_size=16, verbose=0, seed=0)
    model.save(tmp_path / "m.safetensors")
    restored = dg.load_model(tmp_path / "m.safetensors")
    assert type(restored).__name__ == "Functional" and restored.metrics_names == model.metrics_names
    for got, want in zip(restored.predict([a, b]), model.predict([a, b])):
        assert got.tobytes() == want.tobytes()
    assert restored.compile_config == model.compile_config
    for m in (model, restored):
        m.fit([a, b], [price, kind], epochs=1, batch_size=16, verbose=0, seed=1)
    assert [w.tobytes() for w in model.get_weights()] == [w.tobytes() for w in restored.get_weights()]
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(tmp_path / "m.safetensors", overwrite=False)


def test_to_json_and_model_from_json_rebuild_the_architecture():
    model = two_in_two_out()
    text = model.to_json()
    spec = json.loads(text)
    assert spec["class_name"] == "Functional" and spec["config"]["name"] == "two_heads"
    copy = dg.models.model_from_json(text)
    assert [layer.name for layer in copy.layers] == [layer.name for layer in model.layers]
    assert copy.count_params() == model.count_params()
    copy.set_weights(model.get_weights())
    a, b, _, _ = _data(5)
    for got, want in zip(copy.predict([a, b]), model.predict([a, b])):
        assert got.tobytes() == want.tobytes()
    with pytest.raises(ValueError, match="not JSON"):
        dg.models.model_from_json("{")
    with pytest.raises(ValueError, match="'Dense' is not one of the models"):
        dg.models.model_from_json(json.dumps({"class_name": "Dense", "config": {"units": 1}}))


def test_a_config_naming_a_later_tensor_is_refused():
    config = two_in_two_out().get_config()
    config["calls"].reverse()
    with pytest.raises(ValueError, match="comes later or does not exist"):
        dg.models.Functional.from_config(config)


# --------------------------------------------------------------------------- subclassed


class TwoLayers(Model):
    def __init__(self, units=4, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(units, activation, seed=0)
        self.out = Dense(1, seed=1)

    def call(self, inputs):  # no training argument, as many Keras models write it
        return self.out(self.hidden(inputs))


class Siamese(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.encode = Dense(3, "tanh", seed=2)
        self.score = Dense(1, "sigmoid", seed=3)

    def call(self, inputs, training=False):
        left, right = inputs
        return [self.score(abs(self.encode(left) - self.encode(right))), self.encode(left)]


def test_a_subclassed_model_builds_from_its_first_data_and_trains():
    model = TwoLayers(units=5, name="mine")
    assert not model.built and model.output_names is None
    model.compile("adam", "mse", metrics=["mae"])
    x, y = np.random.default_rng(0).standard_normal((32, 3)), np.ones(32)
    history = model.fit(x, y, epochs=3, verbose=0)
    assert model.built and model.count_params() == 3 * 5 + 5 + 6
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert [layer.name for layer in model.layers] == [model.hidden.name, model.out.name]
    assert model.predict(x).shape == (32, 1) and model.input_names == ["input"]


def test_a_subclassed_model_of_two_inputs_and_outputs():
    model = Siamese()
    model.compile("adam", ["binary_crossentropy", "mse"], loss_weights=[1.0, 0.0])
    rng = np.random.default_rng(0)
    left, right = rng.standard_normal((16, 4)), rng.standard_normal((16, 4))
    logs = model.fit([left, right], [np.ones(16), np.zeros((16, 3))], verbose=0).history
    assert set(logs) == {"loss", "output_1_loss", "output_2_loss"}
    out = model.predict([left, right])
    assert [o.shape for o in out] == [(16, 1), (16, 3)]


def test_a_subclassed_model_saves_its_constructor_arguments(tmp_path):
    model = TwoLayers(units=3, activation="tanh")
    model.compile("sgd", "mse")
    x = np.ones((4, 2), np.float32)
    model.fit(x, np.zeros(4), verbose=0)
    assert model.get_config()["units"] == 3 and model.get_config()["activation"] == "tanh"
    model.save(tmp_path / "sub.safetensors")
    restored = dg.load_model(tmp_path / "sub.safetensors")
    assert type(restored) is TwoLayers and restored.hidden.units == 3
    assert restored.predict(x).tobytes() == model.predict(x).tobytes()

    class Opaque(TwoLayers):
        def __init__(self, layer, **kwargs):
            super().__init__(**kwargs)
            self.extra = layer

    opaque = Opaque(Dense(1))
    opaque.compile("sgd", "mse")
    opaque.fit(x, np.zeros(4), verbose=0)
    with pytest.raises(TypeError, match="give it get_config"):
        opaque.save(tmp_path / "opaque.safetensors")
    assert not (tmp_path / "opaque.safetensors").exists()


# --------------------------------------------------------------------------- one batch at a time


def test_on_batch_methods_report_that_batch_as_keras_does():
    model = Sequential([Input((2,)), Dense(1, "sigmoid", kernel_initializer="ones")])
    model.compile(dg.optimizers.SGD(0.0), "binary_crossentropy", metrics=["accuracy"])
    x = np.array([[1.0, 1.0], [2.0, 2.0]], np.float32)
    # Keras 3.15 gives [0.072539, 1.0] then [3.072538, 0.0]: metrics start afresh each call
    assert model.train_on_batch(x, np.array([1, 1])) == pytest.approx([0.0725390166, 1.0], rel=1e-6)
    assert model.train_on_batch(x, np.array([0, 0])) == pytest.approx([3.0725378990, 0.0], rel=1e-6)
    assert model.test_on_batch(x, np.array([1, 1]), return_dict=True) == pytest.approx(
        {"loss": 0.0725390166, "accuracy": 1.0}, rel=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), [[0.880797], [0.98201376]], rtol=1e-6)


def test_trainable_switched_between_calls_is_followed():
    """The GAN pattern: the discriminator trains on its own batches and is frozen inside the
    combined model."""
    generator = Sequential([Input((3,)), Dense(2, seed=0)], name="generator")
    discriminator = Sequential([Input((2,)), Dense(1, "sigmoid", seed=1)], name="discriminator")
    discriminator.compile("sgd", "binary_crossentropy")
    z = Input((3,))
    gan = Model(z, discriminator(generator(z)))
    gan.compile("sgd", "binary_crossentropy")
    noise, ones = np.ones((4, 3), np.float32), np.ones(4)

    def changed(model, call):
        before = [w.copy() for w in model.get_weights()]
        call()
        return any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))

    discriminator.trainable = False
    assert changed(generator, lambda: gan.train_on_batch(noise, ones))
    assert not changed(discriminator, lambda: gan.train_on_batch(noise, ones))
    discriminator.trainable = True
    assert changed(discriminator, lambda: discriminator.train_on_batch(np.ones((4, 2)), ones))
    assert changed(discriminator, lambda: gan.train_on_batch(noise, ones))
    discriminator.trainable = False
    with pytest.warns(UserWarning, match="no trainable weights"):
        assert not changed(discriminator, lambda: discriminator.train_on_batch(np.ones((4, 2)), ones))


def test_a_call_made_with_training_true_keeps_it_at_every_run():
    """Monte Carlo dropout: Dropout(...)(x, training=True) drops at predict time too."""
    inputs = Input((200,))
    model = Model(inputs, Dropout(0.5, seed=0)(inputs, training=True))
    out = model.predict(np.ones((1, 200), np.float32))
    assert 0 < np.count_nonzero(out == 0) < 200
    assert model.get_config()["calls"][0]["kwargs"] == {"training": True}
    assert dg.models.model_from_json(model.to_json()).get_config()["calls"][0]["kwargs"] == {"training": True}


def test_clone_model_makes_the_architecture_again_with_new_weights():
    model = compiled(two_in_two_out())
    clone = dg.models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    assert not clone.compiled and clone.count_params() == model.count_params()
    sequential = Sequential([Input((3,)), Dense(2, seed=0), Dropout(0.5)])
    swapped = dg.models.clone_model(
        sequential, clone_function=lambda layer: Dense(4) if isinstance(layer, Dropout) else
        type(layer).from_config(layer.get_config()))
    assert swapped.output_shape == (None, 4)
    with pytest.raises(ValueError, match="call the clone on the new inputs"):
        dg.models.clone_model(model, input_tensors=[Input((4,)), Input((3,))])
    with pytest.raises(ValueError, match="clone_function works on Sequential models"):
        dg.models.clone_model(model, clone_function=lambda layer: layer)
