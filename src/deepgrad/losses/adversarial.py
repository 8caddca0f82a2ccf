"""GAN losses: the discriminator's and the generator's, written with binary cross-entropy.

The discriminator ``D`` outputs, for each sample, a logit (``from_logits=True``, the default and
the stable choice) or the probability that the sample is real. The generator ``G`` wants
``D(G(z))`` to look real. In the minimax game of Goodfellow et al. (2014) the generator minimises
``log(1 - D(G(z)))``, whose gradient vanishes while the discriminator easily rejects fakes; the
non-saturating variant minimises ``-log D(G(z))`` instead, which has the same fixed point and
strong gradients early in training.
"""

from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..common.checks import check_bool, check_choice
from .base import Loss, as_prediction, reduce_losses
from .classification import binary_crossentropy

__all__ = ["discriminator_loss", "generator_loss", "DiscriminatorLoss", "GeneratorLoss"]

GENERATOR_MODES = ("non_saturating", "minimax")


def _check_mode(mode) -> str:
    return check_choice(mode, "mode", GENERATOR_MODES)


def discriminator_loss(real_output, fake_output, from_logits: bool = True) -> Tensor:
    """Per-sample ``BCE(1, D(x)) + BCE(0, D(G(z)))`` = ``-log D(x) - log(1 - D(G(z)))``.

    Parameters
    ----------
    real_output : Tensor of shape (n_samples,) or (n_samples, 1)
        The discriminator's outputs on real samples.
    fake_output : Tensor of the same number of samples
        Its outputs on generated samples (pairs are summed; for batches of different sizes call
        :func:`binary_crossentropy` on each).
    from_logits : bool, default True
        Whether the outputs are logits rather than probabilities.

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> discriminator_loss(dg.Tensor([0.0]), dg.Tensor([0.0]))  # ln 2 + ln 2
    Tensor([1.3863])
    """
    from_logits = check_bool(from_logits, "from_logits")
    real = as_prediction(real_output, "real_output")
    fake = as_prediction(fake_output, "fake_output")
    if real.shape[0] != fake.shape[0]:
        raise ValueError(
            f"real_output and fake_output must have the same number of samples; got real_output "
            f"with shape {real.shape} and fake_output with shape {fake.shape}"
        )
    real_loss = binary_crossentropy(np.ones(real.shape), real, from_logits)
    fake_loss = binary_crossentropy(np.zeros(fake.shape), fake, from_logits)
    return real_loss + fake_loss


def generator_loss(fake_output, mode: str = "non_saturating", from_logits: bool = True) -> Tensor:
    """Per-sample generator loss on the discriminator's outputs for generated samples.

    ``"non_saturating"``: ``-log D(G(z)) = BCE(1, D(G(z)))``. ``"minimax"``:
    ``log(1 - D(G(z))) = -BCE(0, D(G(z)))`` (negative; it falls as the generator improves).

    Parameters
    ----------
    fake_output : Tensor of shape (n_samples,) or (n_samples, 1)
    mode : {"non_saturating", "minimax"}, default "non_saturating"
    from_logits : bool, default True

    Returns
    -------
    Tensor of shape (n_samples,)

    Examples
    --------
    >>> import deepgrad as dg
    >>> generator_loss(dg.Tensor([0.0]))  # -ln ½
    Tensor([0.6931])
    >>> generator_loss(dg.Tensor([0.0]), mode="minimax")  # ln ½
    Tensor([-0.6931])
    """
    mode = _check_mode(mode)
    from_logits = check_bool(from_logits, "from_logits")
    fake = as_prediction(fake_output, "fake_output")
    if mode == "non_saturating":
        return binary_crossentropy(np.ones(fake.shape), fake, from_logits)
    return -binary_crossentropy(np.zeros(fake.shape), fake, from_logits)


class DiscriminatorLoss(Loss):
    """The discriminator's loss, reduced over the batch: see :func:`discriminator_loss`.

    Called as ``loss(real_output, fake_output, sample_weight=None)``.

    Parameters
    ----------
    from_logits : bool, default True
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "discriminator_loss"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> loss = DiscriminatorLoss(from_logits=False)
    >>> round(loss(dg.Tensor([0.8]), dg.Tensor([0.4])).item(), 4)  # -ln 0.8 - ln 0.6
    0.734
    """

    function = staticmethod(discriminator_loss)
    settings = ("from_logits",)

    def __init__(self, from_logits: bool = True, *, reduction: str = "mean",
                 name: str | None = None, dtype=None):
        super().__init__(reduction, name, dtype)
        self.from_logits = check_bool(from_logits, "from_logits")

    def __call__(self, real_output, fake_output, sample_weight=None) -> Tensor:
        """The reduced loss of a batch of discriminator outputs on real and generated samples."""
        return reduce_losses(self.call(real_output, fake_output), sample_weight, self.reduction)



class GeneratorLoss(Loss):
    """The generator's loss, reduced over the batch: see :func:`generator_loss`.

    Called as ``loss(fake_output, sample_weight=None)``.

    Parameters
    ----------
    mode : {"non_saturating", "minimax"}, default "non_saturating"
    from_logits : bool, default True
    reduction : {"mean", "sum", "none"}, default "mean"
    name : str, default "generator_loss"
    dtype : str or numpy dtype, optional
        See :class:`~deepgrad.losses.Loss`.

    Examples
    --------
    >>> import deepgrad as dg
    >>> loss = GeneratorLoss(from_logits=False)
    >>> round(loss(dg.Tensor([0.25, 0.5])).item(), 4)  # (ln 4 + ln 2) / 2
    1.0397
    """

    function = staticmethod(generator_loss)
    settings = ("mode", "from_logits")

    def __init__(
        self,
        mode: str = "non_saturating",
        *,
        from_logits: bool = True,
        reduction: str = "mean",
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(reduction, name, dtype)
        self.mode = _check_mode(mode)
        self.from_logits = check_bool(from_logits, "from_logits")

    def __call__(self, fake_output, sample_weight=None) -> Tensor:
        """The reduced loss of a batch of discriminator outputs on generated samples."""
        return reduce_losses(self.call(fake_output), sample_weight, self.reduction)
