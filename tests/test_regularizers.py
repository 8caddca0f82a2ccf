"""Regularizers: hand-computed values, gradients, lookup, serialization, use in a layer."""

import json

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import regularizers
from deepgrad.layers import Dense

W = np.array([[1.0, -2.0], [3.0, -4.0]])


def tensor(values=W, dtype="float64", requires_grad=False):
    return dg.Tensor(values, dtype=dtype, requires_grad=requires_grad)


@pytest.mark.parametrize(
    "reg, expected",
    [
        (regularizers.L1(0.1), 0.1 * 10),  # Σ|w| = 10
        (regularizers.L2(0.01), 0.01 * 30),  # Σw² = 30, no factor ½ (Keras)
        (regularizers.L1L2(l1=0.1, l2=0.01), 1.0 + 0.3),
        (regularizers.L1(), 0.01 * 10),  # default l1 = 0.01
        (regularizers.L2(), 0.01 * 30),  # default l2 = 0.01
        (regularizers.L1L2(), 0.0),  # defaults 0, 0
    ],
)
def test_values_by_hand(reg, expected):
    penalty = reg(tensor())
    assert isinstance(penalty, dg.Tensor) and penalty.shape == ()
    assert penalty.item() == pytest.approx(expected, rel=1e-12)


def test_penalty_keeps_weight_dtype_and_accepts_arrays():
    assert regularizers.L2()(tensor(dtype="float32")).dtype == np.float32
    assert regularizers.L1L2(0.1, 0.1)(W).item() == pytest.approx(4.0)


@pytest.mark.parametrize(
    "reg", [regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.3, 0.2)]
)
def test_gradcheck(reg):
    w = tensor(requires_grad=True)  # no entry at 0, where |w| has a kink
    assert dg.gradcheck(reg, w, atol=1e-7, rtol=1e-5)


def test_gradients_by_hand():
    w = tensor(requires_grad=True)
    regularizers.L1L2(l1=0.5, l2=0.25)(w).backward()
    np.testing.assert_allclose(w.grad, 0.5 * np.sign(W) + 2 * 0.25 * W)


# --------------------------------------------------------------------------- lookup


def test_get_names_dicts_instances_none():
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get("l1"), regularizers.L1)
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert regularizers.get("L2").l2 == 0.01
    reg = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}})
    assert (reg.l1, reg.l2) == (0.1, 0.2)
    instance = regularizers.L2(0.5)
    assert regularizers.get(instance) is instance


def test_get_unknown_lists_valid_names():
    with pytest.raises(ValueError, match="Valid names: l1, l1_l2, l2"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="unknown regularizer 'L3'"):
        regularizers.get({"class_name": "L3", "config": {}})
    with pytest.raises(TypeError):
        regularizers.get(0.01)


@pytest.mark.parametrize(
    "reg", [regularizers.L1(0.2), regularizers.L2(0.3), regularizers.L1L2(0.1, 0.4)]
)
def test_config_round_trip(reg):
    spec = json.loads(json.dumps(regularizers.serialize(reg)))
    clone = regularizers.get(spec)
    assert type(clone) is type(reg) and clone.get_config() == reg.get_config()
    assert type(reg).from_config(reg.get_config()).get_config() == reg.get_config()
    assert clone(tensor()).item() == reg(tensor()).item()


def test_serialize_none_and_names():
    assert regularizers.serialize(None) is None
    assert regularizers.serialize("l2") == {"class_name": "L2", "config": {"l2": 0.01}}
    with pytest.raises(TypeError):
        regularizers.serialize(lambda w: w.sum())


# Every argument, with its name, what was expected and what came.
ARGUMENTS = [
    (lambda: regularizers.L1(-0.1), ValueError, "l1 must be a finite number >= 0; got -0.1"),
    (lambda: regularizers.L1(float("nan")), ValueError, "l1 must be a finite number >= 0; got nan"),
    (lambda: regularizers.L1("0.1"), TypeError, "l1 must be a finite number >= 0; got str '0.1'"),
    (lambda: regularizers.L2(float("inf")), ValueError, "l2 must be a finite number >= 0; got inf"),
    (lambda: regularizers.L2("0.1"), TypeError, "l2 must be a finite number >= 0; got str '0.1'"),
    (lambda: regularizers.L2(True), TypeError, "l2 must be a finite number >= 0; got bool True"),
    (lambda: regularizers.L1L2(l1=[0.1]), TypeError, "l1 must be a finite number >= 0; got list"),
    (lambda: regularizers.L1L2(l2=-1), ValueError, "l2 must be a finite number >= 0; got -1.0"),
    (lambda: regularizers.get(0.01), TypeError,
     "a regularizer must be None, a name, a config dict or a callable; got float 0.01"),
]


@pytest.mark.parametrize("call, error, message", ARGUMENTS, ids=[str(i) for i in range(len(ARGUMENTS))])
def test_bad_regularizer_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_none_means_the_default_factor_as_in_keras():
    assert regularizers.L1(None).l1 == regularizers.L2(None).l2 == 0.01
    assert regularizers.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


# --------------------------------------------------------------------------- in a layer


def test_dense_reports_kernel_and_bias_penalties():
    layer = Dense(3, kernel_regularizer=regularizers.L2(0.1), bias_regularizer="l1",
                  bias_initializer="ones", seed=0)
    layer(np.ones((2, 4)))
    losses = layer.regularization_losses()
    assert len(losses) == 2
    kernel = layer.kernel.numpy()
    assert losses[0].item() == pytest.approx(0.1 * np.sum(kernel**2), rel=1e-6)
    assert losses[1].item() == pytest.approx(0.01 * 3, rel=1e-6)
    # The penalty is differentiable with respect to the weights.
    losses[0].backward()
    np.testing.assert_allclose(layer.kernel.grad, 0.2 * kernel, rtol=1e-6)


def test_dense_without_regularizer_reports_nothing():
    layer = Dense(2)
    layer(np.ones((1, 3)))
    assert layer.regularization_losses() == []


def test_keras_lower_case_names_are_the_classes():
    assert dg.regularizers.l2 is dg.regularizers.L2 and dg.regularizers.l1_l2 is dg.regularizers.L1L2
    assert dg.regularizers.l1(0.5).l1 == 0.5
    assert dg.optimizers.schedules.ExponentialDecay is dg.schedules.ExponentialDecay
