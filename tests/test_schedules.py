"""Learning-rate schedules: hand-computed values, Keras boundary conventions, config round-trips,
lookup, and use as an optimizer's learning rate."""

import json
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import schedules
from deepgrad import optimizers
from deepgrad.optimizers import SGD
from deepgrad.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
)


def test_exponential_decay_values():
    s = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    # 0.1·0.5^(step/100)
    assert s(0) == 0.1
    assert s(100) == pytest.approx(0.05, rel=1e-15)
    assert s(250) == pytest.approx(0.1 * 0.5**2.5, rel=1e-15)  # 0.0176776695...
    assert s(250) == pytest.approx(0.017677669529663688, rel=1e-15)
    stair = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5, staircase=True)
    assert [stair(k) for k in (0, 99, 100, 199, 200)] == [0.1, 0.1, 0.05, 0.05, 0.025]


def test_piecewise_constant_decay_uses_keras_boundary_convention():
    s = PiecewiseConstantDecay(boundaries=[10, 20], values=[1.0, 0.5, 0.1])
    # values[0] while step <= 10, values[1] while 10 < step <= 20, values[2] after 20
    assert [s(k) for k in (0, 10, 10.5, 11, 20, 21, 1000)] == [1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ValueError, match="one more value than boundaries"):
        PiecewiseConstantDecay([10, 20], [1.0, 0.5])
    with pytest.raises(ValueError, match="strictly increasing"):
        PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1])


def test_inverse_time_decay_values():
    s = InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5)
    # 0.1 / (1 + 0.5·step/10)
    assert s(0) == 0.1
    assert s(10) == pytest.approx(0.1 / 1.5, rel=1e-15)
    assert s(30) == pytest.approx(0.04, rel=1e-15)
    stair = InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert stair(19) == pytest.approx(0.1 / 1.5, rel=1e-15)
    assert stair(20) == pytest.approx(0.05, rel=1e-15)


def test_cosine_decay_values():
    s = CosineDecay(1.0, decay_steps=100, alpha=0.1)
    # 1.0·((1 − 0.1)·½(1 + cos(π·step/100)) + 0.1)
    assert s(0) == 1.0
    assert s(50) == pytest.approx(0.9 * 0.5 + 0.1, rel=1e-15)  # 0.55
    assert s(25) == pytest.approx(0.9 * 0.5 * (1 + math.sqrt(0.5)) + 0.1, rel=1e-15)
    assert s(100) == pytest.approx(0.1, rel=1e-15)
    assert s(1000) == pytest.approx(0.1, rel=1e-15)  # stays at alpha·initial


def test_cosine_decay_with_warmup():
    s = CosineDecay(0.0, decay_steps=100, warmup_target=1.0, warmup_steps=20)
    assert s(0) == 0.0
    assert s(5) == pytest.approx(0.25, rel=1e-15)  # linear warmup: 5/20
    assert s(20) == 1.0  # warmup reached: the decay starts from warmup_target
    assert s(70) == pytest.approx(0.5, rel=1e-15)  # half-way through the decay
    assert s(120) == pytest.approx(0.0, abs=1e-16)
    assert s(500) == pytest.approx(0.0, abs=1e-16)


@pytest.mark.parametrize(
    "schedule",
    [
        ExponentialDecay(0.1, 100, 0.96, staircase=True),
        PiecewiseConstantDecay([5, 10], [0.1, 0.05, 0.01]),
        InverseTimeDecay(0.1, 1.0, 0.5),
        CosineDecay(0.0, 1000, alpha=0.01, warmup_target=0.1, warmup_steps=100),
    ],
    ids=lambda s: type(s).__name__,
)
def test_config_round_trip_and_lookup(schedule):
    spec = schedules.serialize(schedule)
    assert json.loads(json.dumps(spec)) == spec
    clone = schedules.get(spec)
    assert type(clone) is type(schedule) and clone == schedule
    assert [clone(k) for k in range(0, 2000, 97)] == [schedule(k) for k in range(0, 2000, 97)]
    assert type(schedule).from_config(schedule.get_config()) == schedule
    assert schedules.get(schedule) is schedule


def test_lookup_errors_are_actionable():
    message = r"unknown learning-rate schedule 'step_decay'\. .*Valid names: cosine_decay"
    with pytest.raises(ValueError, match=message):
        schedules.get({"class_name": "step_decay", "config": {}})
    with pytest.raises(ValueError, match="ExponentialDecay needs arguments"):
        schedules.get("exponential_decay")
    with pytest.raises(TypeError):
        schedules.get(0.1)
    with pytest.raises(ValueError, match="decay_steps must be a finite number > 0"):
        ExponentialDecay(0.1, 0, 0.5)


# Every constructor argument, with its name, what was expected and what came.
ARGUMENTS = [
    (lambda: ExponentialDecay("0.1", 10, 0.5), TypeError, "initial_learning_rate must be a finite number; got str '0.1'"),
    (lambda: ExponentialDecay(0.1, 0, 0.5), ValueError, "decay_steps must be a finite number > 0; got 0.0"),
    (lambda: ExponentialDecay(0.1, None, 0.5), TypeError, "decay_steps must be a finite number > 0; got NoneType"),
    (lambda: ExponentialDecay(0.1, 10, math.nan), ValueError, "decay_rate must be a finite number; got nan"),
    (lambda: ExponentialDecay(0.1, 10, 0.5, staircase="yes"), TypeError, "staircase must be True or False; got str 'yes'"),
    (lambda: ExponentialDecay(0.1, 10, 0.5, name=3), TypeError, "name must be a non-empty string; got int 3"),
    (lambda: InverseTimeDecay(math.inf, 1, 0.5), ValueError, "initial_learning_rate must be a finite number; got inf"),
    (lambda: InverseTimeDecay(0.1, -1, 0.5), ValueError, "decay_steps must be a finite number > 0; got -1.0"),
    (lambda: InverseTimeDecay(0.1, 1, [0.5]), TypeError, "decay_rate must be a finite number; got list"),
    (lambda: InverseTimeDecay(0.1, 1, 0.5, staircase=1), TypeError, "staircase must be True or False; got int 1"),
    (lambda: InverseTimeDecay(0.1, 1, 0.5, name=""), ValueError, "name must be a non-empty string"),
    (lambda: PiecewiseConstantDecay(100, [0.1, 0.01]), TypeError, "boundaries must be a list of numbers; got int 100"),
    (lambda: PiecewiseConstantDecay([100], "0.1"), TypeError, "values must be a list of numbers; got str '0.1'"),
    (lambda: PiecewiseConstantDecay([100, "200"], [0.1, 0.01, 0.001]), TypeError,
     r"boundaries\[1\] must be a finite number; got str '200'"),
    (lambda: PiecewiseConstantDecay([100], [0.1, math.nan]), ValueError, r"values\[1\] must be a finite number; got nan"),
    (lambda: PiecewiseConstantDecay([10, 20], [1.0, 0.5]), ValueError, "one more value than boundaries"),
    (lambda: PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]), ValueError, "strictly increasing"),
    (lambda: PiecewiseConstantDecay([10], [1.0, 0.5], name=None), TypeError, "name must be a non-empty string"),
    (lambda: CosineDecay(None, 100), TypeError, "initial_learning_rate must be a finite number; got NoneType None"),
    (lambda: CosineDecay(0.1, 0), ValueError, "decay_steps must be a finite number > 0; got 0.0"),
    (lambda: CosineDecay(0.1, 100, alpha="0"), TypeError, "alpha must be a finite number; got str '0'"),
    (lambda: CosineDecay(0.1, 100, name=1.0), TypeError, "name must be a non-empty string; got float 1.0"),
    (lambda: CosineDecay(0.1, 100, warmup_target="0.2"), TypeError, "warmup_target must be a finite number"),
    (lambda: CosineDecay(0.1, 100, warmup_steps=-5), ValueError, "warmup_steps must be a finite number >= 0; got -5.0"),
    (lambda: CosineDecay(0.1, 100, warmup_steps=True), TypeError, "warmup_steps must be a finite number >= 0; got bool"),
    (lambda: schedules.get(0.1), TypeError,
     "a schedule identifier must be a config dict or a LearningRateSchedule; got float 0.1"),
]


@pytest.mark.parametrize("make, error, message", ARGUMENTS, ids=[str(i) for i in range(len(ARGUMENTS))])
def test_bad_schedule_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_boundaries_and_values_may_be_tuples_or_arrays():
    s = PiecewiseConstantDecay(np.array([10, 20]), (1.0, 0.5, 0.25))
    assert s.get_config()["boundaries"] == [10, 20] and s(15) == 0.5


def test_schedule_drives_every_optimizer_step():
    schedule = ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5)
    opt = SGD(learning_rate=schedule)
    w = dg.Parameter(np.zeros(1))
    for _ in range(4):
        w.grad = np.ones(1)
        opt.step([w])
    # steps 1..4 use the schedule at iterations 0..3: 0.5 + 0.25 + 0.125 + 0.0625
    np.testing.assert_allclose(w.data, [-0.9375], rtol=1e-15)
    assert opt.learning_rate == pytest.approx(0.5 * 0.5**4)
    config = opt.get_config()
    assert config["learning_rate"] == schedules.serialize(schedule)
    assert SGD.from_config(config).learning_rate == 0.5  # a fresh optimizer starts at step 0


@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY))
def test_schedule_matches_switching_a_constant_rate_by_hand(name):
    """In every optimizer, a piecewise schedule equals changing a constant rate at the boundary."""
    cls = optimizers.REGISTRY[name]
    scheduled = cls(learning_rate=PiecewiseConstantDecay([2], [0.1, 0.01]))
    manual = cls(learning_rate=0.1)
    a, b = dg.Parameter(np.ones(3)), dg.Parameter(np.ones(3))
    for t in range(6):
        if t == 3:  # iterations == 3 > boundary 2
            manual.learning_rate = 0.01
        for p in (a, b):
            p.grad = p.data * 2.0
        scheduled.step([a])
        manual.step([b])
    assert np.array_equal(a.data, b.data)
