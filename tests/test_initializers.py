"""Initializers: fan sizes, moments of 10^5 draws, seeding, dtypes, lookup and serialization."""

import json
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import initializers
from deepgrad.initializers import TRUNCATED_STD, compute_fans

SHAPE = (250, 400)  # 10^5 draws; fan_in = 250, fan_out = 400
FAN_IN, FAN_OUT = SHAPE


def draw(fn, shape=SHAPE, seed=0, dtype=np.float64):
    return fn(shape, np.random.default_rng(seed), dtype)


# --------------------------------------------------------------------------- fans


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((4, 3), (4, 3)),
        ((5, 8, 16), (40, 80)),  # 1-D convolution kernel: width 5
        ((3, 3, 16, 32), (144, 288)),  # 2-D convolution kernel: 3x3 receptive field
    ],
)
def test_compute_fans_follows_keras(shape, fans):
    assert compute_fans(shape) == fans


def test_conv_kernel_limit_uses_receptive_field():
    w = draw(initializers.he_uniform, shape=(3, 3, 8, 4))
    assert np.abs(w).max() <= math.sqrt(6 / (9 * 8))
    assert np.abs(w).max() > 0.95 * math.sqrt(6 / (9 * 8))


# --------------------------------------------------------------------------- moments

UNIFORM_LIMITS = {
    "glorot_uniform": math.sqrt(6 / (FAN_IN + FAN_OUT)),
    "he_uniform": math.sqrt(6 / FAN_IN),
    "lecun_uniform": math.sqrt(3 / FAN_IN),
    "random_uniform": 0.05,
}
NORMAL_STDS = {
    "glorot_normal": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "he_normal": math.sqrt(2 / FAN_IN),
    "lecun_normal": math.sqrt(1 / FAN_IN),
}


@pytest.mark.parametrize("name, limit", sorted(UNIFORM_LIMITS.items()))
def test_uniform_moments_and_limits(name, limit):
    w = draw(getattr(initializers, name))
    assert w.shape == SHAPE
    assert w.min() >= -limit and w.max() <= limit
    assert w.min() < -0.999 * limit and w.max() > 0.999 * limit  # fills the interval
    std = limit / math.sqrt(3)
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)
    assert w.std() == pytest.approx(std, rel=0.01)


@pytest.mark.parametrize("name, std", sorted(NORMAL_STDS.items()))
def test_truncated_normal_moments_and_cut(name, std):
    """Keras 3: truncated at 2 stddevs of a normal whose stddev is std / 0.8796..., so the draws
    have exactly the target std."""
    w = draw(getattr(initializers, name))
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)
    assert w.std() == pytest.approx(std, rel=0.01)
    cut = 2 * std / TRUNCATED_STD
    assert np.abs(w).max() <= cut
    assert np.abs(w).max() > 0.99 * cut
    # A plain normal with that std would put 4.55% beyond 2·std; the truncated one puts
    # P(1.759 < |Z| < 2) / P(|Z| < 2) = 3.47% there, and none beyond the cut.
    assert 0.031 < np.mean(np.abs(w) > 2 * std) < 0.038


def test_truncated_std_constant_is_std_of_truncated_unit_normal():
    z = np.random.default_rng(0).standard_normal(2_000_000)
    assert z[np.abs(z) <= 2].std() == pytest.approx(TRUNCATED_STD, rel=2e-3)


def test_random_normal_defaults():
    w = draw(initializers.random_normal)
    assert abs(w.mean()) < 5 * 0.05 / math.sqrt(w.size)
    assert w.std() == pytest.approx(0.05, rel=0.01)


def test_random_normal_class_settings():
    w = initializers.RandomNormal(mean=2.0, stddev=3.0, seed=1)(SHAPE, dtype="float64")
    assert w.mean() == pytest.approx(2.0, abs=5 * 3 / math.sqrt(w.size))
    assert w.std() == pytest.approx(3.0, rel=0.01)


def test_random_uniform_class_settings():
    w = initializers.RandomUniform(minval=1.0, maxval=3.0, seed=1)(SHAPE)
    assert w.min() >= 1.0 and w.max() < 3.0
    assert w.mean() == pytest.approx(2.0, abs=0.01)


def test_constant_zeros_ones():
    assert (initializers.zeros((2, 3)) == 0).all()
    assert (initializers.ones((2, 3)) == 1).all()
    assert (initializers.constant(0.5)((4,), None, np.float64) == 0.5).all()
    assert initializers.get("constant")((2,)).tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------- seeding, dtype


@pytest.mark.parametrize("name", sorted([*UNIFORM_LIMITS, *NORMAL_STDS, "random_normal"]))
def test_seeded_functions_are_reproducible(name):
    fn = getattr(initializers, name)
    np.testing.assert_array_equal(draw(fn, (5, 4), seed=7), draw(fn, (5, 4), seed=7))
    assert not np.array_equal(draw(fn, (5, 4), seed=7), draw(fn, (5, 4), seed=8))


@pytest.mark.parametrize(
    "cls",
    [initializers.GlorotNormal, initializers.GlorotUniform, initializers.HeNormal,
     initializers.HeUniform, initializers.LecunNormal, initializers.LecunUniform,
     initializers.RandomNormal, initializers.RandomUniform],
)
def test_seeded_classes_repeat_and_match_functions(cls):
    a, b = cls(seed=11), cls(seed=11)
    np.testing.assert_array_equal(a((6, 5)), b((6, 5)))
    np.testing.assert_array_equal(a((6, 5)), a((6, 5)))  # an int seed gives the same values
    assert not np.array_equal(cls(seed=11)((6, 5)), cls(seed=12)((6, 5)))
    # Without a seed the instance draws from the generator it is given.
    unseeded = cls()
    np.testing.assert_array_equal(
        unseeded((6, 5), np.random.default_rng(4)), cls(seed=4)((6, 5))
    )


def test_no_global_numpy_random_state_is_used():
    state = np.random.get_state()[1].copy()
    for name in [*UNIFORM_LIMITS, *NORMAL_STDS, "random_normal"]:
        getattr(initializers, name)((3, 3))
    initializers.GlorotUniform()((3, 3))
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_set_seed_makes_unseeded_draws_reproducible():
    import deepgrad as dg

    dg.set_seed(5)
    a = initializers.glorot_uniform((3, 3))
    dg.set_seed(5)
    b = initializers.glorot_uniform((3, 3))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype(dtype):
    for name in [*UNIFORM_LIMITS, *NORMAL_STDS, "random_normal", "zeros", "ones"]:
        assert getattr(initializers, name)((2, 2), np.random.default_rng(0), dtype).dtype == dtype


def test_default_dtype_is_float32():
    assert initializers.glorot_uniform((2, 2)).dtype == np.float32


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(
    "name, fn",
    [
        ("glorot_uniform", initializers.glorot_uniform),
        ("xavier_uniform", initializers.glorot_uniform),
        ("xavier_normal", initializers.glorot_normal),
        ("kaiming_normal", initializers.he_normal),
        ("kaiming_uniform", initializers.he_uniform),
        ("lecun_normal", initializers.lecun_normal),
        ("zeros", initializers.zeros),
        ("normal", initializers.random_normal),
    ],
)
def test_get_names_and_aliases(name, fn):
    assert initializers.get(name) is fn


def test_get_class_name_instance_and_callable():
    assert isinstance(initializers.get("HeNormal"), initializers.HeNormal)
    instance = initializers.Constant(2.0)
    assert initializers.get(instance) is instance

    def custom(shape, rng, dtype):
        return np.full(shape, 7.0, dtype)

    assert initializers.get(custom) is custom


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="glorot_uniform.*he_normal"):
        initializers.get("glorot_uniformm")
    with pytest.raises(ValueError, match="unknown initializer 'Nope'"):
        initializers.get({"class_name": "Nope", "config": {}})
    with pytest.raises(TypeError):
        initializers.get(3)


@pytest.mark.parametrize(
    "init",
    [initializers.Zeros(), initializers.Ones(), initializers.Constant(0.3),
     initializers.RandomNormal(1.0, 2.0, seed=3), initializers.RandomUniform(-1, 2, seed=3),
     initializers.GlorotNormal(seed=1), initializers.GlorotUniform(),
     initializers.HeNormal(seed=1), initializers.HeUniform(seed=1),
     initializers.LecunNormal(seed=1), initializers.LecunUniform(1)],
)
def test_serialize_round_trip(init):
    spec = json.loads(json.dumps(initializers.serialize(init)))
    clone = initializers.get(spec)
    assert type(clone) is type(init) and clone.get_config() == init.get_config()
    if init.get_config().get("seed", 0) is not None:
        np.testing.assert_array_equal(clone((3, 4)), init((3, 4)))


def test_serialize_functions_and_custom_callables():
    assert initializers.serialize(initializers.he_uniform) == "he_uniform"
    assert initializers.serialize("xavier_normal") == "glorot_normal"
    with pytest.raises(TypeError, match="cannot serialize"):
        initializers.serialize(lambda shape, rng, dtype: np.zeros(shape, dtype))


# --------------------------------------------------------------------------- argument checks
# Every constructor and function argument, checked before anything is drawn, with its name, what
# was expected and what came.

ARGUMENTS = [
    # the functions: shape, rng, dtype, and the settings of the random ones
    (lambda: initializers.zeros((-1, 2)), ValueError, r"shape\[0\] must be an int >= 0; got -1"),
    (lambda: initializers.ones("3"), TypeError, "shape must be a tuple of ints >= 0; got str '3'"),
    (lambda: initializers.glorot_uniform((2.5, 3)), TypeError, r"shape\[0\] must be an int >= 0; got float 2.5"),
    (lambda: initializers.he_normal(None), TypeError, "shape must be a tuple of ints >= 0; got NoneType None"),
    (lambda: compute_fans((3, True)), TypeError, r"shape\[1\] must be an int >= 0; got bool True"),
    (lambda: initializers.lecun_uniform((2, 2), rng="seed"), TypeError,
     "rng must be None, an int >= 0 or a numpy.random.Generator; got str 'seed'"),
    (lambda: initializers.random_normal((2,), rng=-1), ValueError, "rng must be None, an int >= 0 .*; got -1"),
    (lambda: initializers.zeros((2,), rng=1.5), TypeError, "rng must be None, an int >= 0"),
    (lambda: initializers.glorot_normal((2, 2), dtype="int32"), TypeError,
     "dtype must be a floating-point dtype such as 'float32'; got int32"),
    (lambda: initializers.lecun_normal((2, 2), dtype="floatish"), TypeError, "dtype must be a floating-point dtype"),
    (lambda: initializers.ones((2,), dtype="text"), TypeError, "dtype must be a numeric dtype such as 'float32'; got str 'text'"),
    (lambda: initializers.random_normal((2,), mean="0"), TypeError, "mean must be a finite number; got str '0'"),
    (lambda: initializers.random_normal((2,), stddev=-0.1), ValueError, "stddev must be a finite number >= 0; got -0.1"),
    (lambda: initializers.random_uniform((2,), minval=None), TypeError, "minval must be a finite number; got NoneType None"),
    (lambda: initializers.random_uniform((2,), maxval=float("inf")), ValueError, "maxval must be a finite number; got inf"),
    (lambda: initializers.random_uniform((2,), minval=1.0, maxval=-1.0), ValueError,
     "minval must not exceed maxval; got minval=1.0, maxval=-1.0"),
    # the classes
    (lambda: initializers.Constant("x"), TypeError, "value must be a finite number; got str 'x'"),
    (lambda: initializers.constant(float("nan")), ValueError, "value must be a finite number; got nan"),
    (lambda: initializers.RandomNormal(mean=[0.0]), TypeError, "mean must be a finite number; got list"),
    (lambda: initializers.RandomNormal(stddev=-1.0), ValueError, "stddev must be a finite number >= 0; got -1.0"),
    (lambda: initializers.RandomNormal(seed="0"), TypeError, "seed must be an int >= 0; got str '0'"),
    (lambda: initializers.RandomUniform("a"), TypeError, "minval must be a finite number; got str 'a'"),
    (lambda: initializers.RandomUniform(1.0, -1.0), ValueError, "minval must not exceed maxval"),
    (lambda: initializers.RandomUniform(maxval=None), TypeError, "maxval must be a finite number; got NoneType None"),
    (lambda: initializers.RandomUniform(seed=-1), ValueError, "seed must be an int >= 0; got -1"),
    (lambda: initializers.GlorotUniform(seed=1.5), TypeError, "seed must be an int >= 0; got float 1.5"),
    (lambda: initializers.GlorotNormal(seed=True), TypeError, "seed must be an int >= 0; got bool True"),
    (lambda: initializers.HeNormal(seed=[1]), TypeError, "seed must be an int >= 0"),
    (lambda: initializers.HeUniform(seed=-3), ValueError, "seed must be an int >= 0; got -3"),
    (lambda: initializers.LecunNormal(seed="x"), TypeError, "seed must be an int >= 0"),
    (lambda: initializers.LecunUniform(seed=2.0), TypeError, "seed must be an int >= 0"),
    (lambda: initializers.Zeros()((2, -2)), ValueError, r"shape\[1\] must be an int >= 0; got -2"),
    (lambda: initializers.Ones()((2,), dtype=3), TypeError, "dtype must be a numeric dtype"),
    (lambda: initializers.GlorotUniform(seed=0)((2, 2), dtype="int8"), TypeError, "dtype must be a floating-point dtype"),
    (lambda: initializers.get(3), TypeError, "an initializer must be a name, a config dict or a callable; got int 3"),
]


@pytest.mark.parametrize("call, error, message", ARGUMENTS, ids=[str(i) for i in range(len(ARGUMENTS))])
def test_bad_initializer_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_constant_fills_take_integer_dtypes_as_in_keras():
    assert initializers.zeros((2,), dtype="int32").dtype == np.int32
    assert initializers.Constant(3)((2,), dtype="int64").tolist() == [3, 3]
    assert initializers.ones(np.int64(2)).shape == (2,)


def test_constant_takes_an_array_that_broadcasts_to_the_weight():
    init = dg.initializers.Constant(np.log([0.25]))
    np.testing.assert_array_equal(init((3,), dtype="float32"), np.full(3, np.log(0.25), np.float32))
    assert dg.initializers.Constant.from_config(init.get_config())((1,), dtype="float64")[0] == np.log(0.25)
    with pytest.raises(ValueError, match=r"Constant of shape \(2,\) does not fit a weight of shape \(3,\)"):
        dg.initializers.Constant([1.0, 2.0])((3,))
    with pytest.raises(TypeError, match="finite numbers"):
        dg.initializers.Constant([1.0, np.nan])
