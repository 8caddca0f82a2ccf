"""The :class:`Optimizer` base class.

A subclass declares its kinds of state (``_slots``), its per-step scalars (``_prepare``) and its
update (``_update``), written as in-place ufunc calls on flat arrays. The base class does the rest:
packing parameters into flat buffers (:mod:`._flat`), gathering gradients, clipping, decoupled
weight decay, learning-rate schedules, flushing subnormal state, config and state round-trips
(the latter in :mod:`._state`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import schedules
from ..autograd.tensor import Tensor
from ..native import kernels
from ..common.checks import check_int, check_number, check_str, optional_positive
from . import _state
from ._checks import check_gradients, check_keras_only, parameter_name, unknown_arguments_message
from ._clipping import NonFiniteGradientError, clip_gradients
from ._flat import FLOAT_DTYPES, FlatGroup, build_groups

__all__ = ["NonFiniteGradientError", "Optimizer"]


@functools.lru_cache(maxsize=64)
def _flush_period(decays: tuple) -> int:
    decays = [d for d in decays if 0.0 < d < 1.0]
    return min([64] + [max(1, int(math.log(1e-8) / math.log(d))) for d in decays])


class Optimizer:
    """Base class of deepgrad's optimizers (see the subclasses for the update rules).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule
        A schedule is evaluated at :attr:`iterations` (0 on the first step), as in Keras.
    weight_decay : float, optional
        Decoupled weight decay, applied before the update: ``w -= lr * weight_decay * w``.
    clipnorm : float, optional
        Rescale each parameter's gradient ``g`` to ``g * clipnorm / max(‖g‖, clipnorm)``.
    clipvalue : float, optional
        Clip every gradient element to ``[-clipvalue, clipvalue]``.
    global_clipnorm : float, optional
        Rescale all gradients by ``global_clipnorm / max(‖g‖, global_clipnorm)``, where ``‖g‖``
        is the norm of all gradients together. At most one of the three clipping options may be
        set. Norms are accumulated in float64; a non-finite norm raises
        :class:`NonFiniteGradientError` (a ``FloatingPointError`` and a ``ValueError``) and no
        weight or state is modified.
    name : str, optional
    use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps
        Keras 3's settings for features deepgrad does not have: accepted with their defaults
        (off), refused with what to do instead otherwise.

    Notes
    -----
    On the first step the parameters are packed, per dtype, into one contiguous buffer and each
    ``param.data`` becomes a view of it (values and dtype unchanged). Arrays obtained from
    ``param.data`` *before* the first step are therefore no longer updated; ``Parameter.assign``
    and reading ``param.data`` always work. Assigning a new array to ``param.data`` is detected
    at the next step, which re-packs and keeps the parameter's state if its shape is unchanged.

    State that decays geometrically (momentum, moving averages), and weights that a penalty
    drives towards zero, would otherwise fill with subnormal floats, on which x86 arithmetic is
    25-50 times slower (every product with such a weight). Every few steps (at most 64; a
    deterministic function of :attr:`iterations`, so runs are reproducible) state values and
    weights smaller than ``1e8 * finfo(dtype).tiny`` (about 1e-30 in float32) are set to zero.

    Examples
    --------
    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.optimizers import SGD
    >>> w = dg.Parameter(np.array([1.0, -2.0]))
    >>> opt = SGD(learning_rate=0.1)
    >>> for _ in range(3):
    ...     loss = (w * w).sum()
    ...     opt.zero_grad([w])
    ...     loss.backward()
    ...     opt.step([w])
    >>> w.data, opt.iterations
    (array([ 0.512, -1.024]), 3)
    """

    _default_name = "optimizer"

    def __init__(
        self,
        learning_rate=0.001,
        *,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        **unknown,
    ):
        if unknown:
            raise TypeError(unknown_arguments_message(type(self).__name__, unknown))
        check_keras_only(use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps)
        self.learning_rate = learning_rate
        self.weight_decay = None if weight_decay is None else check_number(
            weight_decay, "weight_decay", low=0.0
        )
        self.clipnorm = optional_positive(clipnorm, "clipnorm")
        self.clipvalue = optional_positive(clipvalue, "clipvalue")
        self.global_clipnorm = optional_positive(global_clipnorm, "global_clipnorm")
        chosen = [k for k in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(self, k)]
        if len(chosen) > 1:
            raise ValueError(
                f"at most one of clipnorm, clipvalue and global_clipnorm can be set; got {chosen}"
            )
        self.name = self._default_name if name is None else check_str(name, "name")
        self._iterations = 0
        self._params: list = []  # the packed parameters, in the order given to step()
        self._views: list = []  # their .data views, to detect reassignment
        self._where: list[tuple[FlatGroup, int]] = []  # param index -> (group, index in group)
        self._groups: list[FlatGroup] = []
        self._built_slots: dict | None = None
        self._pending: dict | None = None  # state loaded before the first step
        self._layout_version = 0

    # ------------------------------------------------------------------ to override
    def _slots(self) -> dict[str, float]:
        """Kinds of per-element state and their initial value."""
        return {}

    def _decays(self) -> list[float]:
        """Per-step factors by which state shrinks when the gradient is zero."""
        return []

    def _prepare(self, lr: float, t: int) -> tuple:
        """Scalars for step ``t`` (1-based), computed once per step."""
        return (lr,)

    def _update(self, w, g, s: dict, a, b, c: tuple) -> None:
        """Update weights ``w`` and state ``s`` in place from gradient ``g`` (flat arrays)."""
        raise NotImplementedError

    #: Name of the compiled kernel in :mod:`deepgrad.native.kernels` that does ``_update`` (and the
    #: decoupled decay) in one pass, if there is one.
    _kernel: str | None = None
    #: Whether ``_update`` squares the gradient: then gradient elements whose square would be a
    #: subnormal number (``|g| < √tiny``) count as 0, as the compiled kernels count them.
    _squares_gradients = False

    def _compiled_update(self, kernel, w, g, s: dict, c: tuple, decay) -> None:
        """Call ``kernel`` for what ``_update`` does, with the same results bitwise."""
        raise NotImplementedError

    def _extra_state(self) -> dict[str, float]:
        """Scalar state besides iterations (Nadam's momentum-cache product)."""
        return {}

    def _set_extra_state(self, values: dict[str, float]) -> None:
        pass

    # ------------------------------------------------------------------ learning rate
    @property
    def learning_rate(self) -> float:
        """The learning rate for the next step (a schedule is evaluated at :attr:`iterations`)."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return float(self._learning_rate(self._iterations))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, dict):
            value = schedules.deserialize(value)
        if isinstance(value, schedules.LearningRateSchedule):
            self._learning_rate = value
        else:
            self._learning_rate = check_number(value, "learning_rate", low=0.0)

    @property
    def iterations(self) -> int:
        """Number of steps taken (``t - 1`` during step ``t``)."""
        return self._iterations

    @iterations.setter
    def iterations(self, value) -> None:
        self._iterations = check_int(value, "iterations", minimum=0)

    # ------------------------------------------------------------------ stepping
    def step(self, params=None) -> None:
        """Update ``params`` from their ``.grad`` (parameters whose grad is None are skipped).

        ``params`` defaults to the parameters of the previous step.
        """
        if params is None:
            if not self._params:
                raise ValueError("step() needs the parameters on the first call: step(params)")
            params = self._params
        params = [p for p in params if getattr(p, "trainable", True)]
        self._apply(params, [p.grad for p in params])

    def apply_gradients(self, grads_and_vars) -> None:
        """Keras-style step: ``grads_and_vars`` is a list of ``(gradient, parameter)`` pairs."""
        pairs = [(g, v) for g, v in grads_and_vars if getattr(v, "trainable", True)]
        self._apply([v for _, v in pairs], [g.data if isinstance(g, Tensor) else g for g, _ in pairs])

    def zero_grad(self, params=None, set_to_none: bool = True) -> None:
        """Clear gradients: set them to None, or (``set_to_none=False``) to zeroed views of the
        optimizer's flat gradient buffer, which ``step`` then reads without copying."""
        params = self._params if params is None else list(params)
        if set_to_none or not self._layout_matches(params):
            for p in params:
                p.grad = None if set_to_none else np.zeros_like(p.data)
            return
        for group in self._groups:
            group.grad.fill(0)
        for p, (group, j) in zip(params, self._where):
            p.grad = group.grad_views[j]

    def _layout_matches(self, params: list) -> bool:
        return (
            len(params) == len(self._params)
            and self._built_slots == self._slots()
            and all(p is q and p.data is v for p, q, v in zip(params, self._params, self._views))
        )

    @property
    def layout_version(self) -> int:
        """A number that changes whenever the parameters are packed anew (see :meth:`build`):
        arrays from :meth:`gradient_buffers` stay the ones the step reads until it changes."""
        return self._layout_version

    def gradient_buffers(self, params) -> list:
        """Where to write each gradient of ``params`` (building the layout if needed): views of
        the flat buffer the step reads, None for a parameter that is not trainable.

        When every gradient a step gets is one of these arrays, it updates all parameters of a
        dtype in one pass and copies nothing. The arrays are reused: the next step's gradients
        overwrite them, and gradient clipping clips them in place.
        """
        params = list(params)
        trainable = [p for p in params if getattr(p, "trainable", True)]
        if not self._layout_matches(trainable):
            self.build(trainable)
        views = iter([group.grad_views[j] for group, j in self._where])
        return [next(views) if getattr(p, "trainable", True) else None for p in params]

    def flat_gradient_buffers(self, params) -> list:
        """The buffers behind :meth:`gradient_buffers`: one flat gradient array per dtype of
        ``params`` (building the layout if needed), each parameter's gradient a segment of its
        dtype's. Data-parallel training (:mod:`deepgrad.distributed`) sums each across the
        processes in one call."""
        self.gradient_buffers(params)
        return [group.grad for group in self._groups]

    def build(self, params) -> None:
        """Pack ``params`` into flat buffers and create their state (done by the first step;
        call it directly to load per-parameter state before stepping, as in Keras)."""
        params = [p for p in params if getattr(p, "trainable", True)]
        if not params:
            raise ValueError("the optimizer got no trainable parameters")
        seen = set()
        for i, p in enumerate(params):
            data = getattr(p, "data", None)
            if not isinstance(data, np.ndarray) or data.dtype not in FLOAT_DTYPES:
                raise TypeError(
                    f"parameter {i} must be a Tensor/Parameter with float32 or float64 data; "
                    f"got {type(p).__name__} with data of type {type(data).__name__}"
                    + (f" and dtype {data.dtype}" if isinstance(data, np.ndarray) else "")
                )
            if id(p) in seen:
                raise ValueError(f"parameter {i} ({parameter_name(p)}) appears twice in the list")
            seen.add(id(p))
        slots = self._slots()
        self._groups = build_groups(params, slots, self._groups)
        where = {id(p): (g, j) for g in self._groups for j, p in enumerate(g.params)}
        self._where = [where[id(p)] for p in params]
        for group in self._groups:
            group.indices = [i for i, (g, _) in enumerate(self._where) if g is group]
        self._params, self._views = list(params), [p.data for p in params]
        self._built_slots = slots
        self._layout_version += 1
        if self._pending is not None:
            pending, self._pending = self._pending, None
            _state.load_slots(self, pending)

    def _apply(self, params: list, grads: list) -> None:
        grads = check_gradients(params, grads)
        if not self._layout_matches(params):
            self.build(params)
        partial = any(g is None for g in grads)
        clipping = self.clipnorm or self.clipvalue or self.global_clipnorm
        kernel = kernels.compiled(self._kernel) if self._kernel else None
        # How each group's gradients reach its update: None when they already are its flat
        # buffer's views (gradient_buffers), "segments" when a compiled kernel reads each where
        # it is, else a list of the runs of present gradients copied into the buffer.
        reads = []
        for group in self._groups:
            members = [grads[i] for i in group.indices]
            if all(m is v for m, v in zip(members, group.grad_views)):
                reads.append(None)
            elif kernel is not None and not clipping:
                reads.append("segments")
            elif partial:
                for view, m in zip(group.grad_views, members):
                    np.copyto(view, 0 if m is None else m)
                reads.append(group.runs([m is not None for m in members]))
            else:
                group.gather(members)
                reads.append(None)
        clip_gradients(self._groups, self.clipnorm, self.clipvalue, self.global_clipnorm)
        lr = self.learning_rate
        t = self._iterations + 1
        coefficients = self._prepare(lr, t)
        decay = None if not self.weight_decay else lr * self.weight_decay
        for group, read in zip(self._groups, reads):
            if read is None:
                self._decay_and_update(group, None, coefficients, decay)
            elif read == "segments":
                for (w, s), i in zip(group.segments, group.indices):
                    if grads[i] is not None:  # as gather() would cast it:
                        g = np.ravel(grads[i]).astype(w.dtype, copy=False)
                        self._compiled_update(kernel, w, g, s, coefficients, decay)
            else:
                for run in read:
                    self._decay_and_update(group, run, coefficients, decay)
        self._iterations = t
        if t % self._flush_period() == 0:
            for group in self._groups:
                group.flush_subnormals()

    def _decay_and_update(self, group: FlatGroup, run, c: tuple, decay) -> None:
        if run is None:
            w, g, a, b, s = group.flat, group.grad, group.a, group.b, group.state
        else:
            w, g, a, b = group.flat[run], group.grad[run], group.a[run], group.b[run]
            s = {k: v[run] for k, v in group.state.items()}
        kernel = kernels.compiled(self._kernel) if self._kernel else None
        if kernel is not None:
            self._compiled_update(kernel, w, g, s, c, decay)
            return
        if decay is not None:
            np.multiply(w, decay, out=a)
            np.subtract(w, a, out=w)
        if self._squares_gradients:  # arithmetic on subnormal squares is 25-50 times slower
            mask = group.mask if run is None else group.mask[run]
            np.abs(g, out=a)
            np.less(a, np.sqrt(np.finfo(g.dtype).tiny), out=mask)
            np.copyto(g, 0, where=mask)
        self._update(w, g, s, a, b, c)

    # ------------------------------------------------------------------ subnormals
    def _flush_period(self) -> int:
        """Steps between flushes: at most 64, and short enough that a state value just above the
        threshold cannot decay to a subnormal before the next flush (1e-8 of headroom)."""
        return _flush_period(tuple(self._decays()))

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the optimizer state: ``iterations``, ``learning_rate`` (when a float),
        scalar state, and ``"<slot>/<i>"`` for slot kind ``slot`` of parameter ``i`` (in the
        order given to :meth:`step`), each with that parameter's shape."""
        return _state.state_arrays(self)

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict` output exactly. Before the first step the per-parameter
        state is kept and applied when the parameters are first seen."""
        _state.load_state_arrays(self, state)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """JSON-serialisable constructor arguments (Keras names)."""
        lr = self._learning_rate
        return {
            "name": self.name,
            "learning_rate": schedules.serialize(lr)
            if isinstance(lr, schedules.LearningRateSchedule)
            else lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        """Rebuild from :meth:`get_config` output (Keras 3 configs are accepted too)."""
        return cls(**config)

    def __repr__(self) -> str:
        config = self.get_config()
        config.pop("name")
        config["learning_rate"] = self._learning_rate  # a schedule shows as itself
        args = ", ".join(f"{k}={v!r}" for k, v in config.items() if v is not None)
        return f"{type(self).__name__}({args})"
