"""Operations on tensors beyond the Tensor methods: the stable numeric forms, the dense layer's
fused primitive, convolution and pooling, dropout, and joining and choosing.

The stable forms (``softmax``, ``log_softmax``, ``logsumexp``, ``softplus``, ``log_sigmoid``,
the cross-entropies from logits, ``floored_exp``) are primitives of :mod:`deepgrad.ops.stable`
with their own derivatives: they never overflow, give exact limits, and have the right gradient
at their kinks (``softplus'(0) = 0.5``, ``d/dx BCE(0, y) = 0.5 - y``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from . import ops
from .autograd.tensor import Tensor, _apply, _lift, _raw
from .common.rng import as_generator

__all__ = [
    "logsumexp",
    "softmax",
    "log_softmax",
    "softplus",
    "log_sigmoid",
    "sigmoid_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits",
    "dropout",
    "affine",
    "floored_exp",
    "sum_of_squares",
    "tensor",
    "concatenate",
    "stack",
    "maximum",
    "minimum",
    "where",
    "conv",
    "conv_transpose",
    "max_pool",
    "average_pool",
    "recurrent",
    "take",
    "not_equal",
]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def floored_exp(x) -> Tensor:
    """``e^x``, exactly 0 where ``x`` is below -87 (float32) or -708 (float64): never a
    subnormal number, never an overflow (see :mod:`deepgrad.ops.stable`)."""
    return _apply(ops.FlooredExp(), _tensor(x))


def logsumexp(x, axis: int = -1, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` along ``axis`` without overflow; its gradient is the softmax.

    >>> import deepgrad as dg
    >>> round(logsumexp(dg.Tensor([1000.0, 1000.0], dtype="float64")).item() - 1000.0, 10)
    0.6931471806
    """
    return _apply(ops.LogSumExp(axis, keepdims), _tensor(x))


def log_softmax(x, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``; exact for logits of any size."""
    return _apply(ops.LogSoftmax(axis), _tensor(x))


def softmax(x, axis: int = -1) -> Tensor:
    """``exp(x_i) / sum_j exp(x_j)`` along ``axis``, shifted by the maximum so it never overflows.

    One primitive (:class:`deepgrad.ops.Softmax`); entries more than 87 (float32) or 708
    (float64) below the maximum are exactly 0.

    The notes' example (seed 002): logits (-1, 0, 3, 5) give probabilities that sum to 1.

    >>> import deepgrad as dg
    >>> softmax(dg.Tensor([-1.0, 0.0, 3.0, 5.0], dtype="float64")).numpy().round(6)
    array([0.002166, 0.005887, 0.118243, 0.873704])
    """
    return _apply(ops.Softmax(axis), _tensor(x))


def softplus(x) -> Tensor:
    """``log(1 + e^x)``, as ``max(x, 0) + log(1 + e^{-|x|})``; its gradient is ``sigmoid(x)``.

    >>> import deepgrad as dg
    >>> x = dg.Tensor([0.0, 100.0], requires_grad=True, dtype="float64")
    >>> y = softplus(x); y.sum().backward()
    >>> y.numpy().round(6), x.grad
    (array([  0.693147, 100.      ]), array([0.5, 1. ]))
    """
    return _apply(ops.Softplus(), _tensor(x))


def log_sigmoid(x) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, finite for any ``x``."""
    return -softplus(-_tensor(x))


def sigmoid_cross_entropy_with_logits(logits, labels) -> Tensor:
    """Elementwise binary cross-entropy from logits: ``max(x,0) - x*z + log(1 + e^{-|x|})``,
    with gradient ``sigmoid(x) - z`` (one primitive, exact at ``x = 0`` too).

    >>> import deepgrad as dg
    >>> x = dg.Tensor([0.0], requires_grad=True, dtype="float64")
    >>> sigmoid_cross_entropy_with_logits(x, [1.0]).sum().backward(); x.grad
    array([-0.5])
    """
    logits = _tensor(logits)
    return _apply(ops.SigmoidCrossEntropy(), logits, _lift(labels, logits))


def softmax_cross_entropy_with_logits(logits, labels, axis: int = -1) -> Tensor:
    """Per-sample categorical cross-entropy from logits.

    ``labels`` are integer classes of shape (n,) or label distributions (one-hot or soft) shaped
    like ``logits``. For 2-D logits this is one fused primitive whose gradient is
    ``softmax(logits) - labels``; otherwise it is ``-(labels * log_softmax(logits)).sum(axis)``.

    >>> import deepgrad as dg
    >>> loss = softmax_cross_entropy_with_logits(dg.Tensor([[-1.0, 0.0, 3.0, 5.0]]), [3])
    >>> round(loss.item(), 4)
    0.135
    """
    logits = _tensor(logits)
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.ndim == 1 and logits.ndim == 2:
        if labels.dtype != np.int64:
            labels = labels.astype(np.int64)
        return _apply(ops.SoftmaxCrossEntropy(labels), logits)
    if logits.ndim == 2 and axis in (-1, 1) and labels.shape == logits.shape:
        return _apply(ops.SoftmaxCrossEntropy(labels.astype(logits.dtype, copy=False)), logits)
    labels = _lift(labels, logits)
    return -(labels * log_softmax(logits, axis=axis)).sum(axis=axis)


def affine(x, kernel, bias=None, activation: str | None = None) -> Tensor:
    """``activation(x @ kernel + bias)`` as one fused primitive for 2-D ``x``.

    ``activation`` is None, "relu", "sigmoid" or "tanh" (the keys of ``ops.affine.ACTIVATIONS``).

    >>> import deepgrad as dg
    >>> affine(dg.Tensor([[1.0, -2.0]]), dg.Tensor([[1.0], [1.0]]), dg.Tensor([0.5]), "relu")
    Tensor([[0.]])
    """
    x = _tensor(x)
    if x.ndim != 2 or kernel.ndim != 2 or x.shape[1] != kernel.shape[0]:
        raise ValueError(f"affine needs x of shape (n, k) and a kernel of shape (k, m); got "
                         f"{x.shape} and {kernel.shape}")
    return _apply(ops.Affine(activation), *((x, kernel) if bias is None else (x, kernel, bias)))


def sum_of_squares(x) -> Tensor:
    """``Σ x²`` over every element, as one primitive (an L2 penalty's core).

    >>> import deepgrad as dg
    >>> sum_of_squares(dg.Tensor([[1.0, 2.0], [3.0, 4.0]])).item()
    30.0
    """
    return _apply(ops.SumOfSquares(), _tensor(x))


def dropout(x, rate: float, *, training: bool = True, seed=None) -> Tensor:
    """Zero each element with probability ``rate`` and scale the rest by ``1 / (1 - rate)``.

    Inverted scaling keeps the expectation unchanged, so inference needs no rescaling; with
    ``training=False`` (or ``rate=0``) the input is returned unchanged. ``seed`` is an int or a
    ``numpy.random.Generator`` (see :class:`deepgrad.ops.Dropout`).
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1); got {rate}")
    x = _tensor(x)
    if not training or rate == 0.0:
        return x
    return _apply(ops.Dropout(float(rate), as_generator(seed)), x)


# ---------------------------------------------------------------------- joining and choosing


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Create a Tensor (same as the constructor)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _as_tensors(values: Iterable) -> tuple[Tensor, ...]:
    values = tuple(values)
    if not values:
        raise ValueError("expected at least one tensor; got an empty sequence")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    if first is None:
        return tuple(Tensor(v) for v in values)
    return tuple(_lift(v, first) for v in values)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (differentiable)."""
    return _apply(ops.Concatenate(axis), *_as_tensors(tensors))


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along a new axis (differentiable)."""
    return _apply(ops.Stack(axis), *_as_tensors(tensors))


def maximum(a, b) -> Tensor:
    """Elementwise maximum of two tensors (ties share the gradient)."""
    a, b = _as_tensors((a, b))
    return _apply(ops.Maximum(), a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum of two tensors (ties share the gradient)."""
    a, b = _as_tensors((a, b))
    return _apply(ops.Minimum(), a, b)


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; ``condition`` is a constant boolean array."""
    a, b = _as_tensors((a, b))
    return _apply(ops.Where(_raw(condition)), a, b)


# ---------------------------------------------------------------------- convolution and pooling


def _pair(value, name: str) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def conv(x, kernel, bias=None, *, strides=1, dilation=1, padding="valid", groups: int = 1,
         activation: str | None = None) -> Tensor:
    """A channels-last convolution (cross-correlation), as one primitive
    (:class:`deepgrad.ops.Convolution`).

    ``x`` is ``(batch, length, channels)`` with a kernel ``(k, channels/groups, filters)``, or
    ``(batch, height, width, channels)`` with a kernel ``(kh, kw, channels/groups, filters)``.
    ``padding`` is "valid", "same", "causal" (1-D) or explicit ``((top, bottom), (left,
    right))``; ``activation`` None, "relu", "sigmoid" or "tanh" is fused.

    >>> import deepgrad as dg, numpy as np
    >>> x = dg.Tensor(np.arange(5.0).reshape(1, 5, 1))
    >>> conv(x, dg.Tensor(np.ones((2, 1, 1))), padding="same").numpy().ravel()
    array([1., 3., 5., 7., 4.])
    """
    x, kernel = _tensor(x), _tensor(kernel)
    one_d = x.ndim == 3
    if x.ndim not in (3, 4) or kernel.ndim != x.ndim:
        raise ValueError(f"conv needs x of 3 or 4 dimensions and a kernel of as many; got "
                         f"{x.shape} and {kernel.shape}")
    if one_d:
        x = x.reshape(x.shape[0], 1, x.shape[1], x.shape[2])
        kernel = kernel.reshape((1,) + kernel.shape)
        strides, dilation = (1, _pair(strides, "strides")[0]), (1, _pair(dilation, "dilation")[0])
    else:
        strides, dilation = _pair(strides, "strides"), _pair(dilation, "dilation")
    if x.shape[3] != kernel.shape[2] * groups:
        raise ValueError(f"conv: {x.shape[3]} input channels do not match a kernel for "
                         f"{kernel.shape[2]} channels per group × {groups} groups")
    if isinstance(padding, str):
        pads = tuple(ops.padding_amounts(padding, length, k, s, d) for length, k, s, d in
                     zip(x.shape[1:3], kernel.shape[:2], strides, dilation))
    else:
        pads = tuple(tuple(p) for p in padding)
        if one_d and len(pads) == 1:
            pads = ((0, 0), pads[0])
    fn = ops.Convolution(strides, dilation, pads, groups, activation)
    out = _apply(fn, *((x, kernel) if bias is None else (x, kernel, bias)))
    return out.reshape(out.shape[0], out.shape[2], out.shape[3]) if one_d else out


def conv_transpose(x, kernel, bias=None, *, strides=1, dilation=1, pads=((0, 0), (0, 0)),
                   full_size=None) -> Tensor:
    """The transpose of :func:`conv` on 4-D inputs (the gradient of its input): ``kernel`` is
    ``(kh, kw, filters, channels)``; the result, of ``full_size`` (height, width) before
    ``pads`` are cut, is ``(batch, height, width, filters)``."""
    x, kernel = _tensor(x), _tensor(kernel)
    fn = ops.ConvolutionTranspose(_pair(strides, "strides"), _pair(dilation, "dilation"), pads,
                                  full_size)
    return _apply(fn, *((x, kernel) if bias is None else (x, kernel, bias)))


def _pool(op, x, pool_size, strides, padding) -> Tensor:
    x = _tensor(x)
    one_d = x.ndim == 3
    if one_d:
        x = x.reshape(x.shape[0], 1, x.shape[1], x.shape[2])
        pool_size = (1, _pair(pool_size, "pool_size")[0])
        strides = (1, _pair(strides, "strides")[0]) if strides is not None else pool_size
    else:
        pool_size = _pair(pool_size, "pool_size")
        strides = _pair(strides, "strides") if strides is not None else pool_size
    pads = tuple(ops.padding_amounts(padding, length, k, s, 1) for length, k, s in
                 zip(x.shape[1:3], pool_size, strides))
    out = _apply(op(pool_size, strides, pads), x)
    return out.reshape(out.shape[0], out.shape[2], out.shape[3]) if one_d else out


def max_pool(x, pool_size=2, strides=None, padding: str = "valid") -> Tensor:
    """The largest value of each window over a 1-D ``(batch, length, channels)`` or 2-D
    ``(batch, height, width, channels)`` input.

    >>> import deepgrad as dg, numpy as np
    >>> max_pool(dg.Tensor(np.array([[[1.0], [3.0], [2.0], [0.0]]]))).numpy().ravel()
    array([3., 2.])
    """
    return _pool(ops.MaxPool, x, pool_size, strides, padding)


def average_pool(x, pool_size=2, strides=None, padding: str = "valid") -> Tensor:
    """The mean of each window (padding not counted), 1-D or 2-D as :func:`max_pool`."""
    return _pool(ops.AveragePool, x, pool_size, strides, padding)


# ---------------------------------------------------------------------- sequences

_RECURRENT = {"simple_rnn": ops.SimpleRNNSequence, "lstm": ops.LSTMSequence, "gru": ops.GRUSequence}


def recurrent(cell: str, x, kernel, recurrent_kernel, bias=None, recurrent_bias=None,
              initial_state=None, mask=None, *, activation="tanh", recurrent_activation="sigmoid",
              go_backwards=False, reset_after=True, recurrent_dropout=0.0, seed=None) -> Tensor:
    """A recurrent layer's input projection ``x @ kernel + bias`` and whole time loop as one
    primitive (:mod:`deepgrad.ops.recurrent`).

    ``cell`` is "simple_rnn", "lstm" or "gru"; ``x`` the inputs ``(batch, steps, features)``,
    ``kernel`` ``(features, gates·units)``, ``recurrent_kernel`` ``(units, gates·units)``;
    ``initial_state`` a list of ``(batch, units)`` tensors (LSTM: ``[h, c]``); ``mask`` a
    ``(batch, steps)`` boolean tensor. Returns every step's state ``(batch, steps, units)``
    (LSTM: ``h`` and ``c`` side by side, ``2·units``).

    >>> import deepgrad as dg, numpy as np
    >>> out = recurrent("simple_rnn", dg.Tensor(np.ones((1, 3, 2))), dg.Tensor(np.eye(2)),
    ...                 dg.Tensor(np.eye(2)), activation="linear")
    >>> out.numpy()[0, :, 0]
    array([1., 2., 3.])
    """
    x, kernel, recurrent_kernel = _tensor(x), _tensor(kernel), _tensor(recurrent_kernel)
    if (x.ndim != 3 or kernel.ndim != 2 or recurrent_kernel.ndim != 2
            or x.shape[2] != kernel.shape[0] or kernel.shape[1] != recurrent_kernel.shape[1]):
        raise ValueError(f"recurrent needs x of shape (batch, steps, features), a kernel of shape "
                         f"(features, gates*units) and a recurrent kernel of shape (units, "
                         f"gates*units); got {x.shape}, {kernel.shape} and {recurrent_kernel.shape}")
    settings = dict(input_bias=bias is not None, go_backwards=go_backwards,
                    initial_state=initial_state is not None, masked=mask is not None,
                    recurrent_dropout=recurrent_dropout,
                    generator=as_generator(seed) if recurrent_dropout else None)
    if cell == "gru":
        settings["reset_after"] = reset_after
    fn = _RECURRENT[cell](activation, recurrent_activation, **settings)
    inputs = [x, kernel] + ([] if bias is None else [_tensor(bias)]) + [recurrent_kernel]
    if cell == "gru" and reset_after:
        inputs.append(_tensor(recurrent_bias))
    if initial_state is not None:
        inputs.extend(_lift(s, x) for s in initial_state)
    if mask is not None:
        inputs.append(mask if isinstance(mask, Tensor) else Tensor._result(np.asarray(mask, bool), None))
    return _apply(fn, *inputs)


def take(table, indices) -> Tensor:
    """Rows of ``table`` at ``indices`` (an embedding's lookup, :class:`deepgrad.ops.Take`):
    the result is ``indices.shape + (features,)``.

    >>> import deepgrad as dg, numpy as np
    >>> take(dg.Tensor(np.arange(6.0).reshape(3, 2)), dg.Tensor([[2.0, 0.0]])).numpy()
    array([[[4., 5.],
            [0., 1.]]])
    """
    table = _tensor(table)
    indices = indices if isinstance(indices, Tensor) else Tensor._result(np.asarray(indices), None)
    return _apply(ops.Take(), table, indices)


def not_equal(x, value=0.0, axis=None) -> Tensor:
    """``x != value`` as a boolean tensor (with ``axis``: whether any entry along it differs),
    computed by a primitive so that recorded steps recompute it for each batch."""
    return _apply(ops.NotEqual(value, axis), _tensor(x))
