"""Flat storage: every parameter of one dtype lives in one contiguous buffer.

An optimizer step is then a handful of NumPy ufunc calls over a few long arrays instead of a
Python loop over parameters. :class:`FlatGroup` owns, for one dtype,

* ``flat`` — the parameter values end to end; each ``param.data`` is rebound to a view of it,
* ``grad`` — the gradients gathered end to end (one ``np.concatenate(..., out=grad)``),
* ``state[name]`` — one flat buffer per kind of optimizer state (momentum, Adam's m and v, ...),
* ``a``, ``b``, ``mask`` — scratch buffers, so that a step allocates nothing of parameter size.
"""

from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class FlatGroup:
    """Parameters of one floating dtype packed into flat buffers, with their optimizer state.

    Parameters
    ----------
    params : list of Parameter
        All of the same dtype. Their ``.data`` is copied into the buffer and rebound to views.
    slots : dict of str to float
        Name and initial value of each kind of optimizer state.
    """

    def __init__(self, params: list, slots: dict[str, float]):
        self.params = params
        self.dtype = params[0].data.dtype
        self.shapes = [p.data.shape for p in params]
        self.sizes = np.array([p.data.size for p in params], dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(self.sizes)[:-1])).astype(np.int64)
        n = int(self.sizes.sum())
        self.size = n
        self.flat = np.empty(n, self.dtype)
        self.grad = np.zeros(n, self.dtype)
        self.views = self._views(self.flat)
        self.grad_views = self._views(self.grad)
        for param, view in zip(params, self.views):
            np.copyto(view, param.data)
            param.data = view
        self.state = {name: np.full(n, init, self.dtype) for name, init in slots.items()}
        # per parameter: its flat segment of the weights and of each kind of state
        self.segments = [
            (self.flat[s : s + k], {name: buffer[s : s + k] for name, buffer in self.state.items()})
            for s, k in zip(self.starts.tolist(), self.sizes.tolist())
        ]
        self.a = np.empty(n, self.dtype)
        self.b = np.empty(n, self.dtype)
        self.mask = np.empty(n, np.bool_)
        self.indices: list[int] = []  # positions of these parameters in the optimizer's list
        self._squares = None  # float64 scratch for norms, allocated on first use

    def _views(self, buffer: np.ndarray) -> list[np.ndarray]:
        return [
            buffer[s : s + n].reshape(shape)
            for s, n, shape in zip(self.starts.tolist(), self.sizes.tolist(), self.shapes)
        ]

    def segment(self, j: int) -> slice:
        """The slice of the flat buffers that holds parameter ``j`` of this group."""
        start = int(self.starts[j])
        return slice(start, start + int(self.sizes[j]))

    def gather(self, grads: list) -> None:
        """Copy every gradient into ``self.grad`` (all present); skip it if they are views of it."""
        if all(g is v for g, v in zip(grads, self.grad_views)):
            return
        np.concatenate([np.ravel(g) for g in grads], out=self.grad)

    def squared_norms(self) -> np.ndarray:
        """Squared L2 norm of each parameter's gradient, accumulated in float64."""
        if self.dtype == np.float64:
            squares = self.a
        else:
            if self._squares is None:
                self._squares = np.empty(self.size, np.float64)
            squares = self._squares
        with np.errstate(over="ignore", invalid="ignore"):
            np.square(self.grad, out=squares, dtype=np.float64)
        sums = np.zeros(len(self.params), np.float64)
        nonempty = self.sizes > 0
        if nonempty.any():
            with np.errstate(over="ignore", invalid="ignore"):
                sums[nonempty] = np.add.reduceat(squares, self.starts[nonempty])
        return sums

    def flush_subnormals(self) -> None:
        """Set weights and state values smaller than ``1e8·tiny`` (about 1e-30 in float32) to
        zero, before they decay into the subnormal range where x86 arithmetic is 25-50 times
        slower."""
        threshold = 1e8 * float(np.finfo(self.dtype).tiny)
        for buffer in (self.flat, *self.state.values()):
            np.abs(buffer, out=self.a)
            np.less(self.a, threshold, out=self.mask)
            np.copyto(buffer, 0, where=self.mask)

    def runs(self, present: list[bool]) -> list[slice]:
        """Maximal runs of adjacent parameters that have a gradient, as slices of the buffers."""
        out: list[slice] = []
        for j, here in enumerate(present):
            if not here:
                continue
            seg = self.segment(j)
            if out and out[-1].stop == seg.start:
                out[-1] = slice(out[-1].start, seg.stop)
            else:
                out.append(seg)
        return out


def build_groups(params: list, slots: dict[str, float], old: list[FlatGroup]) -> list[FlatGroup]:
    """Pack ``params`` into one :class:`FlatGroup` per dtype, carrying state over from ``old``.

    A parameter keeps its optimizer state when it was in ``old`` with the same shape (its values
    are always taken from its current ``.data``, so a reassigned ``.data`` is respected).
    """
    previous: dict[int, tuple[FlatGroup, int]] = {}
    for group in old:
        for j, param in enumerate(group.params):
            previous[id(param)] = (group, j)
    by_dtype: dict[np.dtype, list] = {}
    for param in params:
        by_dtype.setdefault(param.data.dtype, []).append(param)
    groups = [FlatGroup(members, slots) for members in by_dtype.values()]
    for group in groups:
        for j, param in enumerate(group.params):
            found = previous.get(id(param))
            if found is None:
                continue
            source, k = found
            if source.shapes[k] != group.shapes[j]:
                continue
            for name, buffer in group.state.items():
                if name in source.state:
                    buffer[group.segment(j)] = source.state[name][source.segment(k)]
    return groups
