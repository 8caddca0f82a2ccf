"""Check analytical gradients against float64 central differences.

``gradcheck`` is public so that users can check their own operations and layers the same way the
test suite checks deepgrad's.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .engine import backpropagate
from .modes import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """An analytical gradient disagrees with the numerical one."""


def _checked_inputs(inputs) -> list[int]:
    positions = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not positions:
        raise ValueError("gradcheck needs at least one input Tensor with requires_grad=True")
    for i in positions:
        if inputs[i].dtype != np.float64:
            raise ValueError(
                f"gradcheck needs float64 inputs for accurate differences; input {i} is "
                f"{inputs[i].dtype}. Create it with dtype='float64'"
            )
    return positions


def _projection(out: Tensor, seed: int) -> np.ndarray:
    """Weights that turn a tensor output into a scalar: 1 for scalars, random otherwise."""
    if out.size == 1:
        return np.ones(out.shape, dtype=np.float64)
    return np.random.default_rng(seed).standard_normal(out.shape)


def _scalar(fn, inputs, weights) -> float:
    out = fn(*inputs)
    return float(np.sum(np.asarray(out.data, dtype=np.float64) * weights))


def numerical_grad(fn: Callable, *inputs, eps: float = 1e-6, seed: int = 0) -> list[np.ndarray]:
    """Central-difference gradients of ``fn`` with respect to each input that requires grad.

    A non-scalar output is first reduced to ``sum(output * w)`` with fixed random weights ``w``
    (drawn from ``seed``), so the result is the vector-Jacobian product for ``w``.

    >>> import deepgrad as dg
    >>> x = dg.Tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    >>> [g.round(6) for g in numerical_grad(lambda t: (t * t).sum(), x)]
    [array([2., 4.])]
    """
    positions = _checked_inputs(inputs)
    with no_grad():
        weights = _projection(fn(*inputs), seed)
        grads = []
        for i in positions:
            data = inputs[i].data
            grad = np.zeros(data.shape, dtype=np.float64)
            for index in np.ndindex(data.shape):
                original = data[index]
                data[index] = original + eps
                plus = _scalar(fn, inputs, weights)
                data[index] = original - eps
                minus = _scalar(fn, inputs, weights)
                data[index] = original
                grad[index] = (plus - minus) / (2 * eps)
            grads.append(grad)
    return grads


def gradcheck(
    fn: Callable,
    *inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Compare the analytical gradient of ``fn`` with central differences.

    Parameters
    ----------
    fn : callable
        Takes ``*inputs`` and returns a Tensor (any shape).
    *inputs
        Arguments to ``fn``. Every Tensor with ``requires_grad=True`` is checked and must be
        float64; other arguments are passed through unchanged.
    eps : float
        Step of the central difference.
    atol, rtol : float
        Each element must satisfy ``|analytical - numerical| <= atol + rtol * |numerical|``.
    seed : int
        Seed of the random weights that reduce a non-scalar output to a scalar.

    Returns
    -------
    True when every element agrees.

    Raises
    ------
    GradcheckError
        Naming the input, the worst element, both values and the tolerance.

    Examples
    --------
    >>> import deepgrad as dg
    >>> x = dg.Tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True, dtype="float64")
    >>> dg.gradcheck(lambda t: (t.tanh() * t).sum(axis=0), x)
    True
    """
    positions = _checked_inputs(inputs)
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor; got {type(out).__name__}")
    if not out.requires_grad:
        raise GradcheckError("gradcheck: the output does not depend on any input that requires grad")
    weights = _projection(out, seed)
    analytical = backpropagate(out, weights.astype(out.dtype))
    numerical = numerical_grad(fn, *inputs, eps=eps, seed=seed)
    for i, expected in zip(positions, numerical):
        tensor = inputs[i]
        got = analytical.get(tensor)
        got = np.zeros_like(expected) if got is None else np.asarray(got, dtype=np.float64)
        error = np.abs(got - expected)
        excess = error - (atol + rtol * np.abs(expected))
        worst = np.unravel_index(int(np.argmax(excess)), expected.shape) if expected.size else ()
        if expected.size and (excess[worst] > 0 or not np.isfinite(got[worst])):
            label = f"input {i}" + (f" ({tensor.name!r})" if tensor.name else "")
            raise GradcheckError(
                f"gradient of {label} is wrong at index {tuple(int(j) for j in worst)}: "
                f"analytical {got[worst]:.10g}, numerical {expected[worst]:.10g}, "
                f"error {error[worst]:.3g} > tolerance {atol + rtol * abs(expected[worst]):.3g}"
            )
    return True
