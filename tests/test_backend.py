"""The array-backend seam: every primitive keeps a non-NumPy backend's arrays on that backend.

A stand-in "device" array type (an ndarray subclass registered as its own backend, computed with
NumPy underneath) runs through the forward and backward of every gradient-check case; any array
created with plain NumPy on the way would come back as a host array and fail the test.
"""

import types

import numpy as np
import pytest
from test_ops import CASES, _make_inputs

import deepgrad as dg
from deepgrad.native import backend


class DeviceArray(np.ndarray):
    """Stand-in for an accelerator's array type: like CuPy's arrays, NumPy functions called on
    it (through ``__array_function__``) return arrays of its own type."""

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(super().__array_function__(func, types, args, kwargs))


def _wrap(result):
    if isinstance(result, np.ndarray):
        return result.view(DeviceArray)
    if isinstance(result, (list, tuple)):
        return type(result)(_wrap(r) for r in result)
    return result


DeviceArray.__module__ = "fakedevice"


def _device_namespace():
    """NumPy, except that array-creating functions return DeviceArrays."""
    space = types.SimpleNamespace(**{name: getattr(np, name) for name in dir(np) if not name.startswith("__")})
    for name in ("zeros", "ones", "empty", "full", "arange", "asarray", "array"):
        original = getattr(np, name)
        setattr(space, name, lambda *a, _f=original, **k: np.asarray(_f(*a, **k)).view(DeviceArray))
    return space


@pytest.fixture(autouse=True)
def fake_device():
    backend.register("fakedevice", _device_namespace)
    yield


def _on_device(tensor):
    return dg.Tensor(tensor.data.view(DeviceArray), requires_grad=True, dtype="float64")


def test_numpy_arrays_use_numpy():
    assert backend.namespace(np.zeros(2)) is np
    assert backend.namespace(np.zeros(2), np.zeros(2).view(DeviceArray)).zeros is not np.zeros
    assert not backend.is_backend_array(np.zeros(2))
    assert backend.is_backend_array(np.zeros(2).view(DeviceArray))
    np.testing.assert_array_equal(backend.to_numpy(np.ones(2).view(DeviceArray)), [1.0, 1.0])


@pytest.mark.parametrize("name, fn, specs", [(c[0], c[2], c[3]) for c in CASES], ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_every_primitive_keeps_device_arrays_on_the_device(name, fn, specs):
    inputs = [_on_device(t) for t in _make_inputs(specs, seed=len(name))]
    out = fn(*inputs)
    assert isinstance(out.data, DeviceArray) or np.ndim(out.data) == 0, f"{name} forward left the device"
    out.backward(np.ones(out.shape).view(DeviceArray))
    for i, t in enumerate(inputs):
        assert t.grad is None or isinstance(t.grad, DeviceArray), f"{name}: gradient of input {i} left the device"


def test_keras_backend_functions():
    import deepgrad as keras  # as a Keras script imports it
    from deepgrad.layers import Dense

    assert keras.backend.backend() == "numpy" and keras.backend.floatx() == "float32"
    assert keras.backend.epsilon() == 1e-7 and keras.backend.image_data_format() == "channels_last"
    Dense(1), Dense(1)
    keras.backend.clear_session()
    assert Dense(1).name == "dense" and Dense(1).name == "dense_1"
