"""Layers: one harness that checks every layer the same way, then layer-specific behaviour.

The harness (``CASES``) checks, for each layer: output shape == ``compute_output_shape``, the
parameter counts (as Keras counts them), the JSON config round trip (``from_config(get_config())``
then ``set_weights`` gives bitwise-equal outputs), float32/float64 weights, a float64 gradcheck of
the output with respect to the input and every trainable weight in both modes, and one training
step (backward + manual SGD changes the trainable weights and no others).

A case whose input shape is a list of shapes is a layer of several inputs (the merge layers): it
goes through the same checks with a list of inputs (the gradcheck is taken with respect to every
one), except the two replay tests that wrap the layer in ``Sequential`` (one input); those cases
are replayed through :class:`deepgrad.compile.Tape` directly instead. Layers that hold Python
code (``Lambda``) have no config: the round trip checks that they refuse to give one.
"""

import json
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import activations, initializers
from deepgrad.autograd.modes import recording
from deepgrad.compile import Tape
from deepgrad.layers import (
    ELU,
    REGISTRY,
    Activation,
    Add,
    Average,
    AveragePooling1D,
    Bidirectional,
    AveragePooling2D,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Cropping1D,
    Cropping2D,
    Dense,
    DepthwiseConv2D,
    Dot,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GRU,
    Input,
    InputLayer,
    Lambda,
    Layer,
    LeakyReLU,
    LSTM,
    Masking,
    Maximum,
    MaxPooling1D,
    MaxPooling2D,
    Minimum,
    Multiply,
    Normalization,
    Permute,
    PReLU,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    ReLU,
    RepeatVector,
    Rescaling,
    Reshape,
    Residual,
    SeparableConv2D,
    SimpleRNN,
    Softmax,
    SpatialDropout1D,
    SpatialDropout2D,
    Subtract,
    TensorOperation,
    TimeDistributed,
    RNN,
    LSTMCell,
    GRUCell,
    SimpleRNNCell,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
    deserialize,
    serialize,
)

QUARTER = {"class_name": "Constant", "config": {"value": 0.25}}


class Indices(tuple):
    """The shape of an input of integer indices in ``[0, high)`` (an embedding's), given as
    floats holding integers as a model's inputs are."""

    def __new__(cls, shape, high):
        made = super().__new__(cls, shape)
        made.high = high
        return made

# id: (factory(**kwargs) -> layer, input shape, parameter count, non-trainable count)
CASES = {
    "input_layer": (lambda **kw: InputLayer((4,), **kw), (5, 4), 0, 0),
    "dense": (lambda **kw: Dense(3, seed=0, **kw), (5, 4), 15, 0),
    "dense_tanh_no_bias": (
        lambda **kw: Dense(3, "tanh", use_bias=False, seed=1, **kw), (5, 4), 12, 0
    ),
    "dense_3d": (lambda **kw: Dense(2, "sigmoid", bias_initializer=QUARTER, seed=2, **kw),
                 (2, 3, 4), 10, 0),
    "conv2d": (lambda **kw: Conv2D(3, 3, seed=0, **kw), (2, 5, 6, 2), 57, 0),
    "conv2d_same_strided_relu": (
        lambda **kw: Conv2D(4, (3, 2), strides=2, padding="same", activation="relu", seed=1, **kw),
        (2, 5, 6, 2), 52, 0,
    ),
    "conv2d_dilated_groups_no_bias": (
        lambda **kw: Conv2D(4, 2, dilation_rate=2, groups=2, use_bias=False, seed=2, **kw),
        (2, 5, 5, 2), 16, 0,
    ),
    "conv1d_causal_tanh": (lambda **kw: Conv1D(3, 3, padding="causal", activation="tanh", seed=3, **kw),
                           (2, 6, 2), 21, 0),
    "conv1d_strided_elu": (lambda **kw: Conv1D(2, 2, strides=2, activation="elu", seed=4, **kw),
                           (2, 7, 3), 14, 0),
    "conv2d_transpose": (lambda **kw: Conv2DTranspose(2, 3, strides=2, seed=5, **kw),
                         (2, 3, 4, 3), 56, 0),
    "conv2d_transpose_same_output_padding": (
        lambda **kw: Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1,
                                     activation="sigmoid", seed=6, **kw),
        (2, 3, 4, 3), 56, 0,
    ),
    "depthwise_conv2d": (lambda **kw: DepthwiseConv2D(2, depth_multiplier=2, seed=7, **kw),
                         (2, 4, 5, 3), 30, 0),
    "separable_conv2d": (lambda **kw: SeparableConv2D(4, 3, padding="same", activation="relu", seed=8, **kw),
                         (2, 4, 5, 3), 43, 0),
    "activation_tanh": (lambda **kw: Activation("tanh", **kw), (5, 4), 0, 0),
    "activation_softmax": (lambda **kw: Activation("softmax", **kw), (5, 4), 0, 0),
    "leaky_relu": (lambda **kw: LeakyReLU(**kw), (5, 4), 0, 0),
    "leaky_relu_0.2": (lambda **kw: LeakyReLU(0.2, **kw), (5, 4), 0, 0),
    "prelu": (lambda **kw: PReLU(**kw), (5, 4), 4, 0),
    "prelu_shared": (lambda **kw: PReLU(QUARTER, shared_axes=[1], **kw), (2, 3, 4), 4, 0),
    "elu": (lambda **kw: ELU(**kw), (5, 4), 0, 0),
    "elu_0.5": (lambda **kw: ELU(0.5, **kw), (5, 4), 0, 0),
    "dropout": (lambda **kw: Dropout(0.5, seed=0, **kw), (5, 4), 0, 0),
    "random_flip": (lambda **kw: RandomFlip(seed=0, **kw), (4, 3, 5, 2), 0, 0),
    "random_flip_horizontal": (lambda **kw: RandomFlip("horizontal", seed=1, **kw), (4, 3, 5, 2), 0, 0),
    "random_rotation": (lambda **kw: RandomRotation(0.5, seed=2, **kw), (4, 4, 4, 2), 0, 0),
    "random_rotation_half_turn": (lambda **kw: RandomRotation((0.5, 0.5), seed=3, **kw), (3, 3, 5, 2), 0, 0),
    "random_translation": (lambda **kw: RandomTranslation(0.3, (-0.2, 0.4), seed=4, **kw), (3, 5, 6, 2), 0, 0),
    "random_translation_constant_nearest": (
        lambda **kw: RandomTranslation(0.5, 0.5, fill_mode="constant", interpolation="nearest",
                                       fill_value=0.5, seed=5, **kw), (3, 5, 6, 2), 0, 0),
    "random_zoom": (lambda **kw: RandomZoom((-0.3, 0.4), seed=6, **kw), (3, 5, 6, 2), 0, 0),
    "random_zoom_wrap_two_factors": (
        lambda **kw: RandomZoom(0.2, (-0.5, 0.1), fill_mode="wrap", seed=7, **kw), (3, 5, 6, 2), 0, 0),
    "random_crop": (lambda **kw: RandomCrop(3, 4, seed=8, **kw), (2, 5, 6, 3), 0, 0),
    "batch_norm": (lambda **kw: BatchNormalization(**kw), (6, 3), 12, 6),
    "batch_norm_axis1_no_center": (
        lambda **kw: BatchNormalization(axis=1, center=False, gamma_initializer=QUARTER, **kw),
        (4, 3, 2), 9, 6,
    ),
    "batch_norm_images": (lambda **kw: BatchNormalization(momentum=0.9, **kw), (3, 4, 5, 2), 8, 4),
    "flatten": (lambda **kw: Flatten(**kw), (2, 3, 4), 0, 0),
    "max_pooling1d": (lambda **kw: MaxPooling1D(**kw), (2, 7, 3), 0, 0),
    "max_pooling1d_same_strided": (lambda **kw: MaxPooling1D(3, 2, padding="same", **kw), (2, 7, 3), 0, 0),
    "max_pooling2d": (lambda **kw: MaxPooling2D(**kw), (2, 5, 6, 3), 0, 0),
    "max_pooling2d_same_overlapping": (
        lambda **kw: MaxPooling2D((3, 2), strides=(2, 1), padding="same", **kw), (2, 5, 6, 3), 0, 0
    ),
    "average_pooling1d_overlapping": (lambda **kw: AveragePooling1D(3, 1, **kw), (2, 7, 3), 0, 0),
    "average_pooling1d_same": (lambda **kw: AveragePooling1D(padding="same", **kw), (2, 7, 3), 0, 0),
    "average_pooling2d": (lambda **kw: AveragePooling2D(**kw), (2, 5, 6, 3), 0, 0),
    "average_pooling2d_same_strided": (
        lambda **kw: AveragePooling2D(3, strides=2, padding="same", **kw), (2, 5, 6, 3), 0, 0
    ),
    "global_max_pooling1d": (lambda **kw: GlobalMaxPooling1D(**kw), (2, 5, 3), 0, 0),
    "global_max_pooling2d_keepdims": (
        lambda **kw: GlobalMaxPooling2D(keepdims=True, **kw), (2, 3, 4, 3), 0, 0
    ),
    "global_average_pooling1d_keepdims": (
        lambda **kw: GlobalAveragePooling1D(keepdims=True, **kw), (2, 5, 3), 0, 0
    ),
    "global_average_pooling2d": (lambda **kw: GlobalAveragePooling2D(**kw), (2, 3, 4, 3), 0, 0),
    "up_sampling1d": (lambda **kw: UpSampling1D(3, **kw), (2, 4, 3), 0, 0),
    "up_sampling2d": (lambda **kw: UpSampling2D(**kw), (2, 3, 4, 2), 0, 0),
    "up_sampling2d_bilinear": (
        lambda **kw: UpSampling2D((2, 3), interpolation="bilinear", **kw), (2, 3, 4, 2), 0, 0
    ),
    "zero_padding1d": (lambda **kw: ZeroPadding1D((2, 1), **kw), (2, 4, 3), 0, 0),
    "zero_padding2d": (lambda **kw: ZeroPadding2D(**kw), (2, 3, 4, 2), 0, 0),
    "zero_padding2d_asymmetric": (
        lambda **kw: ZeroPadding2D(((1, 0), (2, 3)), **kw), (2, 3, 4, 2), 0, 0
    ),
    "cropping1d": (lambda **kw: Cropping1D(**kw), (2, 5, 3), 0, 0),
    "cropping2d": (lambda **kw: Cropping2D(((1, 0), (1, 2)), **kw), (2, 5, 6, 3), 0, 0),
    "cropping2d_none": (lambda **kw: Cropping2D(**kw), (2, 3, 4, 2), 0, 0),
    "spatial_dropout1d": (lambda **kw: SpatialDropout1D(0.5, seed=0, **kw), (2, 4, 3), 0, 0),
    "spatial_dropout2d": (lambda **kw: SpatialDropout2D(0.5, seed=1, **kw), (2, 3, 4, 3), 0, 0),
    "residual_identity": (
        lambda **kw: Residual([Dense(5, "tanh", seed=3), Dense(4, seed=4)], **kw), (3, 4), 49, 0
    ),
    "residual_projection": (lambda **kw: Residual(Dense(6, "tanh", seed=5), seed=6, **kw),
                            (3, 4), 54, 0),
    "residual_conv_downsampling": (
        lambda **kw: Residual([Conv2D(4, 3, strides=2, padding="same", activation="relu", seed=9),
                               BatchNormalization(), Conv2D(4, 3, padding="same", seed=10)], **kw),
        (2, 5, 6, 3), 4 * 28 + 16 + 4 * 37 + 12, 8,
    ),
    "residual_conv1d_identity": (
        lambda **kw: Residual([Conv1D(3, 3, padding="same", activation="relu", seed=11),
                               Conv1D(3, 3, padding="same", seed=12)], **kw),
        (2, 7, 3), 2 * 30, 0,
    ),
    "residual_batch_norm": (
        lambda **kw: Residual([Dense(4, seed=7), BatchNormalization()], **kw), (6, 4), 36, 8
    ),
    "relu": (lambda **kw: ReLU(**kw), (5, 4), 0, 0),
    "relu_capped_leaky_threshold": (
        lambda **kw: ReLU(1.5, 0.1, threshold=0.5, **kw), (5, 4), 0, 0
    ),
    "softmax": (lambda **kw: Softmax(**kw), (5, 4), 0, 0),
    "softmax_two_axes": (lambda **kw: Softmax(axis=[1, 2], **kw), (2, 3, 4), 0, 0),
    "normalization": (lambda **kw: Normalization(**kw), (5, 4), 9, 9),
    "normalization_all_axes_invert": (
        lambda **kw: Normalization(axis=None, invert=True, **kw), (5, 4), 3, 3
    ),
    "normalization_given_statistics": (
        lambda **kw: Normalization(axis=(1, 2), mean=[1.0, 2.0], variance=[4.0, 0.25], **kw),
        (2, 3, 2), 0, 0,
    ),
    "rescaling": (lambda **kw: Rescaling(0.5, offset=-1.0, **kw), (5, 4), 0, 0),
    "rescaling_per_channel": (
        lambda **kw: Rescaling([0.5, 2.0, -1.0, 3.0], [0.0, 1.0, 2.0, 3.0], **kw), (5, 4), 0, 0
    ),
    "reshape": (lambda **kw: Reshape((2, -1), **kw), (2, 3, 4), 0, 0),
    "reshape_to_3d": (lambda **kw: Reshape((2, 1, 2), **kw), (5, 4), 0, 0),
    "permute": (lambda **kw: Permute((2, 1), **kw), (2, 3, 4), 0, 0),
    "permute_three_axes": (lambda **kw: Permute((3, 1, 2), **kw), (2, 3, 4, 2), 0, 0),
    "repeat_vector": (lambda **kw: RepeatVector(3, **kw), (5, 4), 0, 0),
    "lambda": (lambda **kw: Lambda(lambda x: (x * x).tanh() + x, **kw), (5, 4), 0, 0),
    "lambda_arguments_training": (
        lambda **kw: Lambda(_scaled_in_training, (8,), arguments={"factor": 3.0}, **kw),
        (2, 2, 4), 0, 0,
    ),
    "tensor_operation_constant_first": (
        lambda **kw: TensorOperation("subtract", constant=2.0, constant_first=True, **kw), (5, 4), 0, 0
    ),
    "tensor_operation_power": (lambda **kw: TensorOperation("power", constant=3.0, **kw), (5, 4), 0, 0),
    "tensor_operation_absolute": (lambda **kw: TensorOperation("absolute", **kw), (5, 4), 0, 0),
    "tensor_operation_getitem": (
        lambda **kw: TensorOperation(
            "getitem", index=TensorOperation.index_config((slice(None), slice(1, 3), None)), **kw),
        (5, 4), 0, 0,
    ),
    # several inputs: a list of shapes
    "tensor_operation_multiply": (lambda **kw: TensorOperation("multiply", **kw), [(5, 4), (5, 4)], 0, 0),
    "tensor_operation_matmul": (lambda **kw: TensorOperation("matmul", **kw), [(2, 3, 4), (2, 4, 5)], 0, 0),
    "add": (lambda **kw: Add(**kw), [(5, 4), (5, 4), (5, 4)], 0, 0),
    "add_broadcast": (lambda **kw: Add(**kw), [(5, 4), (5, 3, 4), (5, 1)], 0, 0),
    "subtract": (lambda **kw: Subtract(**kw), [(5, 4), (5, 4)], 0, 0),
    "multiply": (lambda **kw: Multiply(**kw), [(5, 4), (5, 4), (5, 1, 4)], 0, 0),
    "average": (lambda **kw: Average(**kw), [(5, 4), (5, 4)], 0, 0),
    "maximum": (lambda **kw: Maximum(**kw), [(5, 4), (5, 4), (5, 4)], 0, 0),
    "minimum": (lambda **kw: Minimum(**kw), [(5, 2, 4), (5, 4)], 0, 0),
    "concatenate": (lambda **kw: Concatenate(**kw), [(5, 4), (5, 2)], 0, 0),
    "concatenate_axis1": (lambda **kw: Concatenate(axis=1, **kw), [(2, 3, 4), (2, 1, 4)], 0, 0),
    "dot": (lambda **kw: Dot(axes=1, **kw), [(5, 4), (5, 4)], 0, 0),
    "dot_normalize_3d": (
        lambda **kw: Dot(axes=(2, 1), normalize=True, **kw), [(2, 3, 4), (2, 4, 5)], 0, 0
    ),
    "lambda_two_inputs": (
        lambda **kw: Lambda(lambda xs: xs[0] * xs[1].sigmoid(), **kw), [(5, 4), (5, 4)], 0, 0
    ),
    # recurrent
    "simple_rnn": (lambda **kw: SimpleRNN(3, seed=0, **kw), (2, 4, 3), 21, 0),
    "simple_rnn_sequences_backwards": (
        lambda **kw: SimpleRNN(3, "sigmoid", return_sequences=True, go_backwards=True, seed=1, **kw),
        (2, 4, 3), 21, 0,
    ),
    "lstm": (lambda **kw: LSTM(3, seed=2, **kw), (2, 4, 3), 84, 0),
    "lstm_sequences_no_bias": (
        lambda **kw: LSTM(2, return_sequences=True, use_bias=False, seed=3, **kw), (2, 4, 3), 40, 0
    ),
    "lstm_dropout": (lambda **kw: LSTM(2, dropout=0.3, recurrent_dropout=0.4, seed=4, **kw),
                     (3, 4, 3), 48, 0),
    "gru": (lambda **kw: GRU(3, seed=5, **kw), (2, 4, 3), 72, 0),
    "gru_reset_before_sequences_backwards": (
        lambda **kw: GRU(2, reset_after=False, return_sequences=True, go_backwards=True, seed=6, **kw),
        (2, 4, 3), 36, 0,
    ),
    "gru_dropout": (lambda **kw: GRU(2, recurrent_dropout=0.5, seed=7, **kw), (3, 4, 3), 42, 0),
    "bidirectional_lstm": (
        lambda **kw: Bidirectional(LSTM(2, return_sequences=True, seed=8), **kw), (2, 4, 3), 96, 0
    ),
    "bidirectional_gru_sum": (
        lambda **kw: Bidirectional(GRU(2, seed=9), merge_mode="sum", **kw), (2, 4, 3), 84, 0
    ),
    "time_distributed": (lambda **kw: TimeDistributed(Dense(2, "tanh", seed=10), **kw), (2, 4, 3), 8, 0),
    "rnn_lstm_cell": (lambda **kw: RNN(LSTMCell(2, seed=12), **kw), (2, 4, 3), 48, 0),
    "rnn_stacked_cells_backwards": (
        lambda **kw: RNN([GRUCell(2, seed=13), SimpleRNNCell(2, seed=14)], return_sequences=True,
                         go_backwards=True, **kw),
        (2, 4, 3), 52, 0,
    ),
    "masking": (lambda **kw: Masking(**kw), (2, 4, 3), 0, 0),
    "embedding": (lambda **kw: Embedding(6, 3, seed=11, **kw), Indices((3, 4), 6), 18, 0),
}
IDS = sorted(CASES)
#: cases of layers with several inputs (their input shape is a list of shapes)
MULTI_INPUT_IDS = [name for name in IDS if isinstance(CASES[name][1], list)]
ONE_INPUT_IDS = [name for name in IDS if name not in MULTI_INPUT_IDS]
#: layers whose config cannot exist: they hold Python code, which model files never hold
NOT_SERIALISABLE = (Lambda,)


def _scaled_in_training(x, factor, training=False):
    """A Lambda function with an argument and the call's training flag."""
    return (x * factor if training else x).reshape(x.shape[0], -1)


def sample(shape, dtype=np.float64, seed=0):
    """Inputs away from 0, where relu-like activations have a kink (a list of them for a list
    of shapes)."""
    if isinstance(shape, list):
        return [sample(s, dtype, seed=seed + 10 * i) for i, s in enumerate(shape)]
    rng = np.random.default_rng(seed)
    if isinstance(shape, Indices):
        return rng.integers(0, shape.high, tuple(shape)).astype(dtype)
    return (rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)).astype(dtype)


def batchless(shape):
    """``shape`` (or each of a list of shapes) with the batch size unknown."""
    if isinstance(shape, list):
        return [batchless(s) for s in shape]
    return (None,) + tuple(shape[1:])


def tensors(arrays, requires_grad=False):
    """Tensors of an array or of a list of arrays (then a list)."""
    if isinstance(arrays, list):
        return [dg.Tensor(a, requires_grad=requires_grad) for a in arrays]
    return dg.Tensor(arrays, requires_grad=requires_grad)


def case(name, **kwargs):
    factory, shape, total, non_trainable = CASES[name]
    return factory(**kwargs), shape, total, non_trainable


# --------------------------------------------------------------------------- the harness


def test_every_registered_layer_is_in_the_harness():
    covered = {type(CASES[name][0]()).__name__ for name in CASES}
    ours = {name for name, cls in REGISTRY.items() if cls.__module__.startswith("deepgrad.layers.")
            and getattr(sys.modules[cls.__module__], name, None) is cls}  # not a docstring's example
    assert covered == ours - {"Layer"}


@pytest.mark.parametrize("name", IDS)
@pytest.mark.parametrize("training", [False, True])
def test_output_shape_matches_compute_output_shape(name, training):
    layer, shape, _, _ = case(name)
    out = layer(sample(shape), training=training)
    assert out.shape == tuple(layer.compute_output_shape(shape))
    without_batch = layer.compute_output_shape(batchless(shape))
    assert without_batch[0] is None and tuple(without_batch[1:]) == out.shape[1:]


@pytest.mark.parametrize("name", ONE_INPUT_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_replayed_inference_is_the_call_bitwise(name, dtype):
    """predict's path (Sequential.infer: recorded at the first batch of a shape, replayed
    after) gives bitwise what calling the layer in inference mode gives."""
    layer, shape, _, _ = case(name, dtype=dtype)
    model = dg.Sequential([layer])
    x = sample(shape, dtype)
    expected = layer(x, training=False).numpy()
    for other in (sample(shape, dtype, seed=1), x):  # recorded, then replayed on x
        model.infer((other,))
    got = model.infer((x,))[0]
    assert isinstance(got, np.ndarray) and got.dtype == expected.dtype
    assert got.tobytes() == expected.tobytes()


def _three_steps(layers, step_class, x, y):
    from deepgrad.training.step import make_step

    dg.set_seed(0)
    model = dg.Sequential([Input(x.shape[1:], dtype=x.dtype), *layers(), Flatten(), Dense(2, seed=9)])
    model.compile(dg.optimizers.Adam(0.05), "mse")
    step = step_class(model, model.objective, model.parameters())
    assert type(make_step(model, model.objective, model.parameters())).__name__ == "RecordedStep"
    for k in range(3):
        step.run((x,), (y,), (None,))
        model.optimizer.step(step.params)
    assert step_class.__name__ == "GraphStep" or step.replays.get((x.shape,)) is not None
    return model


@pytest.mark.parametrize("name", ONE_INPUT_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_recorded_training_steps_are_the_graphs_bitwise(name, dtype):
    """fit's recorded step (recorded once, then replayed) trains every layer to bitwise the
    weights the graph step gives, three steps in."""
    from deepgrad.training.step import GraphStep, RecordedStep

    _, shape, _, _ = case(name)
    if name == "input_layer":
        shape = (5, 4)
    x, y = sample(shape, dtype), sample((shape[0], 2), dtype, seed=3)
    layers = (lambda: []) if name == "input_layer" else (lambda: [case(name, dtype=dtype)[0]])
    graph = _three_steps(layers, GraphStep, x, y)
    replayed = _three_steps(layers, RecordedStep, x, y)
    for a, b in zip(graph.weights, replayed.weights):
        assert a.name.split("/")[-1] == b.name.split("/")[-1]
        assert a.data.tobytes() == b.data.tobytes(), a.name


@pytest.mark.parametrize("name", MULTI_INPUT_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_tape_replays_layers_of_several_inputs_bitwise(name, dtype):
    """A layer of several inputs, behind a trained Dense layer on each input, recorded once:
    the tape's forward on new batches is the call's and its weight gradients are the graph's,
    bitwise (what fit's and predict's replays rely on)."""
    layer, shapes, _, _ = case(name, dtype=dtype)
    branches = [Dense(shape[-1], "tanh", seed=i) for i, shape in enumerate(shapes)]
    weights = [w for branch in branches for w in branch.weights]

    def forward(inputs):
        return layer([branch(x) for branch, x in zip(branches, inputs)])

    first, new = tensors(sample(shapes, dtype)), sample(shapes, dtype, seed=5)
    with recording() as records:
        recorded = forward(first)
    seed = sample(recorded.shape, dtype, seed=7)
    recorded.backward(seed)
    for w in weights:
        w.grad = None
    expected = forward(tensors(new))
    expected.backward(seed)
    tape = Tape(records, first, [recorded], trained=weights)
    assert not tape.batch_constants
    (got,) = tape.forward(new)
    assert got.tobytes() == expected.data.tobytes()
    into = {w: np.zeros_like(w.data) for w in weights}
    assert tape.backward([seed], into) == weights
    for w in weights:
        assert into[w].tobytes() == w.grad.tobytes(), w.name


@pytest.mark.parametrize("activation", sorted(activations.ACTIVATIONS))
def test_every_activation_trains_the_same_recorded(activation):
    from deepgrad.training.step import GraphStep, RecordedStep

    x, y = sample((6, 4), np.float32), sample((6, 2), np.float32, seed=3)
    layers = lambda: [Dense(5, activation, seed=1), Dense(3, activation, seed=2)]  # noqa: E731
    graph = _three_steps(layers, GraphStep, x, y)
    replayed = _three_steps(layers, RecordedStep, x, y)
    assert [w.data.tobytes() for w in graph.weights] == [w.data.tobytes() for w in replayed.weights]


def test_weights_start_on_64_byte_boundaries():
    layer = Dense(7, seed=0)
    layer(np.ones((2, 5), dtype=np.float32))
    assert all(w.data.ctypes.data % 64 == 0 and w.data.flags.c_contiguous for w in layer.weights)


@pytest.mark.parametrize("name", IDS)
def test_parameter_counts(name):
    layer, shape, total, non_trainable = case(name)
    layer(sample(shape))
    assert layer.count_params() == total
    assert sum(w.size for w in layer.non_trainable_weights) == non_trainable
    assert sum(w.size for w in layer.trainable_weights) == total - non_trainable
    assert layer.parameters() == layer.trainable_weights
    assert all(w.trainable and w.requires_grad for w in layer.trainable_weights)
    assert not any(w.trainable or w.requires_grad for w in layer.non_trainable_weights)


@pytest.mark.parametrize("name", IDS)
def test_config_round_trip_gives_bitwise_equal_outputs(name):
    layer, shape, _, _ = case(name)
    x = sample(shape)
    layer(x)  # build
    if isinstance(layer, NOT_SERIALISABLE):
        for no_config in (layer.get_config, lambda: serialize(layer)):
            with pytest.raises(TypeError, match="holds arbitrary Python code"):
                no_config()
        return
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())
    # Training mode too: same batch statistics, and the same seeded dropout mask.
    np.testing.assert_array_equal(clone(x, training=True).numpy(), layer(x, training=True).numpy())
    # The registry path that model files use.
    spec = json.loads(json.dumps(serialize(layer)))
    rebuilt = deserialize(spec)
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()


@pytest.mark.parametrize("name", IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weights_take_the_first_inputs_dtype(name, dtype):
    layer, shape, _, _ = case(name)
    out = layer(sample(shape, dtype))
    assert out.dtype == dtype
    assert all(w.dtype == dtype for w in layer.weights)


@pytest.mark.parametrize("name", IDS)
def test_layer_dtype_wins_over_input_dtype(name):
    layer, shape, _, _ = case(name, dtype="float64")
    out = layer(sample(shape, np.float32))
    assert out.dtype == np.float64
    assert all(w.dtype == np.float64 for w in layer.weights)


@pytest.mark.parametrize(
    "name, training",
    # Dropout draws a new mask per call in training: see test_dropout_gradcheck_with_fixed_mask
    # (and test_spatial_dropout_gradcheck_with_fixed_mask in test_spatial_layers.py); the
    # augmentation layers draw new transforms (see test_augmentation_layers.py).
    [(name, training) for name in IDS for training in (False, True)
     if not ((name in ("dropout", "spatial_dropout1d", "spatial_dropout2d", "lstm_dropout",
                       "gru_dropout")
              or name.startswith("random_")) and training)],
)
def test_gradcheck_input_and_weights(name, training):
    layer, shape, _, _ = case(name)
    x = tensors(sample(shape), requires_grad=True)
    layer(x)  # build in float64
    xs = x if isinstance(x, list) else [x]
    weights = layer.trainable_weights

    def forward(*args):
        inputs = list(args[:len(xs)])
        return layer(inputs if isinstance(x, list) else inputs[0], training=training)

    assert dg.gradcheck(forward, *xs, *weights, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("name", IDS)
def test_one_training_step(name):
    layer, shape, _, _ = case(name)
    x = tensors(sample(shape, np.float32), requires_grad=True)
    out = layer(x, training=True)
    target = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    loss = ((out - target) ** 2).mean()
    frozen = [w.data.copy() for w in layer.non_trainable_weights]  # after the forward pass
    before = [w.data.copy() for w in layer.trainable_weights]
    loss.backward()
    for each in x if isinstance(x, list) else [x]:
        assert each.grad is not None and each.grad.shape == each.shape
    for w in layer.parameters():  # plain SGD
        assert w.grad is not None and w.grad.shape == w.shape
        w.assign(w.data - 0.1 * w.grad)
        w.grad = None
    for w, old in zip(layer.trainable_weights, before):
        assert not np.array_equal(w.data, old), f"{w.path} did not change"
    for w, old in zip(layer.non_trainable_weights, frozen):
        assert w.grad is None
        np.testing.assert_array_equal(w.data, old)
    assert np.isfinite(layer(x, training=True).numpy()).all()


# --------------------------------------------------------------------------- Input


def test_input_layer_is_identity_and_checks_sample_shape():
    layer = InputLayer((2, 3))
    x = dg.Tensor(np.ones((4, 2, 3)))
    assert layer(x) is x
    assert layer.shape == (2, 3) and layer.batch_shape == (None, 2, 3)
    with pytest.raises(ValueError, match=r"expects samples of shape \(2, 3\)"):
        layer(np.ones((4, 3, 2)))
    assert InputLayer(5).shape == (5,)
    assert InputLayer((None, 3))(np.ones((2, 7, 3))).shape == (2, 7, 3)
    assert InputLayer(batch_shape=(None, 3)).shape == (3,)
    with pytest.raises(ValueError, match="InputLayer needs shape="):
        InputLayer()
    with pytest.raises(ValueError):
        InputLayer((0,))


def test_input_is_a_symbolic_tensor_of_an_input_layer():
    tensor = Input((2, 3), name="pixels")
    assert tensor.shape == (None, 2, 3) and tensor.dtype == np.float32 and tensor.name == "pixels"
    assert isinstance(tensor.node.layer, InputLayer) and tensor.node.layer.name == "pixels"
    assert Input(shape=5).shape == (None, 5)
    assert Input(batch_shape=(None, 4), dtype="float64").dtype == np.float64
    with pytest.raises(ValueError, match="Input needs shape="):
        Input()
    with pytest.raises(ValueError, match="either shape= .* or batch_shape="):
        Input((3,), batch_shape=(None, 3))
    with pytest.raises(TypeError, match="has no values"):
        np.asarray(tensor)


def test_input_config_has_shape():
    config = InputLayer((4,), name="features").get_config()
    assert config["shape"] == [4] and "input_shape" not in config
    assert InputLayer.from_config(config).shape == (4,)


# --------------------------------------------------------------------------- Dense


def test_dense_computes_x_kernel_plus_bias_then_activation():
    layer = Dense(3, "tanh", bias_initializer=QUARTER, seed=0)
    x = sample((5, 4))
    out = layer(x).numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 3) and bias.shape == (3,)
    np.testing.assert_allclose(out, np.tanh(x @ kernel + bias), rtol=1e-12)
    assert [w.path for w in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]
    assert [w.name for w in layer.weights] == ["kernel", "bias"]


def test_dense_applies_to_the_last_axis_of_3d_inputs():
    layer = Dense(2, seed=0)
    x = sample((3, 5, 4))
    out = layer(x).numpy()
    assert out.shape == (3, 5, 2)
    np.testing.assert_allclose(out[1], layer(x[1]).numpy())


def test_notes_four_three_two_one_network_has_26_parameters():
    """Seed 003: the notes write (4·3) + (4·2) + (3·2 + 2) + (2·1 + 1); the correct sum is
    (4·3 + 3) + (3·2 + 2) + (2·1 + 1) = 15 + 8 + 3 = 26."""
    stack = [Dense(3, "sigmoid", input_shape=(4,)), Dense(2, "sigmoid"), Dense(1, "sigmoid")]
    x = np.ones((1, 4))
    for layer in stack:
        x = layer(x)
    assert [layer.count_params() for layer in stack] == [15, 8, 3]
    assert sum(layer.count_params() for layer in stack) == 26


def test_dense_signature_keeps_units_and_activation_positional():
    assert Dense(32, activation="relu").activation is activations.relu
    assert Dense(32, "relu").activation is activations.relu
    assert Dense(4).activation is activations.linear
    with pytest.raises(TypeError):
        Dense(32, "relu", False)  # use_bias is keyword-only
    for bad in (0, -3):
        with pytest.raises(ValueError, match=f"units must be an int >= 1; got {bad}"):
            Dense(bad)
    for bad in (2.5, True, "8"):
        with pytest.raises(TypeError, match="units must be an int >= 1; got"):
            Dense(bad)


def test_dense_accepts_initializer_objects_and_names():
    layer = Dense(2, kernel_initializer=initializers.Constant(0.5), bias_initializer="ones")
    layer(np.ones((1, 3)))
    assert (layer.kernel.numpy() == 0.5).all() and (layer.bias.numpy() == 1).all()
    assert layer.get_config()["kernel_initializer"] == {
        "class_name": "Constant", "config": {"value": 0.5}
    }
    with pytest.raises(ValueError, match="unknown initializer"):
        Dense(2, kernel_initializer="glorot")


def test_dense_seed_and_set_seed_reproducibility():
    a, b = Dense(3, seed=4), Dense(3, seed=4)
    a(np.ones((1, 5)))
    b(np.ones((1, 5)))
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())
    dg.set_seed(9)
    c = Dense(3)
    c(np.ones((1, 5)))
    dg.set_seed(9)
    d = Dense(3)
    d(np.ones((1, 5)))
    np.testing.assert_array_equal(c.kernel.numpy(), d.kernel.numpy())


def test_dense_build_is_lazy_and_checks_features():
    layer = Dense(3)
    assert not layer.built and layer.kernel is None and layer.weights == []
    layer(np.ones((2, 4)))
    assert layer.built
    with pytest.raises(ValueError, match="4 input features"):
        layer(np.ones((2, 5)))
    with pytest.raises(ValueError, match="features"):
        Dense(3)(np.ones(4))


def test_dense_build_can_run_before_any_input():
    layer = Dense(3, input_shape=(4,))
    layer.build((None, 4))
    assert layer.count_params() == 15 and layer.kernel.dtype == np.float32


def test_dense_config_is_json_with_activation_settings():
    layer = Dense(2, {"class_name": "leaky_relu", "config": {"negative_slope": 0.2}},
                  kernel_regularizer="l2", input_shape=(3,))
    config = json.loads(json.dumps(layer.get_config()))
    assert config["activation"] == {"class_name": "leaky_relu", "config": {"negative_slope": 0.2}}
    assert config["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert config["input_shape"] == [3]
    clone = Dense.from_config(config)
    assert clone.activation(dg.Tensor([-10.0])).item() == pytest.approx(-2.0)


# --------------------------------------------------------------------------- activation layers


def test_activation_layer_matches_function():
    x = sample((3, 4))
    np.testing.assert_array_equal(Activation("sigmoid")(x).numpy(), activations.sigmoid(x).numpy())
    np.testing.assert_array_equal(Activation(None)(x).numpy(), x)  # None is linear
    with pytest.raises(ValueError, match="unknown activation"):
        Activation("relux")


def test_leaky_relu_default_slope_is_the_notes_0_01():
    out = LeakyReLU()(np.array([[-2.0, 3.0]])).numpy()
    np.testing.assert_allclose(out, [[-0.02, 3.0]])
    assert LeakyReLU().negative_slope == 0.01
    with pytest.raises(ValueError):
        LeakyReLU(-0.1)


def test_elu_values():
    out = ELU(0.5)(np.array([[-1.0, 2.0]])).numpy()
    np.testing.assert_allclose(out, [[0.5 * (np.exp(-1.0) - 1.0), 2.0]])


def test_prelu_slope_gradient():
    layer = PReLU(alpha_initializer=QUARTER)
    x = np.array([[-1.0, 2.0, -3.0], [-4.0, -5.0, 6.0]])
    out = layer(x)
    np.testing.assert_allclose(out.numpy(), np.where(x > 0, x, 0.25 * x))
    out.sum().backward()
    # d(sum)/d(alpha_j) = sum of the negative inputs of unit j.
    np.testing.assert_allclose(layer.alpha.grad, [-5.0, -5.0, -3.0])
    alpha = layer.alpha
    assert dg.gradcheck(lambda a: layer(x), alpha, atol=1e-7, rtol=1e-5)


def test_prelu_starts_as_relu_and_learns_its_slope():
    layer = PReLU()
    x = dg.Tensor(np.array([[-1.0, -2.0]]))
    np.testing.assert_array_equal(layer(x).numpy(), [[0.0, 0.0]])
    for _ in range(100):  # fit y = 0.5 · x on negative inputs
        loss = ((layer(x) - 0.5 * x) ** 2).sum()
        loss.backward()
        layer.alpha.assign(layer.alpha.data - 0.1 * layer.alpha.grad)
        layer.alpha.grad = None
    np.testing.assert_allclose(layer.alpha.numpy(), [0.5, 0.5], atol=1e-6)


def test_prelu_shared_axes():
    layer = PReLU(shared_axes=[1, 2])
    layer(np.ones((2, 5, 5, 3)))
    assert layer.alpha.shape == (1, 1, 3)
    with pytest.raises(ValueError):
        PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match="shared axis 3"):
        PReLU(shared_axes=3)(np.ones((2, 4)))


# --------------------------------------------------------------------------- Dropout


def test_dropout_keeps_the_expectation_and_drops_rate():
    rate = 0.3
    x = np.ones((1000, 1000))
    out = Dropout(rate, seed=0)(x, training=True).numpy()
    assert out.mean() == pytest.approx(1.0, abs=0.005)
    assert np.mean(out == 0) == pytest.approx(rate, abs=0.005)
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / (1 - rate)])


def test_dropout_is_identity_at_inference():
    x = dg.Tensor(sample((4, 5)))
    layer = Dropout(0.5, seed=0)
    assert layer(x) is x
    assert layer(x, training=False) is x
    assert Dropout(0.0)(x, training=True) is x


def test_dropout_masks_differ_between_calls_but_runs_are_reproducible():
    x = np.ones((8, 8))
    a, b = Dropout(0.5, seed=3), Dropout(0.5, seed=3)
    first, second = a(x, training=True).numpy(), a(x, training=True).numpy()
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(b(x, training=True).numpy(), first)
    np.testing.assert_array_equal(b(x, training=True).numpy(), second)
    dg.set_seed(2)
    c = Dropout(0.5)(x, training=True).numpy()
    dg.set_seed(2)
    np.testing.assert_array_equal(Dropout(0.5)(x, training=True).numpy(), c)


def test_dropout_gradcheck_with_fixed_mask():
    x = dg.Tensor(sample((4, 6)), requires_grad=True)
    # A new layer with the same seed per call draws the same mask every time.
    assert dg.gradcheck(lambda t: Dropout(0.4, seed=5)(t, training=True), x, atol=1e-7, rtol=1e-5)
    out = Dropout(0.4, seed=5)(x, training=True)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, (out.numpy() != 0) / 0.6)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.5", None])
def test_dropout_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match="rate"):
        Dropout(rate)


# --------------------------------------------------------------------------- BatchNormalization


def test_batch_norm_training_normalizes_each_feature():
    rng = np.random.default_rng(0)
    x = rng.normal([2.0, -1.0, 5.0], [1.0, 3.0, 0.5], size=(256, 3))
    layer = BatchNormalization()
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    var = x.var(axis=0)  # biased, as Keras
    np.testing.assert_allclose(out.var(axis=0), var / (var + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1.0, atol=5e-3)  # epsilon shrinks it a little
    # One momentum step from the initial (0, 1).
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.01 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.99 + 0.01 * var, rtol=1e-12)


def test_batch_norm_training_and_inference_differ():
    x = sample((8, 3)) * 3 + 1
    layer = BatchNormalization()
    train = layer(x, training=True).numpy()
    infer = layer(x).numpy()
    assert not np.allclose(train, infer)
    mean, var = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    np.testing.assert_allclose(infer, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-12)
    moving = layer.get_weights()
    layer(x)  # inference does not touch the moving statistics
    for w, old in zip(layer.get_weights(), moving):
        np.testing.assert_array_equal(w, old)


def test_batch_norm_moving_statistics_converge():
    rng = np.random.default_rng(1)
    mean, std = np.array([2.0, -1.0, 5.0]), np.array([1.0, 3.0, 0.5])
    layer = BatchNormalization(momentum=0.9)
    for _ in range(300):
        layer(rng.normal(mean, std, size=(512, 3)), training=True)
    assert np.all(np.abs(layer.moving_mean.numpy() - mean) < 0.05 * std)
    np.testing.assert_allclose(layer.moving_variance.numpy(), std**2, rtol=0.05)
    fresh = rng.normal(mean, std, size=(20000, 3))
    out = layer(fresh).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=0.05)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=0.05)


def test_batch_norm_channels_axis_and_scale_shift():
    x = sample((4, 3, 2, 2))
    layer = BatchNormalization(axis=1, gamma_initializer=QUARTER,
                               beta_initializer=initializers.Constant(1.0))
    out = layer(x, training=True).numpy()
    assert layer.gamma.shape == (3,)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 1.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 0.25, rtol=2e-3)


def test_frozen_batch_norm_runs_in_inference_mode():
    x = sample((8, 3)) * 3 + 1
    layer = BatchNormalization(trainable=False)
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-12)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), 0.0)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batch_norm_weight_order_and_errors():
    layer = BatchNormalization()
    layer(np.ones((2, 3)))
    assert [w.name for w in layer.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance"
    ]
    with pytest.raises(ValueError):
        layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match="batch axis"):
        BatchNormalization(axis=0)(np.ones((2, 3)))
    with pytest.raises(ValueError):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError):
        BatchNormalization(epsilon=0.0)


# --------------------------------------------------------------------------- Flatten, Residual


def test_flatten():
    assert Flatten()(np.zeros((2, 3, 4, 5))).shape == (2, 60)
    assert Flatten()(np.zeros((2, 3))).shape == (2, 3)
    assert Flatten().compute_output_shape((None, 3, None)) == (None, None)


def test_flatten_channels_first_moves_the_channels_last_first():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    assert Flatten("channels_first")(x).numpy().tolist() == np.moveaxis(x, 1, -1).reshape(1, -1).tolist()
    assert Flatten.from_config(Flatten("channels_first").get_config()).data_format == "channels_first"
    with pytest.raises(ValueError, match="data_format must be 'channels_last' or 'channels_first'"):
        Flatten("NHWC")


def test_residual_identity_adds_the_input():
    inner = Dense(4, kernel_initializer="zeros")
    block = Residual(inner)
    x = dg.Tensor(sample((3, 4)), requires_grad=True)
    out = block(x)
    assert block.projection is None and block.count_params() == 20
    np.testing.assert_array_equal(out.numpy(), x.numpy())  # f(x) = 0, so x + f(x) = x
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((3, 4)))  # the skip passes the gradient


def test_residual_projection_when_width_changes():
    block = Residual([Dense(5, "tanh", seed=0), Dense(3, seed=1)], seed=2)
    x = sample((2, 4))
    out = block(x).numpy()
    assert block.projection is not None and block.projection.bias is None
    assert block.projection.kernel.shape == (4, 3)
    branch = block.layers[1](block.layers[0](x)).numpy()
    np.testing.assert_allclose(out, x @ block.projection.kernel.numpy() + branch, rtol=1e-12)
    assert len(block.weights) == 5  # 2 + 2 inner, 1 projection


def test_residual_builds_eagerly_and_collects_regularization():
    block = Residual(Dense(4, kernel_regularizer="l2"))
    block.build((None, 4))
    assert block.layers[0].built and block.count_params() == 20
    assert len(block.regularization_losses()) == 1


def test_residual_config_stores_inner_layers():
    block = Residual([Dense(5, "relu"), Dropout(0.2, seed=1)], name="block")
    config = json.loads(json.dumps(block.get_config()))
    assert [spec["class_name"] for spec in config["layers"]] == ["Dense", "Dropout"]
    clone = Residual.from_config(config)
    assert [type(layer) for layer in clone.layers] == [Dense, Dropout]
    assert clone.layers[0].get_config() == block.layers[0].get_config()


def test_residual_rejects_shapes_a_projection_cannot_fix():
    with pytest.raises(ValueError, match="last axis"):
        Residual(Flatten())(np.ones((2, 3, 4)))
    with pytest.raises(TypeError):
        Residual([])
    with pytest.raises(TypeError):
        Residual([lambda x: x])


def test_layers_are_layers():
    for name in IDS:
        assert isinstance(CASES[name][0](), Layer)


class PlainDense(Layer):
    """A dense layer as a user writes one: no compute_output_shape."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform", seed=0)
        self.bias = self.add_weight("bias", (self.units,), "zeros")

    def call(self, x, training=False):
        return (x @ self.kernel + self.bias).relu()


def test_a_user_written_layer_gets_its_output_shape_from_call():
    model = dg.Sequential([Input((784,)), PlainDense(256), PlainDense(128), PlainDense(10)])
    assert model.output_shape == (None, 10)
    assert [w.shape for w in model.weights] == [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]
    assert model.layers[1].compute_output_shape((None, 256)) == (None, 128)
    model.compile("adam", dg.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).standard_normal((64, 784)).astype(np.float32)
    model.fit(x, np.arange(64) % 10, epochs=2, batch_size=16, verbose=0)
    assert model.predict(x[:3]).shape == (3, 10)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("(None, 128)" in line and "32,896" in line.replace("32896", "32,896") for line in lines)
