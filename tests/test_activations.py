"""Tests of deepgrad.activations: gradients, golden values, stability, dtypes and the lookup."""

import functools
import json
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import activations
from deepgrad.autograd import gradcheck
from deepgrad.activations import (
    ACTIVATIONS,
    ALIASES,
    elu,
    get,
    leaky_relu,
    linear,
    prelu,
    relu,
    selu,
    serialize,
    sigmoid,
    silu,
    softmax,
    step,
    swish,
    tanh,
)

LAMBDA, ALPHA = 1.0507009873554805, 1.6732632423543772

# Every activation of one tensor, with the settings worth covering.
UNARY = {
    "step": step,
    "linear": linear,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "leaky_relu_0.2": functools.partial(leaky_relu, negative_slope=0.2),
    "elu": elu,
    "elu_0.5": functools.partial(elu, alpha=0.5),
    "selu": selu,
    "softmax": softmax,
    "softmax_axis0": functools.partial(softmax, axis=0),
    "swish": swish,
    "silu": silu,
    "prelu": lambda x: prelu(x, dg.Tensor([0.1, 0.2, 0.3, 0.4], dtype=x.dtype)),
}


def away_from_zero(shape, seed, low=0.1, high=4.0):
    """float64 values with |x| in [low, high] and random signs: no point sits on a kink."""
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


# ---------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", sorted(UNARY))
def test_gradcheck_float64(name):
    seed = sorted(UNARY).index(name)
    x = dg.Tensor(away_from_zero((3, 4), seed=seed), requires_grad=True, dtype="float64")
    assert gradcheck(UNARY[name], x, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "selu", "softmax", "swish"])
def test_gradcheck_moderately_large_inputs(name):
    x = dg.Tensor([[-40.0, -12.0, -3.0, 8.0, 25.0]], requires_grad=True, dtype="float64")
    assert gradcheck(UNARY[name], x, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("alpha_shape", [(4,), (1, 4), (1,), ()])
def test_prelu_gradcheck_wrt_input_and_alpha(alpha_shape):
    x = dg.Tensor(away_from_zero((3, 4), seed=7), requires_grad=True, dtype="float64")
    alpha_values = np.random.default_rng(8).uniform(0.05, 0.5, alpha_shape)
    alpha = dg.Tensor(alpha_values, requires_grad=True, dtype="float64")
    assert gradcheck(prelu, x, alpha, atol=1e-7, rtol=1e-5)


def test_prelu_alpha_gradient_is_sum_of_negative_inputs():
    x = dg.Tensor([[-1.0, 2.0], [-3.0, -4.0]], dtype="float64")
    alpha = dg.Tensor([0.25, 0.5], requires_grad=True, dtype="float64")
    prelu(x, alpha).sum().backward()
    np.testing.assert_array_equal(alpha.grad, [-4.0, -4.0])


def test_step_gradient_is_exactly_zero():
    x = dg.Tensor([-3.0, -1e-8, 0.0, 1e-8, 2.5], requires_grad=True, dtype="float64")
    (step(x) * 3.0 + x * 0.0).sum().backward()
    assert x.grad is not None
    assert np.all(x.grad == 0.0)
    y = dg.Tensor([[-1.0, 4.0]], requires_grad=True)
    step(y).sum().backward()
    assert np.all(y.grad == 0.0)


def test_derivatives_at_kinks_and_maxima():
    """relu'(0)=0, leaky'(0)=slope, elu'(0)=alpha; sigmoid' ≤ 0.25 and tanh' ≤ 1, peaks at 0."""
    for fn, expected in [(relu, 0.0), (leaky_relu, 0.01), (functools.partial(elu, alpha=2.0), 2.0)]:
        x = dg.Tensor(0.0, requires_grad=True, dtype="float64")
        fn(x).backward()
        assert x.grad.item() == pytest.approx(expected)
    grid = dg.Tensor(np.linspace(-10, 10, 2001), requires_grad=True, dtype="float64")
    sigmoid(grid).sum().backward()
    assert grid.grad.max() == pytest.approx(0.25) and grid.grad.max() <= 0.25
    grid.grad = None
    tanh(grid).sum().backward()
    assert grid.grad.max() == pytest.approx(1.0) and grid.grad.max() <= 1.0


# ---------------------------------------------------------------------------- golden values


def value(fn, x, **kwargs):
    return fn(dg.Tensor(x, dtype="float64"), **kwargs).item()


def test_golden_values():
    assert value(sigmoid, 0.0) == 0.5
    assert value(sigmoid, 1.031) == pytest.approx(0.7371097207553646, rel=1e-12)
    assert value(tanh, 1.0) == pytest.approx(math.tanh(1.0), rel=1e-12)
    assert value(relu, -2.0) == 0.0 and value(relu, 3.5) == 3.5
    assert value(leaky_relu, -10.0) == pytest.approx(-0.1)
    assert value(leaky_relu, -10.0, negative_slope=0.2) == pytest.approx(-2.0)
    assert value(leaky_relu, 7.0) == 7.0
    assert value(elu, -1.0) == pytest.approx(math.exp(-1) - 1, rel=1e-12)
    assert value(elu, -1.0, alpha=2.0) == pytest.approx(2 * (math.exp(-1) - 1), rel=1e-12)
    assert value(elu, 3.0) == 3.0
    assert value(selu, 1.0) == pytest.approx(LAMBDA, rel=1e-15)
    assert value(selu, -1.0) == pytest.approx(LAMBDA * ALPHA * (math.exp(-1) - 1), rel=1e-12)
    assert value(swish, 1.0) == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-12)
    assert value(swish, -1.278464542761074) == pytest.approx(-0.278464542761074, rel=1e-9)
    assert value(linear, -4.25) == -4.25


def test_selu_constants_are_the_correct_ones_not_the_notes_swapped_ones():
    assert activations.SELU_SCALE == LAMBDA
    assert activations.SELU_ALPHA == ALPHA
    assert value(selu, -1e4) == pytest.approx(-LAMBDA * ALPHA, rel=1e-15)


def test_step_threshold_matches_the_notes_perceptron():
    out = step(dg.Tensor([-1.0, -1e-12, 0.0, 1e-12, 1.031, np.nan], dtype="float64")).numpy()
    np.testing.assert_array_equal(out, [0.0, 0.0, 1.0, 1.0, 1.0, np.nan])


def test_softmax_matches_the_notes_example_correctly_computed():
    p = softmax(dg.Tensor([-1.0, 0.0, 3.0, 5.0], dtype="float64")).numpy()
    exact = np.exp([-1.0, 0.0, 3.0, 5.0]) / np.exp([-1.0, 0.0, 3.0, 5.0]).sum()
    np.testing.assert_allclose(p, exact, rtol=1e-14)
    np.testing.assert_allclose(p, [0.0021657, 0.0058870, 0.1182430, 0.8737043], atol=5e-8)


@pytest.mark.parametrize("shape, axis", [((4, 5), -1), ((4, 5), 0), ((2, 3, 4), 1), ((6,), 0)])
def test_softmax_sums_to_one_along_axis(shape, axis):
    x = np.random.default_rng(3).normal(scale=5.0, size=shape)
    p = softmax(dg.Tensor(x, dtype="float64"), axis=axis).numpy()
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-12)
    assert np.all(p > 0)


# ---------------------------------------------------------------------------- stability

EXTREMES = [-1e4, -1e3, -600.0, -100.0, -51.0, -49.0, -1.0, 1.0, 49.0, 51.0, 100.0, 600.0, 1e4]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_no_floating_point_warnings_for_extreme_inputs(name, dtype):
    rng = np.random.default_rng(0)
    mixed = rng.permutation(np.resize(EXTREMES, 4 * len(EXTREMES))).reshape(-1, 4)
    x = dg.Tensor(mixed, requires_grad=True, dtype=dtype)
    weights = rng.standard_normal(x.shape).astype(dtype)
    with np.errstate(all="raise"):
        y = UNARY[name](x)
        (y * weights).sum().backward()
    assert np.all(np.isfinite(y.numpy()))
    assert np.all(np.isfinite(x.grad))
    x.grad = None
    with np.errstate(all="raise"):
        UNARY[name](x).sum().backward()
    assert np.all(np.isfinite(x.grad))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_extreme_values_are_the_limits(dtype):
    x = dg.Tensor([-1e4, 1e4], dtype=dtype)
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(sigmoid(x).numpy(), [0.0, 1.0])
        np.testing.assert_array_equal(tanh(x).numpy(), [-1.0, 1.0])
        np.testing.assert_array_equal(elu(x).numpy(), [-1.0, 1e4])
        np.testing.assert_allclose(selu(x).numpy(), [-LAMBDA * ALPHA, LAMBDA * 1e4], rtol=1e-6)
        np.testing.assert_array_equal(swish(x).numpy(), [0.0, 1e4])
        np.testing.assert_array_equal(softmax(x).numpy(), [0.0, 1.0])
        column = dg.Tensor([[1e4], [-1e4]], dtype=dtype)
        np.testing.assert_array_equal(softmax(column, axis=0).numpy(), [[1.0], [0.0]])


def test_softmax_gradient_far_from_the_maximum_is_finite_and_tiny():
    x = dg.Tensor([-1e4, 0.0, 1.0], requires_grad=True, dtype="float64")
    with np.errstate(all="raise"):
        (softmax(x) * dg.Tensor([1.0, 2.0, 3.0], dtype="float64")).sum().backward()
    assert x.grad[0] == 0.0
    assert gradcheck(softmax, dg.Tensor([-700.0, 0.0, 1.0], requires_grad=True, dtype="float64"))


# ---------------------------------------------------------------------------- dtypes and inputs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_dtype_is_kept_in_values_and_gradients(name, dtype):
    x = dg.Tensor(away_from_zero((2, 4), seed=1), requires_grad=True, dtype=dtype)
    y = UNARY[name](x)
    assert y.dtype == np.dtype(dtype)
    y.sum().backward()
    assert x.grad.dtype == np.dtype(dtype)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_accepts_array_likes(name):
    assert ACTIVATIONS[name]([[1, -2], [3, 4]]).dtype == np.float32
    assert ACTIVATIONS[name](np.array([1.0, -2.0])).dtype == np.float64


# Every argument of every function, checked before anything is computed, with its name, what was
# expected and what came.
ARGUMENTS = [
    (lambda: leaky_relu([1.0], negative_slope="0.2"), TypeError, "negative_slope must be a finite number; got str '0.2'"),
    (lambda: leaky_relu([1.0], negative_slope=float("inf")), ValueError, "negative_slope must be a finite number; got inf"),
    (lambda: elu([1.0], alpha=float("nan")), ValueError, "alpha must be a finite number; got nan"),
    (lambda: elu([1.0], alpha=None), TypeError, "alpha must be a finite number; got NoneType None"),
    (lambda: relu([1.0], negative_slope="x"), TypeError, "negative_slope must be a finite number; got str 'x'"),
    (lambda: relu([1.0], max_value=-1.0), ValueError, "max_value must be a finite number >= 0; got -1.0"),
    (lambda: relu([1.0], max_value="6"), TypeError, "max_value must be a finite number >= 0; got str '6'"),
    (lambda: relu([1.0], threshold=float("nan")), ValueError, "threshold must be a finite number; got nan"),
    (lambda: softmax([1.0], axis=0.0), TypeError, "axis must be an int; got float 0.0"),
    (lambda: softmax([[1.0, 2.0]], axis=2), ValueError, r"axis must be an int in \[-2, 1\]; got 2"),
    (lambda: softmax(3.0), ValueError, "softmax needs an input with at least one axis; got a scalar"),
    (lambda: sigmoid("x"), TypeError, "Tensor data must be numeric"),
    (lambda: prelu([1.0], alpha="0.1"), TypeError, "Tensor data must be numeric"),
    (lambda: get(3), TypeError, "an activation must be None, a name, a config dict or a callable; got int 3"),
]


@pytest.mark.parametrize("call, error, message", ARGUMENTS, ids=[str(i) for i in range(len(ARGUMENTS))])
def test_bad_activation_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# Keras 3.15 (JAX): keras.activations.relu(x, **settings) on X_RELU.
X_RELU = np.array([-3.0, -1.0, -0.2, 0.0, 0.2, 0.5, 1.0, 3.0, 7.0])


@pytest.mark.parametrize("settings, expected", [
    ({"negative_slope": 0.1}, [-0.3, -0.1, -0.02, 0.0, 0.2, 0.5, 1.0, 3.0, 7.0]),
    ({"max_value": 6.0}, [0.0, 0.0, 0.0, 0.0, 0.2, 0.5, 1.0, 3.0, 6.0]),
    ({"threshold": 0.5}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 3.0, 7.0]),
    ({"negative_slope": 0.1, "max_value": 2.0, "threshold": 0.2},
     [-0.32, -0.12, -0.04, -0.02, 0.0, 0.5, 1.0, 2.0, 2.0]),
    ({"negative_slope": 0.2, "threshold": -0.5}, [-0.5, -0.1, -0.2, 0.0, 0.2, 0.5, 1.0, 3.0, 7.0]),
    ({"max_value": 0.5, "threshold": 1.0}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5]),
])
def test_relu_settings_match_keras(settings, expected):
    np.testing.assert_allclose(relu(X_RELU, **settings).numpy(), expected, atol=1e-12)
    x = dg.Tensor([-2.3, -0.7, 0.35, 1.3, 2.6, 8.1], requires_grad=True, dtype="float64")  # no kinks
    assert gradcheck(lambda t: relu(t, **settings), x, atol=1e-7, rtol=1e-5)
    configured = get({"class_name": "relu", "config": settings})
    np.testing.assert_allclose(configured(X_RELU).numpy(), expected, atol=1e-12)
    assert get(serialize(configured))(X_RELU).numpy().tolist() == configured(X_RELU).numpy().tolist()


def test_every_public_function_has_an_example():
    for name in activations.__all__:
        obj = getattr(activations, name)
        if callable(obj):
            assert ">>>" in (obj.__doc__ or ""), name


# ---------------------------------------------------------------------------- get / serialize


def test_get_names_aliases_none_and_callables():
    for name, fn in ACTIVATIONS.items():
        assert get(name) is fn
    assert get("silu") is swish and get("heaviside") is step
    assert get("identity") is linear and get("logistic") is sigmoid
    for alias, target in ALIASES.items():
        assert alias not in ACTIVATIONS and target in ACTIVATIONS
    assert get(None) is linear
    custom = lambda x: x * 2  # noqa: E731
    assert get(custom) is custom
    assert "prelu" not in ACTIVATIONS


def test_get_config_dicts():
    leaky = get({"class_name": "leaky_relu", "config": {"negative_slope": 0.2}})
    assert leaky(dg.Tensor([-10.0], dtype="float64")).item() == pytest.approx(-2.0)
    by_name = get({"name": "elu", "config": {"alpha": 2.0}})
    expected = 2 * (math.exp(-1) - 1)
    assert by_name(dg.Tensor([-1.0], dtype="float64")).item() == pytest.approx(expected)
    assert get({"class_name": "relu"}) is relu
    assert get({"class_name": "silu", "config": {}}) is swish
    column = get({"class_name": "softmax", "config": {"axis": 0}})
    np.testing.assert_allclose(column(np.ones((2, 3))).numpy(), 0.5)


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as error:
        get("rellu")
    message = str(error.value)
    assert "'rellu'" in message and "Did you mean 'relu'" in message
    assert f"Valid names: {', '.join(sorted(ACTIVATIONS))} (aliases: " in message
    for alias, target in ALIASES.items():
        assert f"{alias} = {target}" in message


def test_get_never_parses_settings_out_of_strings():
    with pytest.raises(ValueError, match="unknown activation 'leaky_relu\\(0.2\\)'"):
        get("leaky_relu(0.2)")


@pytest.mark.parametrize(
    "identifier, error, match",
    [
        ({"class_name": "sigmoid", "config": {"alpha": 1.0}}, ValueError, "takes no settings"),
        ({"class_name": "relu", "config": {"alpha": 1.0}}, ValueError, "takes negative_slope, max_value, threshold"),
        ({"class_name": "elu", "config": {"slope": 1.0}}, ValueError, "takes alpha"),
        ({"class_name": "elu", "config": {"alpha": "big"}}, TypeError, "alpha' must be a finite number"),
        ({"class_name": "softmax", "config": {"axis": 1.5}}, ValueError, "axis"),
        ({"class_name": "elu", "config": [1.0]}, TypeError, "must be a dict"),
        ({"class_name": "elu", "name": "relu"}, ValueError, "exactly one"),
        ({"config": {}}, ValueError, "exactly one"),
        ({"class_name": "elu", "module": "os"}, ValueError, "exactly one"),
        ({"class_name": "nope"}, ValueError, "unknown activation"),
        (3, TypeError, "None, a name, a config dict or a callable"),
    ],
)
def test_get_rejects_bad_identifiers(identifier, error, match):
    with pytest.raises(error, match=match):
        get(identifier)


def test_serialize_round_trips_through_json():
    for identifier in [None, "relu", "silu", swish, "heaviside", "softmax"]:
        assert serialize(identifier) in ACTIVATIONS
    assert serialize("silu") == "swish" and serialize(None) == "linear"
    config = {"class_name": "leaky_relu", "config": {"negative_slope": np.float32(0.25)}}
    saved = json.loads(json.dumps(serialize(get(config))))
    assert saved == {"class_name": "leaky_relu", "config": {"negative_slope": 0.25}}
    x = dg.Tensor([-4.0, 1.0], dtype="float64")
    np.testing.assert_array_equal(get(saved)(x).numpy(), leaky_relu(x, negative_slope=0.25).numpy())
    column = functools.partial(softmax, axis=0)
    assert serialize(column) == {"class_name": "softmax", "config": {"axis": 0}}


def test_serialize_refuses_custom_callables():
    def double(x):
        return x * 2

    with pytest.raises(ValueError, match="custom activation 'double'"):
        serialize(double)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_nan_propagates_and_empty_inputs_work(name):
    out = ACTIVATIONS[name](dg.Tensor([[np.nan, 1.0]], dtype="float64")).numpy()
    assert np.isnan(out[0, 0])
    assert ACTIVATIONS[name](dg.Tensor(np.zeros((0, 3)))).shape == (0, 3)
