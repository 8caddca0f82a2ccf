"""The autograd Tensor.

A :class:`Tensor` wraps a NumPy array. When it is the result of a differentiable primitive (see
:mod:`deepgrad.ops`) on tensors that require gradients, it remembers that primitive in ``_ctx``;
``backward()`` walks those links in reverse order of execution — iteratively, so graphs of any
depth work — applying the chain rule and adding the contributions of every path into ``.grad``.

Inside :func:`~deepgrad.autograd.modes.recording`, every primitive applied is also listed, with
its inputs and result, whether or not it joins the graph: that list is what
:mod:`deepgrad.compile` replays.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..native.backend import FLOAT_DTYPES, as_float_array, check_float_dtype, namespace
from . import modes
from .engine import backpropagate

class Tensor:
    """An n-dimensional array that can record operations and differentiate through them.

    Parameters
    ----------
    data : array_like
        Numbers. float64 arrays stay float64; everything else becomes float32 unless ``dtype``
        says otherwise.
    requires_grad : bool, default False
        Track operations on this tensor so that ``backward()`` fills its ``.grad``.
    dtype : {"float32", "float64"}, optional
    name : str, optional
        A label shown by :mod:`deepgrad.explain`.

    Examples
    --------
    The notes' computational graph J = 3(a + bc):

    >>> import deepgrad as dg
    >>> a = dg.Tensor(5.0, requires_grad=True)
    >>> b = dg.Tensor(3.0, requires_grad=True)
    >>> c = dg.Tensor(2.0, requires_grad=True)
    >>> J = 3 * (a + b * c)
    >>> J.backward()
    >>> J.item(), a.grad.item(), b.grad.item(), c.grad.item()
    (33.0, 3.0, 6.0, 9.0)
    """

    __slots__ = ("data", "grad", "requires_grad", "name", "_ctx", "_retains_grad", "__weakref__")
    __array_ufunc__ = None  # make ``ndarray <op> Tensor`` defer to Tensor's reflected operators

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        self.data = as_float_array(data.data if isinstance(data, Tensor) else data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._ctx = None
        self._retains_grad = False

    @classmethod
    def _result(cls, data: np.ndarray, ctx: ops.Function | None) -> Tensor:
        """Wrap an op's output without validation (the hot path)."""
        out = object.__new__(Tensor)
        out.data, out.grad, out.name, out._retains_grad = data, None, None, False
        out.requires_grad = ctx is not None
        out._ctx = ctx
        return out

    # ------------------------------------------------------------------ array-like basics
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than by an operation."""
        return self._ctx is None

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __len__(self) -> int:
        return len(self.data)

    def __array__(self, dtype=None, copy=None):
        """The data for NumPy: shared unless ``copy`` (``np.array(t)``) or another ``dtype``
        asks for a copy, as NumPy 2's protocol says."""
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def tolist(self):
        """The values as nested Python lists (``numpy().tolist()``)."""
        return self.data.tolist()

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        extras = ""
        if self.data.dtype != np.float32:
            extras += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extras += f", grad_fn={type(self._ctx).__name__}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"{type(self).__name__}({body}{extras})"

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """A tensor sharing this data but cut off from the graph."""
        out = Tensor._result(self.data, None)
        if modes.records is not None:
            modes.records.append((ops.StopGradient(), (self,), out))
        return out

    def astype(self, dtype) -> Tensor:
        """A copy in another floating dtype (differentiable)."""
        dtype = check_float_dtype(dtype)
        return _apply(ops.Cast(dtype), self) if dtype != self.dtype else self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this intermediate tensor after ``backward()``."""
        self._retains_grad = True
        return self

    # ------------------------------------------------------------------ operators
    def __add__(self, other):
        return _apply(ops.Add(), self, _lift(other, self))

    def __radd__(self, other):
        return _apply(ops.Add(), _lift(other, self), self)

    def __sub__(self, other):
        return _apply(ops.Sub(), self, _lift(other, self))

    def __rsub__(self, other):
        return _apply(ops.Sub(), _lift(other, self), self)

    def __mul__(self, other):
        return _apply(ops.Mul(), self, _lift(other, self))

    def __rmul__(self, other):
        return _apply(ops.Mul(), _lift(other, self), self)

    def __truediv__(self, other):
        return _apply(ops.Div(), self, _lift(other, self))

    def __rtruediv__(self, other):
        return _apply(ops.Div(), _lift(other, self), self)

    def __pow__(self, other):
        return _apply(ops.Pow(), self, _lift(other, self))

    def __rpow__(self, other):
        return _apply(ops.Pow(), _lift(other, self), self)

    def __matmul__(self, other):
        return _apply(ops.MatMul(), self, _lift(other, self))

    def __rmatmul__(self, other):
        return _apply(ops.MatMul(), _lift(other, self), self)

    def __neg__(self):
        return _apply(ops.Neg(), self)

    def __abs__(self):
        return _apply(ops.Abs(), self)

    def __pos__(self):
        return self

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other):
        return self.data < _raw(other)

    def __le__(self, other):
        return self.data <= _raw(other)

    def __gt__(self, other):
        return self.data > _raw(other)

    def __ge__(self, other):
        return self.data >= _raw(other)

    def __eq__(self, other):
        return self.data == _raw(other)

    def __ne__(self, other):
        return self.data != _raw(other)

    __hash__ = object.__hash__

    def __getitem__(self, index):
        return _apply(ops.GetItem(_raw_index(index)), self)

    # ------------------------------------------------------------------ reductions and shape
    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        return _apply(ops.Sum(_axis(axis), keepdims), self)

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        return _apply(ops.Mean(_axis(axis), keepdims), self)

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        return _apply(ops.Max(_axis(axis), keepdims), self)

    def min(self, axis=None, keepdims: bool = False) -> Tensor:
        return _apply(ops.Min(_axis(axis), keepdims), self)

    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _apply(ops.Reshape(shape), self)

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def transpose(self, *axes) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _apply(ops.Transpose(axes or None), self)

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        return _apply(ops.Exp(), self)

    def log(self) -> Tensor:
        return _apply(ops.Log(), self)

    def sqrt(self) -> Tensor:
        return _apply(ops.Sqrt(), self)

    def abs(self) -> Tensor:
        return _apply(ops.Abs(), self)

    def clip(self, min=None, max=None) -> Tensor:  # noqa: A002 - NumPy's argument names
        if min is None and max is None:
            raise ValueError("clip needs at least one of min and max")
        return _apply(ops.Clip(min, max), self)

    def relu(self) -> Tensor:
        return _apply(ops.ReLU(), self)

    def sigmoid(self) -> Tensor:
        return _apply(ops.Sigmoid(), self)

    def tanh(self) -> Tensor:
        return _apply(ops.Tanh(), self)

    # ------------------------------------------------------------------ autograd
    def backward(self, grad=None) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        Parameters
        ----------
        grad : array_like, optional
            The gradient flowing into this tensor. May be omitted only for a one-element tensor
            (a loss), where it is 1.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require grad: none of the tensors it "
                "was computed from has requires_grad=True (or it was computed under no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a scalar (one-element) tensor; this one "
                    f"has shape {self.shape}. Reduce it first (e.g. .sum() or .mean()) or pass "
                    f"grad= with shape {self.shape}"
                )
            grad = np.ones_like(self.data)
        else:
            grad = namespace(self.data).asarray(_raw(grad), dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(grad=...) needs a gradient of shape {self.shape}; got {grad.shape}"
                )
        gradients = backpropagate(self, grad)
        for node, node_grad in gradients.items():
            if node.grad is None:
                node.grad = _owned(node_grad)
            else:
                node.grad = node.grad + node_grad


# ---------------------------------------------------------------------- engine


def _apply(fn: ops.Function, *inputs: Tensor) -> Tensor:
    """Run a primitive on tensors, adding it to the graph when any input needs a gradient."""
    out = fn.forward(*[t.data for t in inputs])
    result = None
    if modes.grad_enabled:
        needs = tuple(t.requires_grad for t in inputs)
        if True in needs:
            fn.inputs = inputs
            fn.needs_input_grad = needs
            fn.sequence = next(modes.sequence)
            result = Tensor._result(out, fn)
    if result is None:
        result = Tensor._result(out, None)
    records = modes.records
    if records is not None:
        records.append((fn, inputs, result))
    return result


def _lift(value, like: Tensor) -> Tensor:
    """Turn a number or array into a constant tensor; numbers take ``like``'s dtype."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray) and value.dtype in FLOAT_DTYPES:
        return Tensor._result(value, None)
    return Tensor._result(as_float_array(value, None if isinstance(value, np.ndarray) else like.dtype), None)


def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def _raw_index(index):
    if isinstance(index, tuple):
        return tuple(_raw(i) for i in index)
    return _raw(index)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _owned(array: np.ndarray) -> np.ndarray:
    """A writeable array that no other tensor holds (gradients may be views or shared)."""
    return array if array.base is None and array.flags.writeable else array.copy()
