"""deepgrad.common.checks: one message shape for every argument check."""

import numpy as np
import pytest

from deepgrad.common.checks import check_bool, check_int, check_number, check_positive_int, optional_positive


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
