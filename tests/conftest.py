"""Fixtures the test modules share."""

import pytest

from deepgrad.native import kernels


@pytest.fixture
def kernel_calls(monkeypatch):
    """The names of the compiled kernels called during the test, in the order of the calls
    (every compiled kernel wrapped to note its name)."""
    real, called = kernels._load(), []
    monkeypatch.setattr(kernels, "_functions", {
        k: (lambda f, k: lambda *a: called.append(k) or f(*a))(f, k) for k, f in real.items()})
    monkeypatch.setattr(kernels, "_active", None)
    return called
