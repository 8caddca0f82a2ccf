"""Training steps: a layer's forward and backward on plain arrays, for ``fit``'s training plan.

Inside ``fit``, the leading layers of a :class:`~deepgrad.Sequential` that offer a training
step (see :meth:`Layer.training_step <deepgrad.layers.Layer.training_step>`) train without
recording a graph (:mod:`deepgrad.training.plan`): each step keeps what its backward needs,
writes its outputs and gradients into arrays it reuses from batch to batch, and writes its
weights' gradients where the plan tells it (the optimizer's flat gradient buffer). Every step
does the operations its layer's graph does, on the same arrays, in the same order, so training
gives bitwise the weights the graph gives; the tests check this for every step.
"""

from __future__ import annotations

import numpy as np

from ..ops.fused import activation_backward, add_bias_and_activate, relu_backward

__all__ = ["DenseStep", "DropoutStep", "FlattenStep", "PassThrough", "TrainingStep"]


class TrainingStep:
    """One layer's part of a training step.

    ``params`` are the weights whose gradients the step computes; the plan sets ``grads`` to one
    array per weight (or None for a weight nobody trains) before the first batch.
    """

    def __init__(self, params: tuple = ()):
        self.params = tuple(params)
        self.grads: list = [None] * len(self.params)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer's output for a batch ``x``, keeping what :meth:`backward` needs."""
        raise NotImplementedError

    def backward(self, grad: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """Write the weights' gradients into ``grads``; return the input's gradient (or None
        when not needed). ``grad`` is the output's gradient for the last :meth:`forward`."""
        raise NotImplementedError


class PassThrough(TrainingStep):
    """A layer that leaves checked inputs unchanged (``Input``); the plan drops it."""

    def forward(self, x):
        return x

    def backward(self, grad, need_input_grad):
        return grad


class _Buffers:
    """Arrays of ``(rows, *shape)`` reused batch after batch, regrown for a larger batch."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.arrays: dict = {}

    def get(self, name: str, rows: int, shape: tuple) -> np.ndarray:
        array = self.arrays.get(name)
        if array is None or array.shape[0] < rows or array.shape[1:] != shape:
            array = self.arrays[name] = np.empty((rows,) + shape, self.dtype)
        return array[:rows]


class DenseStep(TrainingStep):
    """``activation(x @ kernel + bias)`` for 2-D ``x``: :class:`deepgrad.ops.Affine`'s forward
    and backward, with the product, the input gradient and the weight gradients written into
    reused arrays. ``activation`` is None, ``"relu"``, ``"sigmoid"`` or ``"tanh"``.

    Examples
    --------
    >>> import numpy as np
    >>> from deepgrad import Parameter
    >>> kernel, bias = Parameter([[1.0, -1.0]], dtype="float64"), Parameter([0.5, 0.5], dtype="float64")
    >>> step = DenseStep(kernel, bias, "relu")
    >>> step.grads = [np.zeros((1, 2)), np.zeros(2)]
    >>> step.forward(np.array([[2.0], [3.0]]))
    array([[2.5, 0. ],
           [3.5, 0. ]])
    >>> step.backward(np.ones((2, 2)), need_input_grad=True)  # only the live unit passes it back
    array([[1.],
           [1.]])
    >>> step.grads  # kernel: 2 + 3 from the live unit; bias: one per sample
    [array([[5., 0.]]), array([2., 0.])]
    """

    def __init__(self, kernel, bias, activation: str | None):
        super().__init__((kernel,) if bias is None else (kernel, bias))
        self.kernel, self.bias, self.activation = kernel, bias, activation
        self.buffers = _Buffers(kernel.data.dtype)
        self.x = self.out = None

    def forward(self, x):
        kernel = self.kernel.data
        out = np.matmul(x, kernel, out=self.buffers.get("out", len(x), kernel.shape[1:]))
        out = add_bias_and_activate(out, None if self.bias is None else self.bias.data, self.activation)
        self.x, self.out = x, out
        return out

    def backward(self, grad, need_input_grad):
        kernel_grad = self.grads[0]
        bias_grad = self.grads[1] if self.bias is not None else None
        x, out, self.x, self.out = self.x, self.out, None, None
        if grad.dtype != out.dtype:  # a loss of another dtype: the graph's arithmetic, unbuffered
            return self._backward_in(grad.dtype, grad, x, out, need_input_grad, kernel_grad, bias_grad)
        if self.activation == "relu":
            grad = relu_backward(grad, out, self.buffers.get("delta", len(out), out.shape[1:]), bias_grad)
            bias_grad = None  # summed with the mask
        else:
            grad = activation_backward(self.activation, grad, out)
        kernel = self.kernel.data
        input_grad = None
        if need_input_grad:
            input_grad = np.matmul(grad, kernel.T, out=self.buffers.get("input_grad", len(grad), kernel.shape[:1]))
        if kernel_grad is not None:
            np.matmul(x.T, grad, out=kernel_grad)
        if bias_grad is not None:
            np.sum(grad, axis=0, out=bias_grad)
        return input_grad

    def _backward_in(self, dtype, grad, x, out, need_input_grad, kernel_grad, bias_grad):
        """Backward for an upstream gradient of another ``dtype`` than the weights: every
        product and sum in that dtype, as the graph keeps it; only the weights' gradients are
        cast, as the optimizer casts them."""
        grad = activation_backward(self.activation, grad, out)
        if kernel_grad is not None:
            np.copyto(kernel_grad, x.T @ grad, casting="same_kind")
        if bias_grad is not None:
            np.copyto(bias_grad, grad.sum(axis=0), casting="same_kind")
        return grad @ self.kernel.data.T if need_input_grad else None


class DropoutStep(TrainingStep):
    """Inverted dropout with the layer's generator and its current rate: the same draws, in the
    same order, as :func:`deepgrad.functional.dropout` makes in the graph (none at rate 0)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        self.scale = None

    def forward(self, x):
        rate = self.layer.rate
        if rate == 0.0:
            self.scale = None
            return x
        keep = self.layer.generator().random(x.shape) >= rate
        self.scale = (keep / (1.0 - rate)).astype(x.dtype)
        return x * self.scale

    def backward(self, grad, need_input_grad):
        scale, self.scale = self.scale, None
        if not need_input_grad:
            return None
        return grad if scale is None else grad * scale


class FlattenStep(TrainingStep):
    """``(n, d1, d2, ...)`` to ``(n, d1·d2·...)`` and the gradient back."""

    def __init__(self):
        super().__init__()
        self.shape = None

    def forward(self, x):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad, need_input_grad):
        return grad.reshape(self.shape) if need_input_grad else None
