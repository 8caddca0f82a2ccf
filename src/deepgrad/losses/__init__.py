"""Loss functions: how far a prediction is from its target.

The lecture notes distinguish the **loss**, the error of one sample (``(y_i - ŷ_i)²``), from the
**cost**, the average of the losses over the ``n`` samples (``(1/n) Σ (y_i - ŷ_i)²``), which is
what gradient descent minimises. deepgrad keeps that distinction:

- each function (``mean_squared_error``, ``binary_crossentropy``, ...) takes ``(y_true, y_pred)``
  and returns the per-sample **losses**, a Tensor of shape ``(n_samples,)``;
- each class (``MeanSquaredError``, ``BinaryCrossentropy``, ...) is called as
  ``loss(y_true, y_pred, sample_weight=None)`` and returns the **cost** with the default
  ``reduction="mean"`` (with weights: ``Σ w_i·l_i / n``, Keras's "sum over batch size"), the sum
  with ``"sum"``, or the losses themselves with ``"none"``.

``y_pred`` is the model output, a Tensor the result is differentiable with respect to;
``y_true`` is an array (or Tensor) used as a constant. Elementwise losses average over every axis
after the first, as Keras averages over the last one.

The losses, as ``function`` / class (aliases):

- ``mean_squared_error`` / :class:`MeanSquaredError` (``mse``)
- ``mean_absolute_error`` / :class:`MeanAbsoluteError` (``mae``)
- ``huber`` / :class:`Huber` (``huber_loss``)
- ``binary_crossentropy`` / :class:`BinaryCrossentropy` (``bce``, ``log_loss``)
- ``categorical_crossentropy`` / :class:`CategoricalCrossentropy` (``cce``)
- ``sparse_categorical_crossentropy`` / :class:`SparseCategoricalCrossentropy` (``scce``)
- ``hinge`` / :class:`Hinge`
- ``kl_divergence`` / :class:`KLDivergence` (``kld``, ``kullback_leibler_divergence``)
- ``binary_focal_crossentropy`` / :class:`BinaryFocalCrossentropy`
- ``categorical_focal_crossentropy`` / :class:`CategoricalFocalCrossentropy`
- ``triplet_loss`` / :class:`TripletLoss`, called as ``loss(anchor, positive, negative)``
- ``discriminator_loss`` / :class:`DiscriminatorLoss`, called as ``loss(real_output, fake_output)``
- ``generator_loss`` / :class:`GeneratorLoss`, called as ``loss(fake_output)``

:func:`get` turns any of these names, a config dict, a :class:`Loss` or a function into a
:class:`Loss`; :func:`serialize` gives the JSON-able config a saved model stores.
"""

from __future__ import annotations

from ..common.checks import describe
from .adversarial import (
    DiscriminatorLoss,
    GeneratorLoss,
    discriminator_loss,
    generator_loss,
)
from .base import LOSSES, REDUCTIONS, REGISTRY, Loss, LossFunctionWrapper, reduce_losses
from .classification import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from .divergence import KLDivergence, kl_divergence
from .focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from .margin import Hinge, TripletLoss, hinge, triplet_loss
from .regression import (
    Huber,
    MeanAbsoluteError,
    MeanSquaredError,
    huber,
    mean_absolute_error,
    mean_squared_error,
)

# Short names, as Keras spells them.
mse = mean_squared_error
mae = mean_absolute_error
huber_loss = huber
bce = log_loss = binary_crossentropy
cce = categorical_crossentropy
scce = sparse_categorical_crossentropy
kld = kullback_leibler_divergence = kl_divergence

# The same short names as aliases (each class is already in LOSSES under its snake_case name).
LOSSES.register("mean_squared_error", MeanSquaredError, aliases=["mse"])
LOSSES.register("mean_absolute_error", MeanAbsoluteError, aliases=["mae"])
LOSSES.register("huber", Huber, aliases=["huber_loss"])
LOSSES.register("binary_crossentropy", BinaryCrossentropy, aliases=["bce", "log_loss"])
LOSSES.register("categorical_crossentropy", CategoricalCrossentropy, aliases=["cce"])
LOSSES.register("sparse_categorical_crossentropy", SparseCategoricalCrossentropy, aliases=["scce"])
LOSSES.register("kl_divergence", KLDivergence, aliases=["kld", "kullback_leibler_divergence"])

#: Every built-in name :func:`get` accepts, canonical names then aliases (a snapshot of
#: :data:`LOSSES`, which also finds Keras's class names and any Loss subclass defined later).
NAMES: dict[str, type[Loss]] = {
    **LOSSES, **{alias: LOSSES[name] for alias, name in LOSSES.aliases.items()}
}

# The per-sample function behind each class, so that get(mean_squared_error) gives the class.
_FUNCTIONS: dict = {
    mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError,
    huber: Huber,
    binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    hinge: Hinge,
    kl_divergence: KLDivergence,
    binary_focal_crossentropy: BinaryFocalCrossentropy,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    triplet_loss: TripletLoss,
    discriminator_loss: DiscriminatorLoss,
    generator_loss: GeneratorLoss,
}


def get(identifier) -> Loss:
    """A :class:`Loss` from a name, a config dict, a Loss or a function.

    Parameters
    ----------
    identifier : str, dict, Loss or callable
        - a name from :data:`NAMES` (``"mean_squared_error"``, ``"mse"``, ...) in any case, with
          or without underscores (``"MeanSquaredError"``, ``"MSE"``): that loss with its
          default settings;
        - ``{"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}``: see
          :func:`deserialize`;
        - a :class:`Loss`: returned unchanged (a Loss class: an instance with default settings);
        - one of this module's loss functions: the matching class with default settings; any
          other callable ``fn(y_true, y_pred)`` returning per-sample losses is wrapped in a
          :class:`LossFunctionWrapper`.

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.

    Examples
    --------
    >>> get("mse")
    MeanSquaredError(reduction='mean', name='mean_squared_error')
    >>> get({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}).from_logits
    True
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        return LOSSES.instance(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and not isinstance(identifier, type):
        for fn, cls in _FUNCTIONS.items():
            if fn is identifier:
                return cls()
        return LossFunctionWrapper(identifier)
    raise TypeError(
        f"a loss must be a name (such as 'mse'), a config dict, a Loss or a function; got "
        f"{describe(identifier)}"
    )


def serialize(loss) -> dict:
    """``{"class_name": ..., "config": ...}`` for a loss (anything :func:`get` accepts).

    The result is JSON-serialisable and :func:`deserialize` (or :func:`get`) rebuilds the loss.

    Raises
    ------
    ValueError
        For a :class:`LossFunctionWrapper` around a custom function: a saved model never names
        code to import, so write the loss as a :class:`Loss` subclass instead.

    Examples
    --------
    >>> serialize("bce")
    {'class_name': 'BinaryCrossentropy',
     'config': {'reduction': 'mean', 'name': 'binary_crossentropy', 'from_logits': False,
                'label_smoothing': 0.0}}
    """
    loss = get(loss)
    if isinstance(loss, LossFunctionWrapper):
        raise ValueError(
            f"cannot serialize the custom loss function {loss.name!r}: a model file never names "
            f"code to import. Subclass deepgrad.losses.Loss and define get_config() instead"
        )
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(spec: dict) -> Loss:
    """Rebuild a loss from :func:`serialize` output, looking the class up in :data:`LOSSES`.

    Examples
    --------
    >>> deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).delta
    2.0
    """
    cls, config = LOSSES.from_config(spec)
    try:
        return cls.from_config(config)
    except TypeError as error:
        raise ValueError(f"invalid config for {spec['class_name']}: {error}") from None


__all__ = [
    "LOSSES",
    "Loss",
    "LossFunctionWrapper",
    "NAMES",
    "REDUCTIONS",
    "REGISTRY",
    "get",
    "serialize",
    "deserialize",
    "reduce_losses",
    # functions
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "hinge",
    "kl_divergence",
    "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
    "triplet_loss",
    "discriminator_loss",
    "generator_loss",
    # aliases
    "mse",
    "mae",
    "huber_loss",
    "bce",
    "log_loss",
    "cce",
    "scce",
    "kld",
    "kullback_leibler_divergence",
    # classes
    "MeanSquaredError",
    "MeanAbsoluteError",
    "Huber",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "Hinge",
    "KLDivergence",
    "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy",
    "TripletLoss",
    "DiscriminatorLoss",
    "GeneratorLoss",
]
