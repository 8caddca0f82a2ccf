"""deepgrad.ops.stable: one definition of every exponential, the same value on every path, and
each stable form's own derivative at its kinks (against central differences and PyTorch)."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F
from deepgrad.layers import Dense
from deepgrad.ops import stable

DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_exp_floor_is_the_smallest_exponent_with_a_normal_result(dtype):
    floor = stable.exp_floor(dtype)
    tiny = np.finfo(dtype).tiny
    assert floor == {np.float32: -87.0, np.float64: -708.0}[dtype]
    with np.errstate(all="raise"):
        at = stable.floored_exp(np.array([floor], dtype))
    assert at[0] >= tiny and at[0] == np.exp(np.array([floor], dtype))[0]
    below = stable.floored_exp(np.array([floor - 0.5, -np.inf, np.nan, 0.0], dtype))
    assert below[0] == 0.0 and below[1] == 0.0 and np.isnan(below[2]) and below[3] == 1.0


def _sigmoids(x: np.ndarray) -> dict:
    """sigmoid(x) by every path deepgrad has."""
    dtype = x.dtype
    dense = Dense(1, "sigmoid", kernel_initializer="ones", dtype=dtype)
    dense_3d = Dense(1, "sigmoid", kernel_initializer="ones", dtype=dtype)
    column = x.reshape(-1, 1)
    return {
        "ops.stable.sigmoid": stable.sigmoid(x),
        "Tensor.sigmoid": dg.Tensor(x).sigmoid().data,
        "activations.sigmoid": dg.activations.sigmoid(dg.Tensor(x)).data,
        "Dense 2-D": dense(column).data.reshape(-1),
        "Dense 3-D": dense_3d(column.reshape(1, -1, 1)).data.reshape(-1),
        "exp(log_sigmoid)": np.exp(F.log_sigmoid(dg.Tensor(x)).data) if dtype == np.float64 else None,
        "predict": dg.Sequential([dg.layers.Input((1,), dtype=dtype), dense]).predict(column).reshape(-1),
    }


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_is_one_function_whatever_the_path(dtype):
    x = np.array([-1e4, -800.0, -90.0, -60.0, -20.0, -1.0, 0.0, 1.0, 20.0, 60.0, 1e4], dtype)
    values = {k: v for k, v in _sigmoids(x).items() if v is not None}
    reference = values.pop("ops.stable.sigmoid")
    for path, got in values.items():
        if path == "exp(log_sigmoid)":
            np.testing.assert_allclose(got, reference, rtol=1e-15, err_msg=path)
        else:
            assert got.tobytes() == reference.tobytes(), path
    if dtype == np.float32:  # exact where it is a normal number: e^-60 = 8.756510762696521e-27
        assert reference[3] == np.float32(8.756510762696521e-27)
    assert reference[0] == 0.0 and reference[-1] == 1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_one_function_whatever_the_path(dtype):
    x = np.array([[0.0, -30.0, -100.0, 5.0], [1e4, 0.0, -1e4, 3.0]], dtype)
    reference = stable.softmax(x)
    layer = dg.layers.Activation("softmax")
    assert dg.activations.softmax(dg.Tensor(x)).data.tobytes() == reference.tobytes()
    assert layer(dg.Tensor(x)).data.tobytes() == reference.tobytes()
    assert np.exp(stable.log_softmax(x))[0, 1] == pytest.approx(reference[0, 1], rel=1e-5)


def _derivative(fn, x):
    t = dg.Tensor(np.array([x]), requires_grad=True, dtype="float64")
    fn(t).sum().backward()
    return t.grad[0]


def test_the_derivatives_at_the_kinks_of_the_stable_forms():
    """softplus = max(x,0) + log(1+e^-|x|): both pieces have a kink at 0, the sum has none."""
    assert _derivative(F.softplus, 0.0) == 0.5
    assert _derivative(F.log_sigmoid, 0.0) == 0.5
    assert _derivative(lambda t: F.sigmoid_cross_entropy_with_logits(t, [1.0]), 0.0) == -0.5
    assert _derivative(lambda t: F.sigmoid_cross_entropy_with_logits(t, [0.0]), 0.0) == 0.5
    assert _derivative(lambda t: F.sigmoid_cross_entropy_with_logits(t, [0.25]), 0.0) == 0.25
    for fn in (F.softplus, F.log_sigmoid, lambda t: F.sigmoid_cross_entropy_with_logits(t, [0.3])):
        x = dg.Tensor([0.0, -3.0, 0.0, 2.5], requires_grad=True, dtype="float64")
        assert dg.gradcheck(fn, x, atol=1e-9, rtol=1e-7)


def test_binary_crossentropy_from_logits_at_zero_sends_sigmoid_minus_label():
    """The first step of a zero-initialised output layer: every logit is exactly 0."""
    logits = dg.Tensor(np.zeros((4, 1)), requires_grad=True, dtype="float64")
    labels = np.array([[1.0], [0.0], [1.0], [1.0]])
    dg.losses.BinaryCrossentropy(from_logits=True)(labels, logits).backward()
    np.testing.assert_array_equal(logits.grad, (0.5 - labels) / 4)


def test_logsumexp_gradient_is_the_softmax():
    x = np.array([[1.0, 2.0, -1e4], [0.0, 0.0, 0.0]])
    t = dg.Tensor(x, requires_grad=True, dtype="float64")
    F.logsumexp(t, axis=1).sum().backward()
    np.testing.assert_allclose(t.grad, stable.softmax(x, axis=1), rtol=1e-15)


def _torch():
    return pytest.importorskip("torch")


KINKS = np.array([-800.0, -90.0, -30.0, -1.0, 0.0, 0.0, 1.0, 30.0, 90.0, 800.0])


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "log_sigmoid", "bce_with_logits",
                                  "logsumexp", "softmax", "log_softmax"])
def test_values_and_gradients_equal_pytorchs(name):
    torch = _torch()
    labels = np.linspace(0.0, 1.0, KINKS.size)
    ours = {
        "sigmoid": lambda t: t.sigmoid(),
        "softplus": F.softplus,
        "log_sigmoid": F.log_sigmoid,
        "bce_with_logits": lambda t: F.sigmoid_cross_entropy_with_logits(t, labels),
        "logsumexp": lambda t: F.logsumexp(t.reshape(2, 5), axis=1),
        "softmax": lambda t: F.softmax(t.reshape(2, 5), axis=1),
        "log_softmax": lambda t: F.log_softmax(t.reshape(2, 5), axis=1),
    }[name]
    theirs = {
        "sigmoid": torch.sigmoid,
        "softplus": torch.nn.functional.softplus,
        "log_sigmoid": torch.nn.functional.logsigmoid,
        "bce_with_logits": lambda t: torch.nn.functional.binary_cross_entropy_with_logits(
            t, torch.tensor(labels), reduction="none"),
        "logsumexp": lambda t: torch.logsumexp(t.reshape(2, 5), dim=1),
        "softmax": lambda t: torch.softmax(t.reshape(2, 5), dim=1),
        "log_softmax": lambda t: torch.log_softmax(t.reshape(2, 5), dim=1),
    }[name]
    weights = np.random.default_rng(0).standard_normal(ours(dg.Tensor(KINKS)).shape)
    x = dg.Tensor(KINKS, requires_grad=True, dtype="float64")
    y = ours(x)
    (y * weights).sum().backward()
    xt = torch.tensor(KINKS, requires_grad=True)
    yt = theirs(xt)
    (yt * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-300)
