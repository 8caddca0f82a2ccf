"""ONNX export: every layer of the harness (tests/test_layers.py's CASES) exported, run in
onnxruntime and compared with ``predict``; models with several inputs and outputs, shared layers
and nested models; the errors for what cannot be exported."""

import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="ONNX export needs the onnx extra")
ort = pytest.importorskip("onnxruntime", reason="running exported models needs onnxruntime")

from test_layers import CASES, sample

import deepgrad as dg
from deepgrad import Input, Model, Sequential
from deepgrad.layers import (
    LAYERS,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    InputLayer,
    Lambda,
    Layer,
    MaxPooling2D,
    RandomCrop,
    UpSampling2D,
)
from deepgrad.onnx import (
    CONVERTERS,
    UnsupportedLayerError,
    export,
    register_converter,
)

TOLERANCE = {"atol": 1e-5, "rtol": 1e-5}


def _randomized(model, seed=0):
    """``model`` with its weights moved away from their initial values (moving variances and
    other non-trainable statistics kept positive), so that zeros and ones hide nothing."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        if w.trainable:
            w.data[...] += rng.normal(0.0, 0.3, w.shape).astype(w.dtype)
        else:
            w.data[...] = rng.uniform(0.5, 2.0, w.shape).astype(w.dtype)
    return model


def run(model, x, tmp_path, **options):
    """The exported model's outputs for ``x`` (an array or a list of arrays), as a list."""
    path = tmp_path / f"{model.name}.onnx"
    proto = export(model, path, **options)
    onnx.checker.check_model(onnx.load(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    xs = x if isinstance(x, list) else [x]
    feeds = {i.name: np.asarray(v) for i, v in zip(session.get_inputs(), xs)}
    assert [i.name for i in proto.graph.input] == [i.name for i in session.get_inputs()]
    return session.run(None, feeds)


def assert_matches(model, x, tmp_path, **options):
    got = run(model, x, tmp_path, **options)
    expected = model.predict(x, verbose=0)
    expected = expected if isinstance(expected, list) else [expected]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, **TOLERANCE)


def _model_of(layer, shape):
    if isinstance(layer, InputLayer):
        return Sequential([layer])
    if isinstance(shape, list):
        inputs = [Input(s[1:]) for s in shape]
        return Model(inputs, layer(inputs))
    inputs = Input(tuple(shape[1:]))
    return Model(inputs, layer(inputs))


EXPORTABLE = sorted(name for name in CASES if not isinstance(CASES[name][0](), Lambda))


@pytest.mark.parametrize("name", EXPORTABLE)
def test_every_layer_of_the_harness_gives_predicts_outputs(name, tmp_path):
    factory, shape, _, _ = CASES[name]
    model = _randomized(_model_of(factory(), shape))
    assert_matches(model, sample(shape, np.float32, seed=1), tmp_path)


def test_every_registered_layer_has_a_converter():
    ours = {cls for name, cls in LAYERS.items() if cls.__module__.startswith("deepgrad.layers.")
            and getattr(sys.modules[cls.__module__], cls.__name__, None) is cls}  # no docstring's
    missing = sorted(cls.__name__ for cls in ours - {Layer, Lambda} if cls not in CONVERTERS)
    assert missing == []


# ---------------------------------------------------------------------- layers in detail
@pytest.mark.parametrize("layer, shape", [
    (lambda: Conv2D(3, 3, strides=2, padding="same"), (2, 6, 7, 2)),
    (lambda: Conv2D(3, (2, 3), strides=(3, 2), padding="same"), (2, 8, 5, 2)),
    (lambda: Conv2D(4, 3, dilation_rate=(2, 1), padding="same", groups=2), (2, 7, 6, 4)),
    (lambda: Conv1D(3, 4, padding="same"), (2, 9, 2)),
    (lambda: Conv1D(3, 3, dilation_rate=3, padding="causal"), (2, 9, 2)),
    (lambda: Conv2DTranspose(2, 3, strides=2), (1, 3, 4, 2)),
    (lambda: Conv2DTranspose(2, 2, strides=3), (1, 3, 4, 2)),
    (lambda: Conv2DTranspose(2, 4, strides=2, padding="same"), (1, 3, 4, 2)),
    (lambda: Conv2DTranspose(2, 3, strides=3, padding="same", output_padding=2), (1, 3, 4, 2)),
    (lambda: Conv2DTranspose(2, 3, strides=2, output_padding=1), (1, 3, 4, 2)),
    (lambda: Conv2DTranspose(2, 3, dilation_rate=2, padding="same"), (1, 5, 4, 2)),
    (lambda: DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=3), (2, 7, 6, 2)),
    (lambda: MaxPooling2D(3, strides=2, padding="same"), (2, 6, 7, 2)),
    (lambda: UpSampling2D((3, 2), interpolation="bilinear"), (2, 4, 3, 2)),
    (lambda: UpSampling2D((1, 1), interpolation="bilinear"), (2, 4, 3, 2)),
    (lambda: RandomCrop(4, 4), (2, 8, 6, 3)),
    (lambda: RandomCrop(7, 3), (2, 5, 6, 1)),
    (lambda: RandomCrop(5, 6), (2, 5, 6, 1)),
    (lambda: BatchNormalization(axis=1), (3, 4, 5, 2)),
    (lambda: BatchNormalization(axis=2, scale=False), (3, 4, 5, 2)),
])
def test_geometry_matches(layer, shape, tmp_path):
    model = _randomized(_model_of(layer(), shape))
    assert_matches(model, sample(shape, np.float32, seed=2), tmp_path)


def test_tensor_operations_of_python_operators(tmp_path):
    a, b = Input((3, 4), name="a"), Input((4,), name="b")
    out = (abs(a[:, ::-1, 1:]) * 2.0 - b[:, None, 1:]) / (1.5 + b[..., :3][:, None]) ** 2
    last = -a[:, -1] @ np.eye(4, 2).astype("float32").tolist()
    model = Model([a, b], [out, last, a[:, 1, None, 2:-1]])
    x = sample([(3, 3, 4), (3, 4)], np.float32)
    assert_matches(model, x, tmp_path)


def test_functional_model_of_two_inputs_and_outputs_with_shared_and_nested_layers(tmp_path):
    left, right = Input((6,), name="left"), Input((6,), name="right")
    shared = Dense(5, "tanh", name="shared", seed=0)
    tower = Sequential([Dense(4, "relu", seed=1), Dropout(0.5), Dense(4, seed=2)], name="tower")
    inner_in = Input((4,))
    inner = Model(inner_in, [Dense(2, seed=3)(inner_in), Dense(1, "sigmoid", seed=4)(inner_in)],
                  name="inner")
    joined = Concatenate()([tower(shared(left)), tower(shared(right))])
    first, second = inner(Dense(4, seed=5)(joined))
    model = Model([left, right], [first, second], name="siamese")
    x = sample([(4, 6), (4, 6)], np.float32)
    proto = export(model, tmp_path / "siamese.onnx")
    assert [i.name for i in proto.graph.input] == ["left", "right"]
    assert len(proto.graph.output) == 2
    kernels = [i.name for i in proto.graph.initializer if i.name.startswith("shared/")]
    assert kernels == ["shared/kernel", "shared/bias"]  # one copy of the shared weights
    assert_matches(model, x, tmp_path)


def test_recurrent_states_directions_and_embeddings(tmp_path):
    tokens = Input((5,), name="tokens")
    embedded = dg.layers.Embedding(7, 3, seed=0)(tokens)
    sequence, h, c = dg.layers.LSTM(4, return_sequences=True, return_state=True,
                                    go_backwards=True, seed=1)(embedded)
    both = dg.layers.Bidirectional(dg.layers.GRU(2, return_sequences=True, reset_after=False,
                                                 seed=2), merge_mode="ave")(sequence)
    last = dg.layers.SimpleRNN(3, "relu", seed=3)(dg.layers.TimeDistributed(Dense(2, seed=4))(both))
    model = _randomized(Model(tokens, [last, h, c]))
    x = np.random.default_rng(0).integers(0, 7, (3, 5)).astype(np.float32)
    assert_matches(model, x, tmp_path)


def test_masks_between_sequence_layers_raise(tmp_path):
    model = Sequential([Input((4,)), dg.layers.Embedding(5, 2, mask_zero=True, name="words"),
                        dg.layers.LSTM(2, name="reader")])
    with pytest.raises(UnsupportedLayerError, match="'reader' skips the steps masked by "
                                                    "Embedding 'words'"):
        export(model, tmp_path / "masked.onnx")


def test_masks_between_functional_nodes_raise(tmp_path):
    tokens = Input((4,))
    embedded = dg.layers.Embedding(5, 2, mask_zero=True, name="words")(tokens)
    model = Model(tokens, dg.layers.LSTM(2, name="reader")(dg.layers.Dense(2)(embedded)))
    with pytest.raises(UnsupportedLayerError, match="'reader' skips the steps masked by "
                                                    "Embedding 'words'"):
        export(model, tmp_path / "masked.onnx")


def test_a_stateful_layer_raises(tmp_path):
    model = Sequential([Input(batch_shape=(2, 3, 2)), dg.layers.GRU(2, stateful=True, name="memo")])
    with pytest.raises(UnsupportedLayerError, match="GRU 'memo' is stateful"):
        export(model, tmp_path / "stateful.onnx")


def test_mnist_convnet_end_to_end(tmp_path):
    """Keras's mnist_convnet example, trained a little, exported, and run on a batch size the
    export never saw (the batch axis is free)."""
    model = Sequential([Input((28, 28, 1), name="image"), Conv2D(32, 3, activation="relu", seed=0),
                        MaxPooling2D(2), Conv2D(64, 3, activation="relu", seed=1), MaxPooling2D(2),
                        Flatten(), Dropout(0.5, seed=2), Dense(10, activation="softmax", seed=3)],
                       name="mnist_convnet")
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, (16, 28, 28, 1)).astype(np.float32)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, rng.integers(0, 10, 16), epochs=1, batch_size=8, verbose=0)
    proto = export(model, tmp_path / "mnist.onnx")
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["batch", 28, 28, 1]
    assert_matches(model, x[:5], tmp_path)


def test_float64_models_export_as_float64_or_cast(tmp_path):
    model = Sequential([Input((4,)), Dense(3, "selu", seed=0), BatchNormalization()],
                       dtype="float64")
    x = sample((3, 4), np.float64)
    proto = export(model, tmp_path / "double.onnx")
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    got = run(model, x, tmp_path)[0]
    np.testing.assert_allclose(got, model.predict(x), atol=1e-12, rtol=1e-12)
    got = run(model, x.astype(np.float32), tmp_path, dtype="float32")[0]
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, model.predict(x), **TOLERANCE)


def test_opset_choice(tmp_path):
    model = Sequential([Input((3, 2)), dg.layers.GlobalAveragePooling1D()])
    for opset in (13, 18):
        proto = export(model, tmp_path / "opset.onnx", opset=opset)
        assert proto.opset_import[0].version == opset
        assert_matches(model, sample((2, 3, 2), np.float32), tmp_path, opset=opset)
    with pytest.raises(ValueError, match="opset must be an int from 13"):
        export(model, tmp_path / "opset.onnx", opset=7)


# ---------------------------------------------------------------------- what cannot be exported
def test_lambda_raises_a_clear_error(tmp_path):
    inputs = Input((3,))
    model = Model(inputs, Lambda(lambda x: x * 2, name="lambda_3")(inputs))
    with pytest.raises(UnsupportedLayerError,
                       match="Lambda 'lambda_3' holds Python code and cannot be exported to ONNX"):
        export(model, tmp_path / "lambda.onnx")
    assert not (tmp_path / "lambda.onnx").exists()


def test_a_layer_of_ones_own_raises_until_it_has_a_converter(tmp_path):
    class TimesThree(Layer):
        def call(self, x, training=False):
            return x * 3.0

    model = Sequential([Input((2,)), TimesThree(name="thrice")])
    with pytest.raises(UnsupportedLayerError, match=r"TimesThree 'thrice' cannot be exported .*"
                                                    r"register_converter"):
        export(model, tmp_path / "own.onnx")
    register_converter(TimesThree, lambda ctx, layer, x: ctx.g.node(
        "Mul", [x.name, ctx.g.constant(3.0)], name=layer.name))
    try:
        assert_matches(model, sample((2, 2), np.float32), tmp_path)
    finally:
        del CONVERTERS[TimesThree]


def test_custom_activation_and_training_calls_raise(tmp_path):
    model = Sequential([Input((2,)), Dense(2, activation=lambda x: x * 2.0, name="custom")])
    with pytest.raises(UnsupportedLayerError, match="activation .* of 'custom'"):
        export(model, tmp_path / "custom.onnx")
    inputs = Input((2,))
    model = Model(inputs, Dropout(0.5, name="mc")(inputs, training=True))
    with pytest.raises(UnsupportedLayerError, match="'mc' is called with training=True"):
        export(model, tmp_path / "mc.onnx")


def test_subclassed_models_raise(tmp_path):
    class Twice(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(2, seed=0)

        def call(self, x, training=False):
            return self.dense(x) * 2.0

    model = Twice()
    model.predict(np.ones((1, 3), "float32"))
    with pytest.raises(UnsupportedLayerError, match="subclassed model"):
        export(model, tmp_path / "sub.onnx")


def test_import_deepgrad_does_not_import_onnx():
    import subprocess
    import sys

    code = "import sys, deepgrad, deepgrad.onnx; print('onnx' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
