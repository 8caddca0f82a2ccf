"""Activation functions on tensors, and the one lookup that turns a name into one.

Which to use where (the full guide, with a table, is ``docs/activations.md``): ``relu`` in hidden
layers (``leaky_relu``, the ``PReLU`` layer or ``elu``/``selu`` if units die); ``sigmoid`` for a
binary output, ``softmax`` for a multiclass output, ``linear`` for regression. ``tanh`` is
zero-centred but saturates like ``sigmoid``; ``step`` is the perceptron's threshold.

Every function takes a Tensor (or anything ``Tensor()`` accepts), is built from deepgrad's
primitives and keeps the input's dtype. The exponentials are the stable forms of
:mod:`deepgrad.ops.stable`: nothing overflows, values are exact wherever they are normal
numbers, and below that (``sigmoid`` of inputs under -87 in float32, -708 in float64, ``softmax``
entries that far below the maximum) they are exactly 0 — ``elu`` exactly ``-alpha`` — with zero
gradient. ``sigmoid`` and ``softmax`` give the same values as the dense layer's fused activation
and the losses' stable forms, for inputs of any rank.

:func:`get` turns None, a name, a config dict or a callable into an activation;
:func:`serialize` is its JSON-able inverse, for layers' ``get_config``.
"""

from __future__ import annotations

import functools
import inspect
from numbers import Integral
from typing import Callable

from . import functional, ops
from .autograd.tensor import Tensor, _apply
from .common.checks import check_int, check_number, describe
from .common.registry import Registry

__all__ = [
    "ACTIVATIONS", "ALIASES", "elu", "get", "leaky_relu", "linear", "prelu", "relu", "selu",
    "serialize", "sigmoid", "silu", "softmax", "step", "swish", "tanh",
]

# Self-normalizing networks (Klambauer et al., 2017). The notes swap the two and write 1.0587.
SELU_SCALE = 1.0507009873554805  # λ
SELU_ALPHA = 1.6732632423543772  # α

def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def step(x) -> Tensor:
    """Heaviside step, the perceptron's threshold: 1 where ``x >= 0``, else 0.

    The value at 0 is 1, as in the notes' perceptron (``z >= 0`` → class 1). The gradient is
    exactly 0 everywhere (the jump at 0 has none that gradient descent could use); the result
    stays in the graph so that ``backward()`` still runs. NaN stays NaN.

    Examples
    --------
    >>> import deepgrad as dg
    >>> x = dg.Tensor([-2.0, 0.0, 1.031], requires_grad=True)
    >>> y = step(x)
    >>> y
    Tensor([0., 1., 1.], grad_fn=Step)
    >>> y.sum().backward(); x.grad
    array([0., 0., 0.], dtype=float32)
    """
    return _apply(ops.Step(), _as_tensor(x))


def linear(x) -> Tensor:
    """Identity, ``f(x) = x`` (gradient 1): the output activation for regression.

    >>> linear([-1.5, 2.0])
    Tensor([-1.5,  2. ])
    """
    return _as_tensor(x)


def sigmoid(x) -> Tensor:
    """Logistic sigmoid ``1 / (1 + e^-x)``, in (0, 1): the output for a binary class probability.

    Its derivative ``σ(x)(1 - σ(x))`` is at most 0.25 (at 0), so a stack of sigmoid layers
    multiplies gradients by ≤ 0.25 per layer: the vanishing-gradient problem. The output is not
    zero-centred. Never overflows: exactly 0 below -87 (float32) or -708 (float64), exactly 1
    far above.

    Examples
    --------
    The notes' perceptron neuron (seed 000): z = 1.031.

    >>> sigmoid([0.0, 1.031, -1e4, 1e4]).numpy().round(4)
    array([0.5   , 0.7371, 0.    , 1.    ], dtype=float32)
    """
    return _as_tensor(x).sigmoid()


def tanh(x) -> Tensor:
    """Hyperbolic tangent ``(e^x - e^-x) / (e^x + e^-x)``, in (-1, 1).

    Zero-centred (unlike sigmoid), with derivative ``1 - tanh²(x)`` at most 1, but it saturates
    for large ``|x|`` just as sigmoid does.

    >>> tanh([0.0, 1.0]).numpy().round(4)
    array([0.    , 0.7616], dtype=float32)
    """
    return _as_tensor(x).tanh()


def relu(x, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Tensor:
    """Rectified linear unit ``max(0, x)``: the default for hidden layers.

    Cheap, and its derivative is exactly 1 for ``x > 0``, so it does not saturate there. For
    ``x < 0`` the derivative is 0; a unit whose input is negative for every sample stops
    learning (dying ReLU). The gradient at 0 is taken as 0.

    Keras's settings work as in Keras: ``x`` where ``x > threshold`` (else 0), clipped to
    ``[0, max_value]`` when ``max_value`` is given, minus
    ``negative_slope · max(threshold - x, 0)``.

    Parameters
    ----------
    x : Tensor or array_like
    negative_slope : float, default 0.0
        Slope below ``threshold`` (a leaky ReLU).
    max_value : float >= 0, optional
        Upper bound of the output (``max_value=6`` is ReLU6).
    threshold : float, default 0.0
        Inputs at or below it give 0 (before the slope).

    Examples
    --------
    >>> relu([-2.0, 0.5, 3.0])
    Tensor([0. , 0.5, 3. ])
    >>> relu([-2.0, 0.5, 8.0], negative_slope=0.1, max_value=6.0)
    Tensor([-0.2,  0.5,  6. ])
    """
    if negative_slope == 0 and max_value is None and threshold == 0:  # the plain ReLU
        return _as_tensor(x).relu()
    negative_slope = check_number(negative_slope, "negative_slope")
    max_value = None if max_value is None else check_number(max_value, "max_value", low=0)
    threshold = check_number(threshold, "threshold")
    x = _as_tensor(x)
    out = x.relu() if threshold == 0 else x * (x.data > threshold).astype(x.dtype)
    if max_value is not None:
        out = out.clip(0.0, max_value)
    if negative_slope != 0:
        out = out - negative_slope * (threshold - x).relu()
    return out


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    """``x`` for ``x > 0``, ``negative_slope · x`` otherwise: ReLU that never dies.

    The default slope 0.01 is the notes' ``max(0.01x, x)`` (Keras uses 0.2). The gradient at 0 is
    ``negative_slope``.

    Examples
    --------
    >>> leaky_relu([-10.0, 3.0])
    Tensor([-0.1,  3. ])
    >>> leaky_relu([-10.0, 3.0], negative_slope=0.2)
    Tensor([-2.,  3.])
    """
    negative_slope = check_number(negative_slope, "negative_slope")
    x = _as_tensor(x)
    positive_part = x.relu()
    return positive_part + negative_slope * (x - positive_part)


def prelu(x, alpha) -> Tensor:
    """Parametric ReLU: ``x`` for ``x > 0``, ``alpha · x`` otherwise, with a trainable ``alpha``.

    This is the function behind the ``PReLU`` layer, which owns ``alpha`` as a Parameter; it is
    not in :data:`ACTIVATIONS` because it needs that weight.

    Parameters
    ----------
    x : Tensor or array_like
    alpha : Tensor or array_like
        Slopes for ``x <= 0``; broadcast against ``x``, e.g. shape ``(n_features,)`` for one
        slope per feature. Gradients flow to ``alpha`` when it requires grad.

    Examples
    --------
    >>> import deepgrad as dg
    >>> alpha = dg.Tensor([0.25, 0.5], requires_grad=True)
    >>> y = prelu([[-4.0, -4.0], [2.0, 2.0]], alpha)
    >>> y.numpy()
    array([[-1., -2.],
           [ 2.,  2.]], dtype=float32)
    >>> y.sum().backward(); alpha.grad
    array([-4., -4.], dtype=float32)
    """
    x = _as_tensor(x)
    if not isinstance(alpha, Tensor):
        alpha = Tensor(alpha, dtype=x.dtype)
    positive_part = x.relu()
    return positive_part + alpha * (x - positive_part)


def elu(x, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha · (e^x - 1)`` otherwise.

    Smooth, with negative outputs down to ``-alpha`` that push mean activations towards 0, and a
    non-zero gradient ``alpha · e^x`` for ``x < 0`` (no dying units). Never overflows: the
    exponential only ever sees ``min(x, 0)``.

    >>> elu([-1.0, 0.0, 2.0], alpha=1.0).numpy().round(6)
    array([-0.632121,  0.      ,  2.      ], dtype=float32)
    """
    alpha = check_number(alpha, "alpha")
    x = _as_tensor(x)
    exp_input = x.clip(max=0.0)  # 0 for x > 0; Clip passes its gradient at 0: elu'(0) = alpha
    return x.relu() + alpha * (functional.floored_exp(exp_input) - 1.0)


def selu(x) -> Tensor:
    """Scaled ELU: ``λ · elu(x, α)`` with λ = 1.0507009873554805 and α = 1.6732632423543772.

    The constants make activations self-normalizing (mean 0, variance 1 are preserved from layer
    to layer) when the weights are drawn with ``lecun_normal``. The notes swap them
    ("λ = 1.673, α = 1.0587"); these are the correct values (Klambauer et al., 2017).

    >>> selu([-1e4, 0.0, 1.0]).numpy().round(6)
    array([-1.758099,  0.      ,  1.050701], dtype=float32)
    """
    return SELU_SCALE * elu(x, SELU_ALPHA)


def softmax(x, axis: int = -1) -> Tensor:
    """``e^{x_i} / Σ_j e^{x_j}`` along ``axis``: class probabilities for a multiclass output.

    Computed by :func:`deepgrad.functional.softmax` (shifted by the maximum, so it never
    overflows); entries more than about 21.8 (float32) or 177 (float64) below the maximum get
    exactly 0, so nothing underflows.

    Examples
    --------
    The notes' example (seed 002), correctly computed:

    >>> softmax([-1.0, 0.0, 3.0, 5.0]).numpy().round(5)
    array([0.00217, 0.00589, 0.11824, 0.8737 ], dtype=float32)
    >>> softmax([[1.0, 2.0], [1.0, 4.0]], axis=0).numpy().round(4)
    array([[0.5   , 0.1192],
           [0.5   , 0.8808]], dtype=float32)
    """
    axis = check_int(axis, "axis")
    x = _as_tensor(x)
    if x.ndim == 0:
        raise ValueError("softmax needs an input with at least one axis; got a scalar")
    check_int(axis, "axis", minimum=-x.ndim, maximum=x.ndim - 1)
    return functional.softmax(x, axis=axis)


def swish(x) -> Tensor:
    """Swish (also called SiLU): ``x · sigmoid(x)``, a smooth ReLU-like unit with a small dip
    below 0 (minimum ≈ -0.2785 at x ≈ -1.2785).

    >>> swish([-2.0, 0.0, 1.0, 3.0]).numpy().round(4)
    array([-0.2384,  0.    ,  0.7311,  2.8577], dtype=float32)
    >>> silu is swish
    True
    """
    x = _as_tensor(x)
    return x * sigmoid(x)


silu = swish  # the same function; ``get("silu")`` gives it and ``serialize`` names it "swish"

# ---------------------------------------------------------------------------- lookup

#: Canonical snake_case name → activation function, looked up by any spelling (``"ReLU"``,
#: ``"LeakyReLU"``). ``prelu`` is absent: it needs a weight, so it is a layer (``PReLU``).
ACTIVATIONS = Registry("activation")
ACTIVATIONS.register("elu", elu)
ACTIVATIONS.register("leaky_relu", leaky_relu)
ACTIVATIONS.register("linear", linear, aliases=["identity"])
ACTIVATIONS.register("relu", relu)
ACTIVATIONS.register("selu", selu)
ACTIVATIONS.register("sigmoid", sigmoid, aliases=["logistic"])
ACTIVATIONS.register("softmax", softmax)
ACTIVATIONS.register("step", step, aliases=["heaviside"])
ACTIVATIONS.register("swish", swish, aliases=["silu"])
ACTIVATIONS.register("tanh", tanh)

#: Other accepted names → canonical name (a live read-only view of the registry's aliases).
ALIASES = ACTIVATIONS.aliases

_CONFIG_KEYS = {"class_name", "name", "config"}


def _settings(name: str, fn: Callable, config) -> dict:
    """Check a dict of settings against ``fn``'s keyword parameters."""
    parameters = dict(list(inspect.signature(fn).parameters.items())[1:])
    accepted = list(parameters)
    unknown = sorted(set(config) - set(accepted))
    if unknown:
        takes = f"takes {', '.join(accepted)}" if accepted else "takes no settings"
        raise ValueError(f"activation {name!r} {takes}; got unknown setting(s) {unknown}")
    for key, value in config.items():
        if value is None and parameters[key].default is None:
            continue
        if key == "axis":
            if isinstance(value, bool) or not isinstance(value, Integral):
                raise ValueError(f"{name} setting 'axis' must be an int; got {value!r}")
        else:
            check_number(value, f"{name} setting {key!r}")
    return config


def get(identifier) -> Callable[..., Tensor]:
    """Turn an activation identifier into a function of one Tensor.

    Parameters
    ----------
    identifier : None, str, dict or callable
        None gives :func:`linear`. A str is a name from :data:`ACTIVATIONS` or :data:`ALIASES`,
        in any case and with or without underscores (``"LeakyReLU"`` is ``leaky_relu``).
        A dict ``{"class_name": name, "config": {setting: value}}`` (``"name"`` may replace
        ``"class_name"``; ``"config"`` may be omitted) binds settings such as
        ``negative_slope``. A callable is returned unchanged.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or an unknown or invalid setting.
    TypeError
        For anything else.

    Examples
    --------
    >>> get("relu") is relu, get("silu") is swish, get(None) is linear
    (True, True, True)
    >>> leaky = get({"class_name": "leaky_relu", "config": {"negative_slope": 0.2}})
    >>> leaky([-10.0, 1.0])
    Tensor([-2.,  1.])
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return ACTIVATIONS.lookup(identifier)
    if isinstance(identifier, dict):
        extra = sorted(set(identifier) - _CONFIG_KEYS)
        names = [identifier[k] for k in ("class_name", "name") if k in identifier]
        if extra or len(names) != 1 or not isinstance(names[0], str):
            raise ValueError(
                "an activation config dict needs exactly one of 'class_name' or 'name' (a str) "
                f"and optionally 'config' (a dict); got keys {sorted(identifier)}"
            )
        config = identifier.get("config")
        if config is not None and not isinstance(config, dict):
            raise TypeError(
                f"activation config for {names[0]!r} must be a dict; got {type(config).__name__}"
            )
        fn, settings = ACTIVATIONS.from_config({"class_name": names[0], "config": config})
        settings = _settings(ACTIVATIONS.name_of(fn), fn, settings)
        return functools.partial(fn, **settings) if settings else fn
    if callable(identifier):
        return identifier
    raise TypeError(
        "an activation must be None, a name, a config dict or a callable; got "
        f"{describe(identifier)}"
    )


def _plain(value):
    """A JSON-able Python number (or None) for a setting value."""
    if value is None:
        return None
    return int(value) if isinstance(value, Integral) else float(value)


def serialize(activation) -> str | dict:
    """The JSON-able form of an activation: its canonical name, or a config dict if it has
    settings. ``get(serialize(a))`` computes the same function as ``get(a)``.

    Custom callables cannot be serialized (a model file never names code to import); use a
    built-in name, or a layer.

    Examples
    --------
    >>> serialize(relu), serialize("silu"), serialize(None)
    ('relu', 'swish', 'linear')
    >>> serialize({"name": "leaky_relu", "config": {"negative_slope": 0.2}})
    {'class_name': 'leaky_relu', 'config': {'negative_slope': 0.2}}
    """
    fn = get(activation)
    settings = {}
    if isinstance(fn, functools.partial) and not fn.args:
        fn, settings = fn.func, fn.keywords
    name = ACTIVATIONS.name_of(fn)
    if name is None:
        label = getattr(fn, "__name__", type(fn).__name__)
        raise ValueError(
            f"cannot serialize the custom activation {label!r}: only built-in activations can be "
            f"saved (valid names: {', '.join(sorted(ACTIVATIONS))}); use one of them or a layer"
        )
    if not settings:
        return name
    _settings(name, fn, dict(settings))
    return {"class_name": name, "config": {k: _plain(v) for k, v in settings.items()}}
