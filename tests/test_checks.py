"""deepgrad.common.checks: one message shape for every argument check."""

import numpy as np
import pytest

from pathlib import Path

from deepgrad.common.checks import (
    check_bool,
    check_callable,
    check_choice,
    check_float_dtype,
    check_int,
    check_number,
    check_path,
    check_positive_int,
    check_seed,
    check_str,
    optional_positive,
)


@pytest.mark.parametrize("value, expected", [(3, 3), (np.int64(4), 4)])
def test_check_int_returns_a_plain_int(value, expected):
    got = check_int(value, "units", minimum=1)
    assert got == expected and type(got) is int


@pytest.mark.parametrize("value, error, message", [
    (0, ValueError, "units must be an int >= 1; got 0"),
    (2.5, TypeError, "units must be an int >= 1; got float 2.5"),
    (True, TypeError, "units must be an int >= 1; got bool True"),
    ("8", TypeError, "units must be an int >= 1; got str '8'"),
])
def test_check_positive_int_names_the_argument_the_range_and_what_came(value, error, message):
    with pytest.raises(error) as info:
        check_positive_int(value, "units")
    assert str(info.value) == message


@pytest.mark.parametrize("kwargs, value, message", [
    ({"low": 0}, -1, "rate must be a finite number >= 0; got -1.0"),
    ({"low": 0, "low_open": True}, 0, "rate must be a finite number > 0; got 0.0"),
    ({"low": 0, "high": 1, "high_open": True}, 1, "rate must be a finite number in [0, 1); got 1.0"),
    ({"high": 1}, 2.0, "rate must be a finite number <= 1; got 2.0"),
    ({}, float("inf"), "rate must be a finite number; got inf"),
    ({}, float("nan"), "rate must be a finite number; got nan"),
])
def test_check_number_ranges(kwargs, value, message):
    with pytest.raises(ValueError) as info:
        check_number(value, "rate", **kwargs)
    assert str(info.value) == message
    assert check_number(np.float32(0.5), "rate", low=0, high=1) == 0.5


def test_booleans_and_optional_settings():
    assert check_bool(np.bool_(True), "flag") is True
    with pytest.raises(TypeError, match="flag must be True or False; got int 1"):
        check_bool(1, "flag")
    assert optional_positive(None, "clipnorm") is None and optional_positive(2, "clipnorm") == 2.0
    with pytest.raises(TypeError, match="clipnorm must be a finite number > 0; got bool True"):
        optional_positive(True, "clipnorm")


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_str(3, "monitor"), TypeError, "monitor must be a non-empty string; got int 3"),
    (lambda: check_str("", "monitor"), ValueError, "monitor must be a non-empty string; got ''"),
    (lambda: check_choice("best", "mode", ("min", "max")), ValueError, "mode must be 'min' or 'max'; got 'best'"),
    (lambda: check_choice(None, "mode", ("auto", "min", "max")), TypeError,
     "mode must be 'auto', 'min' or 'max'; got NoneType None"),
    (lambda: check_callable("f", "schedule"), TypeError, r"schedule must be callable \(a function\); got str 'f'"),
    (lambda: check_path(b"log.csv", "filename"), TypeError, "filename must be a path .*; got bytes b'log.csv'"),
    (lambda: check_path("", "filename"), ValueError, "filename must be a non-empty path; got ''"),
    (lambda: check_seed(True, "seed"), TypeError, "seed must be None, an int >= 0 or a numpy.random.Generator; got bool True"),
    (lambda: check_seed(-2, "random_state"), ValueError, "random_state must be None, an int >= 0 .*; got -2"),
    (lambda: check_float_dtype("int8"), TypeError, "dtype must be a floating-point dtype such as 'float32'; got int8"),
    (lambda: check_float_dtype(None), TypeError, "dtype must be a floating-point dtype .*; got NoneType None"),
])
def test_the_other_checks_name_the_argument_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_other_checks_return_plain_values():
    assert check_path(Path("a") / "b.csv", "filename") == str(Path("a") / "b.csv")
    generator = np.random.default_rng(0)
    assert check_seed(generator, "seed") is generator and check_seed(np.int64(3), "seed") == 3
    assert check_float_dtype(np.dtype("float64")) == "float64" == check_float_dtype(np.float64)
    assert check_choice("min", "mode", ("min", "max")) == "min"
