import numpy as np
import pytest

import deepgrad as dg


def _t(value, name=None):
    return dg.Tensor(value, requires_grad=True, dtype="float64", name=name)


def test_passes_on_correct_gradients():
    x = _t(np.linspace(-1, 1, 6).reshape(2, 3))
    w = _t(np.linspace(0.5, 1.5, 3))
    assert dg.gradcheck(lambda a, b: (a * b).tanh().sum(axis=1), x, w)


def test_non_tensor_arguments_pass_through():
    x = _t([1.0, 2.0])
    assert dg.gradcheck(lambda t, k: (t**k).sum(), x, 3.0)


def test_error_names_the_input_and_the_worst_element():
    x = _t([1.0, 2.0, 3.0], name="weights")
    with pytest.raises(dg.GradcheckError, match=r"input 0 \('weights'\) is wrong at index \(2,\)"):
        # The detached factor hides part of the dependence on x from autograd.
        dg.gradcheck(lambda t: (t * t.detach() * np.array([1.0, 1.0, 5.0])).sum(), x)


def test_requires_float64_inputs():
    with pytest.raises(ValueError, match="float64"):
        dg.gradcheck(lambda t: t.sum(), dg.Tensor([1.0], requires_grad=True))


def test_requires_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        dg.gradcheck(lambda t: t.sum(), dg.Tensor([1.0], dtype="float64"))


def test_fn_must_return_a_tensor():
    with pytest.raises(TypeError, match="return a Tensor"):
        dg.gradcheck(lambda t: 1.0, _t([1.0]))


def test_numerical_grad_matches_a_known_derivative():
    x = _t([0.3, -0.7])
    (g,) = dg.numerical_grad(lambda t: (t.exp()).sum(), x)
    np.testing.assert_allclose(g, np.exp([0.3, -0.7]), rtol=1e-8)


def test_numerical_grad_works_on_non_contiguous_inputs():
    x = dg.Tensor(np.arange(6.0).reshape(2, 3).T, requires_grad=True)
    (g,) = dg.numerical_grad(lambda t: (t * t).sum(), x)
    np.testing.assert_allclose(g, 2 * x.data, rtol=1e-7)
    assert x.data.flags["C_CONTIGUOUS"] is False  # inputs are restored untouched


def test_gradcheck_leaves_grad_untouched():
    x = _t([1.0, 2.0])
    dg.gradcheck(lambda t: (t * t).sum(), x)
    assert x.grad is None
