"""Every primitive in deepgrad.ops is gradient-checked in float64, across broadcasting patterns
and reduction axes. A primitive without a case here fails ``test_every_primitive_has_a_case``."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F
from deepgrad import ops
from deepgrad.autograd.gradcheck import GradcheckError
from deepgrad.autograd.tensor import _apply

ATOL, RTOL = 1e-7, 1e-5  # elementwise: |analytical - numerical| <= 1e-7 + 1e-5·|numerical|


def _array(shape, low=-2.0, high=2.0, away_from=None, seed=0):
    """Random float64 values in [low, high), pushed at least 0.05 away from ``away_from``."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=shape)
    if away_from is not None:
        close = np.abs(x - away_from) < 0.05
        x[close] += 0.1
    return x


def _t(value):
    return dg.Tensor(value, requires_grad=True, dtype="float64")


def _batch_norm(x, gamma=None, beta=None, *, training, axis=-1):
    """ops.BatchNorm with fresh moving statistics of 0.5 and 2.0 (the primitive updates them)."""
    features = x.shape[axis]
    moving = [dg.Tensor(np.full(features, 0.5)), dg.Tensor(np.full(features, 2.0))]
    parameters = [p for p in (gamma, beta) if p is not None]
    primitive = ops.BatchNorm(axis, 1e-3, 0.9, training, scale=gamma is not None, center=beta is not None)
    return _apply(primitive, x, *moving, *parameters)


def _resample(a, rows, cols, **settings):
    """ops.Resample reading ``a`` at fixed coordinates (the augmentation layers draw them)."""
    return _apply(ops.Resample(lambda shape: (rows, cols), **settings), a)


# whole-pixel reads (flips, a crop) and points between pixels, inside and outside a 4x5 image
_FLIPPED = (np.array([[[3], [2], [1], [0]], [[0], [1], [2], [3]]]), np.arange(5)[None, None, ::-1])
_BETWEEN = (np.array([-1.3, 0.25, 1.5, 3.6]).reshape(1, 4, 1), np.linspace(-2.2, 6.1, 5).reshape(1, 1, 5))

# steps masked in the recurrent cases: (batch 3, steps 4)
_MASK = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [0, 1, 1, 1]], bool)

# (primitive, case id, function of tensors, input arrays)
CASES = [
    ("Add", "same", lambda a, b: a + b, [(3, 4), (3, 4)]),
    ("Add", "row-broadcast", lambda a, b: a + b, [(3, 4), (4,)]),
    ("Add", "outer-broadcast", lambda a, b: a + b, [(3, 1), (1, 4)]),
    ("Add", "rank-3", lambda a, b: a + b, [(2, 3, 4), (3, 1)]),
    ("Add", "scalar", lambda a, b: a + b, [(3, 4), ()]),
    ("Sub", "same", lambda a, b: a - b, [(3, 4), (3, 4)]),
    ("Sub", "broadcast", lambda a, b: a - b, [(2, 1, 4), (3, 1)]),
    ("Mul", "same", lambda a, b: a * b, [(3, 4), (3, 4)]),
    ("Mul", "broadcast", lambda a, b: a * b, [(3, 4), (3, 1)]),
    ("Mul", "scalar", lambda a, b: a * b, [(), (2, 3)]),
    ("Mul", "self", lambda a: a * a, [(3, 4)]),
    ("Div", "same", lambda a, b: a / b, [(3, 4), ("pos", (3, 4))]),
    ("Div", "broadcast", lambda a, b: a / b, [(3, 4), ("pos", (4,))]),
    ("Pow", "scalar-exponent", lambda a: a**3, [(3, 4)]),
    ("Pow", "tensor-exponent", lambda a, b: a**b, [("pos", (3, 4)), (3, 4)]),
    ("Pow", "broadcast", lambda a, b: a**b, [("pos", (3, 4)), (4,)]),
    ("Pow", "reflected", lambda b: 2.0**b, [(3,)]),
    ("Neg", "plain", lambda a: -a, [(3, 4)]),
    ("MatMul", "2d", lambda a, b: a @ b, [(3, 4), (4, 5)]),
    ("MatMul", "batched", lambda a, b: a @ b, [(2, 3, 4), (2, 4, 5)]),
    ("MatMul", "batched-broadcast", lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    ("MatMul", "vector-vector", lambda a, b: a @ b, [(4,), (4,)]),
    ("MatMul", "vector-matrix", lambda a, b: a @ b, [(4,), (4, 5)]),
    ("MatMul", "matrix-vector", lambda a, b: a @ b, [(3, 4), (4,)]),
    ("MatMul", "vector-batched", lambda a, b: a @ b, [(4,), (2, 4, 5)]),
    ("MatMul", "batched-vector", lambda a, b: a @ b, [(2, 3, 4), (4,)]),
    ("Sum", "all", lambda a: a.sum(), [(3, 4)]),
    ("Sum", "axis0", lambda a: a.sum(axis=0), [(3, 4)]),
    ("Sum", "axis-1-keepdims", lambda a: a.sum(axis=-1, keepdims=True), [(3, 4)]),
    ("Sum", "axes-tuple", lambda a: a.sum(axis=(0, 2)), [(2, 3, 4)]),
    ("Mean", "all", lambda a: a.mean(), [(3, 4)]),
    ("Mean", "axis1", lambda a: a.mean(axis=1), [(3, 4)]),
    ("Mean", "axes-keepdims", lambda a: a.mean(axis=(0, 1), keepdims=True), [(2, 3, 4)]),
    ("Max", "all", lambda a: a.max(), [(3, 4)]),
    ("Max", "tied", lambda a: dg.concatenate([a, a], axis=0).max(axis=0), [(3, 4)]),
    ("Max", "axis0", lambda a: a.max(axis=0), [(3, 4)]),
    ("Max", "axis-1-keepdims", lambda a: a.max(axis=-1, keepdims=True), [(2, 3, 4)]),
    ("Min", "all", lambda a: a.min(), [(3, 4)]),
    ("SumOfSquares", "matrix", lambda a: F.sum_of_squares(a), [(3, 4)]),
    ("SumOfSquares", "strided", lambda a: F.sum_of_squares(a.T[::2]) * 3.0, [(3, 4)]),
    ("Min", "axis1", lambda a: a.min(axis=1), [(3, 4)]),
    ("Reshape", "flat", lambda a: a.reshape(-1), [(3, 4)]),
    ("Reshape", "tuple", lambda a: a.reshape((2, 6)) * np.arange(12.0).reshape(2, 6), [(3, 4)]),
    ("Transpose", "T", lambda a: a.T * np.arange(12.0).reshape(4, 3), [(3, 4)]),
    ("Transpose", "axes", lambda a: a.transpose(2, 0, 1), [(2, 3, 4)]),
    ("GetItem", "slice", lambda a: a[1:, ::2], [(3, 4)]),
    ("GetItem", "int", lambda a: a[1], [(3, 4)]),
    ("GetItem", "labels", lambda a: a[np.arange(3), np.array([2, 0, 3])], [(3, 4)]),
    ("GetItem", "repeated", lambda a: a[np.array([0, 0, 2, 0])], [(3, 4)]),
    ("GetItem", "boolean", lambda a: a[np.array([True, False, True])], [(3, 4)]),
    ("GetItem", "ellipsis-newaxis", lambda a: a[..., None, 1], [(2, 3, 4)]),
    ("Pad", "two-axes", lambda a: _apply(ops.Pad(((0, 0), (2, 1), (0, 3))), a) * np.arange(72.0).reshape(2, 6, 6), [(2, 3, 3)]),
    ("Concatenate", "axis0", lambda a, b: dg.concatenate([a, b], axis=0), [(2, 4), (3, 4)]),
    ("Concatenate", "axis1", lambda a, b, c: dg.concatenate([a, b, c], axis=1), [(2, 1), (2, 3), (2, 2)]),
    ("Stack", "axis0", lambda a, b: dg.stack([a, b]), [(3, 4), (3, 4)]),
    ("Stack", "axis-1", lambda a, b: dg.stack([a, b], axis=-1), [(3, 4), (3, 4)]),
    ("Cast", "float64", lambda a: _apply(ops.Cast(np.float64), a) * 2.0, [(3, 4)]),
    ("Exp", "plain", lambda a: a.exp(), [(3, 4)]),
    ("Log", "plain", lambda a: a.log(), [("pos", (3, 4))]),
    ("Sqrt", "plain", lambda a: a.sqrt(), [("pos", (3, 4))]),
    ("Abs", "plain", lambda a: a.abs(), [("nonzero", (3, 4))]),
    ("Clip", "both", lambda a: a.clip(-0.5, 0.7), [("clip", (4, 5))]),
    ("Clip", "low-only", lambda a: a.clip(min=0.3), [("clip", (4, 5))]),
    ("Maximum", "same", lambda a, b: dg.maximum(a, b), [("grid", (3, 4)), ("offgrid", (3, 4))]),
    ("Maximum", "broadcast", lambda a, b: dg.maximum(a, b), [("grid", (3, 4)), ("offgrid", (4,))]),
    ("Minimum", "same", lambda a, b: dg.minimum(a, b), [("grid", (3, 4)), ("offgrid", (3, 4))]),
    ("Minimum", "constant", lambda a: dg.minimum(a, 0.3), [("clip", (3, 4))]),
    ("Where", "same", lambda a, b: dg.where(np.eye(3, 4) > 0, a, b), [(3, 4), (3, 4)]),
    ("Where", "broadcast", lambda a, b: dg.where(np.array([True, False, True, False]), a, b), [(3, 4), (4,)]),
    ("ReLU", "plain", lambda a: a.relu(), [("nonzero", (3, 4))]),
    ("Sigmoid", "plain", lambda a: a.sigmoid(), [(3, 4)]),
    ("Sigmoid", "wide", lambda a: (a * 10).sigmoid(), [(3, 4)]),
    ("Tanh", "plain", lambda a: a.tanh(), [(3, 4)]),
    ("Affine", "linear", lambda x, w, b: F.affine(x, w, b), [(5, 3), (3, 4), (4,)]),
    ("Affine", "relu", lambda x, w, b: F.affine(x, w, b, "relu"), [(5, 3), (3, 4), (4,)]),
    ("Affine", "sigmoid", lambda x, w, b: F.affine(x, w, b, "sigmoid"), [(5, 3), (3, 4), (4,)]),
    ("Affine", "tanh-no-bias", lambda x, w: F.affine(x, w, None, "tanh"), [(5, 3), (3, 4)]),
    ("Step", "plain", lambda a: dg.activations.step(a) * 3.0 + a, [("nonzero", (3, 4))]),
    ("FlooredExp", "plain", lambda a: F.floored_exp(a * 3.0), [(3, 4)]),
    ("FlooredExp", "below-the-floor", lambda a: F.floored_exp(a - 800.0), [(3, 4)]),
    ("Softplus", "plain", lambda a: F.softplus(a), [(3, 4)]),
    ("Softplus", "at-the-kinks", lambda a: F.softplus(a), [("zeros", (3, 4))]),
    ("SigmoidCrossEntropy", "plain", lambda x, z: F.sigmoid_cross_entropy_with_logits(x, z), [(3, 4), (3, 4)]),
    ("SigmoidCrossEntropy", "at-the-kinks", lambda x: F.sigmoid_cross_entropy_with_logits(x, np.eye(3, 4)), [("zeros", (3, 4))]),
    ("LogSumExp", "last-axis", lambda z: F.logsumexp(z), [(5, 4)]),
    ("LogSumExp", "axis-0-keepdims", lambda z: F.logsumexp(z, axis=0, keepdims=True) * np.arange(4.0), [(5, 4)]),
    ("LogSoftmax", "last-axis", lambda z: F.log_softmax(z) * np.arange(20.0).reshape(5, 4), [(5, 4)]),
    ("LogSoftmax", "axis-0", lambda z: F.log_softmax(z, axis=0) * np.arange(20.0).reshape(5, 4), [(5, 4)]),
    ("Dropout", "fixed-mask", lambda a: _apply(ops.Dropout(0.5, np.random.default_rng(0)), a), [(4, 5)]),
    ("Dropout", "shared-axes", lambda a: _apply(ops.Dropout(0.5, np.random.default_rng(1), (1, 2)), a), [(3, 2, 2, 4)]),
    ("Resample", "whole-pixels", lambda a: _resample(a, *_FLIPPED), [(2, 4, 5, 3)]),
    ("Resample", "crop-repeated", lambda a: _resample(a, np.array([[[1], [1], [2]]]), np.arange(1, 4)[None, None]), [(2, 4, 5, 3)]),
    ("Resample", "bilinear-reflect", lambda a: _resample(a, *_BETWEEN, fill_mode="reflect"), [(2, 4, 5, 3)]),
    ("Resample", "bilinear-wrap", lambda a: _resample(a, *_BETWEEN, fill_mode="wrap"), [(2, 4, 5, 3)]),
    ("Resample", "bilinear-constant", lambda a: _resample(a, *_BETWEEN, fill_value=0.5), [(2, 4, 5, 3)]),
    ("Resample", "nearest-nearest", lambda a: _resample(a, *_BETWEEN, interpolation="nearest", fill_mode="nearest"), [(2, 4, 5, 3)]),
    ("BatchNorm", "training", lambda x, g, b: _batch_norm(x, g, b, training=True) * np.arange(12.0).reshape(4, 3), [(4, 3), (3,), (3,)]),
    ("BatchNorm", "training-3d-no-beta", lambda x, g: _batch_norm(x, g, training=True) * np.arange(24.0).reshape(2, 4, 3), [(2, 4, 3), (3,)]),
    ("BatchNorm", "inference", lambda x, g, b: _batch_norm(x, g, b, training=False) * np.arange(12.0).reshape(4, 3), [(4, 3), (3,), (3,)]),
    ("BatchNorm", "inference-plain", lambda x: _batch_norm(x, training=False), [(4, 3)]),
    ("BatchNorm", "channels-first", lambda x, g, b: _batch_norm(x.transpose(0, 2, 1), g, b, training=True, axis=1) * np.arange(24.0).reshape(2, 3, 4), [(2, 4, 3), (3,), (3,)]),
    ("Softmax", "last-axis", lambda z: F.softmax(z), [(5, 4)]),
    ("Softmax", "axis-0", lambda z: F.softmax(z, axis=0) * np.arange(20.0).reshape(5, 4), [(5, 4)]),
    ("SoftmaxCrossEntropy", "sparse", lambda z: F.softmax_cross_entropy_with_logits(z, np.array([0, 3, 1, 3, 2])), [(5, 4)]),
    ("SoftmaxCrossEntropy", "soft-labels", lambda z: F.softmax_cross_entropy_with_logits(z, np.full((5, 4), 0.25)), [(5, 4)]),
    ("Convolution", "2d-valid", lambda x, k, b: F.conv(x, k, b), [(2, 5, 6, 3), (3, 2, 3, 4), (4,)]),
    ("Convolution", "2d-same-strided-relu", lambda x, k, b: F.conv(x, k, b, strides=2, padding="same", activation="relu"), [(2, 7, 6, 3), (3, 3, 3, 4), (4,)]),
    ("Convolution", "2d-dilated-tanh", lambda x, k: F.conv(x, k, dilation=(2, 1), padding="same", activation="tanh"), [(2, 7, 6, 2), (3, 2, 2, 3)]),
    ("Convolution", "2d-groups", lambda x, k, b: F.conv(x, k, b, groups=2, padding="same"), [(2, 5, 5, 4), (3, 3, 2, 6), (6,)]),
    ("Convolution", "depthwise-sigmoid", lambda x, k: F.conv(x, k, groups=3, activation="sigmoid"), [(2, 5, 5, 3), (2, 2, 1, 6)]),
    ("Convolution", "1d-causal", lambda x, k, b: F.conv(x, k, b, padding="causal", dilation=2), [(2, 9, 3), (3, 3, 4), (4,)]),
    ("ConvolutionTranspose", "strided", lambda x, k, b: F.conv_transpose(x, k, b, strides=2), [(2, 3, 4, 3), (3, 3, 2, 3), (2,)]),
    ("ConvolutionTranspose", "padded", lambda x, k: F.conv_transpose(x, k, strides=(2, 1), pads=((1, 0), (1, 1)), full_size=(8, 6)), [(2, 3, 4, 3), (3, 3, 2, 3)]),
    ("MaxPool", "2d", lambda x: F.max_pool(x, 2), [(2, 5, 6, 3)]),
    ("MaxPool", "2d-overlapping-same", lambda x: F.max_pool(x, 3, 2, padding="same"), [(2, 5, 6, 3)]),
    ("MaxPool", "1d", lambda x: F.max_pool(x, 3, 1), [(2, 7, 3)]),
    ("AveragePool", "2d", lambda x: F.average_pool(x, (2, 3)), [(2, 5, 6, 3)]),
    ("AveragePool", "2d-same", lambda x: F.average_pool(x, 3, 2, padding="same") * np.arange(27.0).reshape(1, 3, 3, 3), [(1, 5, 6, 3)]),
    ("AveragePool", "1d", lambda x: F.average_pool(x, 2), [(2, 7, 3)]),
    ("SimpleRNNSequence", "masked-backwards", lambda x, w, b, r, h: F.recurrent(
        "simple_rnn", x, w, r, b, None, [h], _MASK, go_backwards=True),
     [(3, 4, 3), (3, 2), (2,), (2, 2), (3, 2)]),
    ("LSTMSequence", "plain", lambda x, w, b, r: F.recurrent("lstm", x, w, r * 0.5, b),
     [(3, 4, 3), (3, 8), (8,), (2, 8)]),
    ("LSTMSequence", "linear", lambda x, w, r: F.recurrent("lstm", x, w, r * 0.5, activation="linear"),
     [(3, 4, 3), (3, 8), (2, 8)]),
    ("SimpleRNNSequence", "linear", lambda x, w, r: F.recurrent("simple_rnn", x, w, r * 0.5, activation="linear"),
     [(3, 4, 3), (3, 2), (2, 2)]),
    ("LSTMSequence", "state-mask-relu", lambda x, w, r, h, c: F.recurrent(
        "lstm", x, w, r * 0.5, None, None, [h, c], _MASK, activation="relu",
        recurrent_activation="tanh"), [("nonzero", (3, 4, 3)), (3, 8), (2, 8), (3, 2), (3, 2)]),
    ("LSTMSequence", "state-mask-relu-sigmoid", lambda x, w, b, r, h, c: F.recurrent(
        "lstm", x, w, r * 0.5, b, None, [h, c], _MASK, activation="relu", go_backwards=True),
     [(3, 4, 3), (3, 8), (8,), (2, 8), (3, 2), (3, 2)]),
    ("GRUSequence", "reset-after", lambda x, w, b, r, rb: F.recurrent("gru", x, w, r, b, rb, go_backwards=True),
     [(3, 4, 3), (3, 6), (6,), (2, 6), (6,)]),
    ("GRUSequence", "reset-after-masked-relu", lambda x, w, b, r, rb, h: F.recurrent(
        "gru", x, w, r, b, rb, [h], _MASK, activation="relu"),
     [(3, 4, 3), (3, 6), (6,), (2, 6), (6,), (3, 2)]),
    ("GRUSequence", "reset-before-masked", lambda x, w, r, h: F.recurrent(
        "gru", x, w, r, None, None, [h], _MASK, reset_after=False), [(3, 4, 3), (3, 6), (2, 6), (3, 2)]),
    ("Take", "repeated", lambda t: F.take(t, np.array([[0, 2, 0], [1, 1, 3]])), [(4, 3)]),
    ("NotEqual", "rows", lambda a: a * F.not_equal(a * 0 + np.array([0.0, 1.0]), 0.0, -1)
     .astype("float64")[:, None], [(3, 2)]),
]


def _make_inputs(specs, seed):
    arrays = []
    for k, spec in enumerate(specs):
        kind, shape = spec if isinstance(spec, tuple) and spec and isinstance(spec[0], str) else (None, spec)
        s = seed + k
        if kind == "pos":
            x = _array(shape, 0.5, 2.0, seed=s)
        elif kind == "zeros":  # every other entry exactly 0: the kinks of |x| and max(x, 0)
            x = _array(shape, seed=s)
            x.reshape(-1)[::2] = 0.0
        elif kind == "nonzero":
            x = _array(shape, away_from=0.0, seed=s)
        elif kind == "clip":
            x = _array(shape, seed=s)
            for edge in (-0.5, 0.7, 0.3):
                x[np.abs(x - edge) < 0.05] += 0.1
        elif kind == "grid":  # multiples of 0.2
            x = np.random.default_rng(s).integers(-10, 10, size=shape) * 0.2
        elif kind == "offgrid":  # multiples of 0.2 plus 0.1: never within 0.1 of a "grid" value
            x = np.random.default_rng(s).integers(-10, 10, size=shape) * 0.2 + 0.1
        else:
            x = _array(shape, seed=s)
        arrays.append(x)
    return [_t(a) for a in arrays]


@pytest.mark.parametrize(
    "name, fn, specs", [(c[0], c[2], c[3]) for c in CASES], ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_gradcheck(name, fn, specs):
    inputs = _make_inputs(specs, seed=len(name))
    out = fn(*inputs)
    assert out.requires_grad
    assert dg.gradcheck(fn, *inputs, atol=ATOL, rtol=RTOL)


# Primitives that never join the graph (tested where they are used).
GRAPHLESS = {"StopGradient"}  # Tensor.detach in recorded steps: tests/test_compile.py


def test_every_primitive_has_a_case():
    primitives = {n for n, cls in ops.REGISTRY.items() if cls.__module__.startswith("deepgrad.")} - GRAPHLESS
    covered = {c[0] for c in CASES}
    assert primitives - covered == set(), "primitives without a gradcheck case"
    assert covered - primitives == set(), "cases naming an unknown primitive"


def test_each_case_exercises_its_primitive():
    for name, case_id, fn, specs in CASES:
        out = fn(*_make_inputs(specs, seed=1))
        seen = set()
        stack = [out]
        while stack:
            t = stack.pop()
            if t._ctx is not None:
                seen.add(type(t._ctx).__name__)
                stack.extend(t._ctx.inputs)
        assert name in seen, f"case {name}-{case_id} never calls {name}"


class _WrongSquare(ops.Function):
    """x² with a deliberately wrong backward (3x instead of 2x): gradcheck must catch it."""

    __slots__ = ("a",)

    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, grad):
        return (grad * 3 * self.a,)


def test_negative_control_wrong_backward_is_caught():
    from deepgrad.autograd.tensor import _apply

    x = _t(_array((3, 4), away_from=0.0))
    with pytest.raises(GradcheckError, match=r"input 0 .* wrong at index"):
        dg.gradcheck(lambda t: _apply(_WrongSquare(), t), x, atol=ATOL, rtol=RTOL)


def test_broadcast_gradients_have_input_shapes():
    a = dg.Tensor(np.ones((3, 1)), requires_grad=True)
    b = dg.Tensor(np.ones((4,)), requires_grad=True)
    c = dg.Tensor(2.0, requires_grad=True)
    ((a + b) * c).sum().backward()
    assert a.grad.shape == (3, 1) and np.all(a.grad == 8.0)
    assert b.grad.shape == (4,) and np.all(b.grad == 6.0)
    assert c.grad.shape == () and c.grad == 24.0


def test_max_ties_share_the_gradient():
    x = dg.Tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])


def test_float32_gradients_stay_float32():
    x = dg.Tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    w = dg.Tensor(np.ones((4, 2), dtype=np.float32), requires_grad=True)
    y = dg.maximum((x @ w).sigmoid(), 0.3).max(axis=0) / 3.0
    (y**2).sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_sigmoid_never_overflows():
    x = dg.Tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True, dtype="float64")
    with np.errstate(all="raise"):
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_allclose(y.data, [0.0, 1.9287498479639178e-22, 0.5, 1.0, 1.0], rtol=1e-12, atol=1e-300)
    assert np.all(np.isfinite(x.grad))


# ---------------------------------------------------------------- fused primitives equal their composites


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh"])
def test_affine_equals_the_composite(activation):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((6, 5), (5, 3), (3,))]
    fused = [dg.Tensor(a, requires_grad=True) for a in arrays]
    plain = [dg.Tensor(a, requires_grad=True) for a in arrays]
    y_fused = F.affine(*fused, activation=activation)
    z = plain[0] @ plain[1] + plain[2]
    y_plain = {None: z, "relu": z.relu(), "sigmoid": z.sigmoid(), "tanh": z.tanh()}[activation]
    np.testing.assert_allclose(y_fused.data, y_plain.data, rtol=1e-12, atol=1e-15)
    weights = rng.standard_normal(y_plain.shape)
    (y_fused * weights).sum().backward()
    (y_plain * weights).sum().backward()
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_equals_the_composite(axis):
    x = np.random.default_rng(2).standard_normal((4, 3)) * 3
    fused, plain = dg.Tensor(x, requires_grad=True), dg.Tensor(x, requires_grad=True)
    e = (plain - x.max(axis=axis, keepdims=True)).exp()
    composite = e / e.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(F.softmax(fused, axis=axis).data, composite.data, rtol=1e-12)
    weights = np.arange(12.0).reshape(4, 3)
    (F.softmax(fused, axis=axis) * weights).sum().backward()
    (composite * weights).sum().backward()
    np.testing.assert_allclose(fused.grad, plain.grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("labels", [np.array([2, 0, 1, 2]), np.eye(3)[[2, 0, 1, 2]], np.full((4, 3), 1 / 3)])
def test_softmax_cross_entropy_equals_the_composite(labels):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 3)) * 3
    fused = dg.Tensor(logits, requires_grad=True)
    plain = dg.Tensor(logits, requires_grad=True)
    dense = labels if labels.ndim == 2 else np.eye(3)[labels]
    loss_fused = F.softmax_cross_entropy_with_logits(fused, labels)
    loss_plain = -(dg.Tensor(dense) * F.log_softmax(plain)).sum(axis=-1)
    np.testing.assert_allclose(loss_fused.data, loss_plain.data, rtol=1e-12)
    loss_fused.sum().backward()
    loss_plain.sum().backward()
    np.testing.assert_allclose(fused.grad, plain.grad, rtol=1e-10, atol=1e-15)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = dg.Tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], requires_grad=True, dtype="float32")
    with np.errstate(all="raise"):
        loss = F.softmax_cross_entropy_with_logits(logits, np.array([0, 2]))
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [0.0, 1e4 - 5.0], rtol=1e-6)
    assert np.all(np.isfinite(logits.grad))
    shifted = dg.Tensor(logits.data.astype(np.float64) + 1e8, dtype="float64")
    again = F.softmax_cross_entropy_with_logits(shifted, np.array([0, 2]))
    np.testing.assert_allclose(again.data, loss.data, rtol=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_equals_the_composite(training):
    rng = np.random.default_rng(4)
    x, gamma, beta = rng.standard_normal((6, 4)) * 3 + 1, rng.standard_normal(4), rng.standard_normal(4)
    moving = (np.full(4, 0.5), np.full(4, 2.0))
    fused = [dg.Tensor(a, requires_grad=True, dtype="float64") for a in (x, gamma, beta)]
    plain = [dg.Tensor(a, requires_grad=True, dtype="float64") for a in (x, gamma, beta)]
    y_fused = _apply(ops.BatchNorm(-1, 1e-3, 0.9, training), fused[0], dg.Tensor(moving[0].copy()),
                     dg.Tensor(moving[1].copy()), fused[1], fused[2])
    t = plain[0]
    if training:
        mean = t.mean(axis=0, keepdims=True)
        centered = t - mean
        variance = (centered * centered).mean(axis=0, keepdims=True)
    else:
        centered, variance = t - moving[0], dg.Tensor(moving[1])
    y_plain = centered / (variance + 1e-3).sqrt() * plain[1] + plain[2]
    assert y_fused.data.tobytes() == y_plain.data.tobytes()  # the same operations, in order
    weights = rng.standard_normal(x.shape)
    (y_fused * weights).sum().backward()
    (y_plain * weights).sum().backward()
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-10, atol=1e-12)


def test_batch_norm_equals_pytorchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, gamma, beta = rng.standard_normal((8, 5)), rng.standard_normal(5), rng.standard_normal(5)
    weights = rng.standard_normal(x.shape)
    ours = [dg.Tensor(a, requires_grad=True, dtype="float64") for a in (x, gamma, beta)]
    moving = [dg.Tensor(np.zeros(5)), dg.Tensor(np.ones(5))]
    y = _apply(ops.BatchNorm(-1, 1e-3, 0.99, True), ours[0], *moving, ours[1], ours[2])
    (y * weights).sum().backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    running = [torch.zeros(5, dtype=torch.float64), torch.ones(5, dtype=torch.float64)]
    yt = torch.nn.functional.batch_norm(theirs[0], *running, theirs[1], theirs[2], training=True,
                                        momentum=0.01, eps=1e-3)
    (yt * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(moving[0].data, running[0].numpy(), rtol=1e-12)
