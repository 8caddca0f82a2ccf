"""The perceptron: a step-activated neuron trained by the perceptron trick or by its loss."""

from __future__ import annotations

import numpy as np

from ..common.checks import (
    check_bool,
    check_choice,
    check_number,
    check_positive_int,
    check_seed,
)
from ..common.rng import as_generator
from .base import BinaryLinearClassifier, warn_not_converged

__all__ = ["Perceptron"]

RULES = ("trick", "loss")


class Perceptron(BinaryLinearClassifier):
    """Binary classifier ``ŷ = step(x · w + b)`` (1 where the score is >= 0), as in the notes.

    Two training rules from lecture 4–6 (seed 003), both starting from all-zero weights:

    - ``rule="trick"`` (the perceptron trick): sweep the samples; for each one update
      ``w ← w + η·(y − ŷ)·x`` with ``x₀ = 1`` carrying the bias. Only mistakes move the weights:
      a missed positive pulls the boundary towards it, a missed negative pushes it away.
    - ``rule="loss"`` (the notes' scikit-learn-style method): full-batch gradient descent on
      ``L = mean(max(0, −y·f(x)))`` with labels mapped to ±1. Its gradient is
      ``∂L/∂w = −(1/n)·Σ yᵢ·xᵢ`` and ``∂L/∂b = −(1/n)·Σ yᵢ`` over the points with
      ``yᵢ·f(xᵢ) <= 0``. (The notes write ``−xᵢ/n`` where ``−yᵢ·xᵢ/n`` is meant, and count only
      ``−y·f > 0``; points exactly on the boundary count here, else zero weights never move.)

    Training stops after the first epoch without a mistake (``converged_ = True``). On data that
    are not linearly separable (XOR) no such epoch exists: training stops at ``max_iter``, or as
    soon as the weights at the start of an epoch repeat an earlier epoch's (a cycle, which proves
    the data are not linearly separable), with ``converged_ = False`` and a ``ConvergenceWarning``.

    Parameters
    ----------
    rule : {"trick", "loss"}, default "trick"
    learning_rate : float, default 1.0
        ``η``. The weights start at zero, so they scale with ``η`` and the predictions do not
        depend on it.
    max_iter : int, default 1000
        Most epochs (passes over the data).
    shuffle : bool, default True
        Visit the samples in a new random order each epoch (``rule="trick"`` only).
    random_state : int, numpy.random.Generator or None
        Seed of the shuffling.
    fit_intercept : bool, default True
        Learn the bias ``b`` (``w₀`` with ``x₀ = 1``); False keeps the boundary through 0.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    classes_ : ndarray of shape (2,)
        The two labels; ``classes_[1]`` is the positive class (``ŷ = 1``).
    n_iter_ : int
        Epochs run.
    errors_ : list of int
        Mistakes in each epoch: the updates made (trick), or the points with ``y·f <= 0`` (loss).
    converged_ : bool
        True when the last epoch made no mistake.
    n_features_in_ : int

    Examples
    --------
    The AND gate is linearly separable:

    >>> X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    >>> model = Perceptron(shuffle=False).fit(X, [0, 0, 0, 1])
    >>> model.predict(X), model.converged_, model.errors_
    (array([0, 0, 0, 1]), True, [2, 3, 3, 2, 1, 0])
    >>> print(model.decision_boundary())
    line: x2 = -2·x1 + 3
    """

    def __init__(self, *, rule="trick", learning_rate=1.0, max_iter=1000, shuffle=True,
                 random_state=None, fit_intercept=True):
        self.rule = rule
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.fit_intercept = fit_intercept

    def _check_params(self) -> None:
        check_choice(self.rule, "rule", RULES)
        check_number(self.learning_rate, "learning_rate", low=0, low_open=True)
        check_positive_int(self.max_iter, "max_iter")
        check_bool(self.shuffle, "shuffle")
        check_seed(self.random_state, "random_state")
        check_bool(self.fit_intercept, "fit_intercept")

    def _fit_binary(self, X: np.ndarray, y01: np.ndarray) -> None:
        # x₀ = 1 carries the bias: weights[0] is b, weights[1:] is w.
        bias_column = np.ones((len(X), 1)) if self.fit_intercept else np.zeros((len(X), 1))
        X_augmented = np.hstack([bias_column, X])
        weights = np.zeros(X_augmented.shape[1])
        epoch_step = self._trick_epoch if self.rule == "trick" else self._loss_epoch
        rng = as_generator(self.random_state, "random_state")
        eta = float(self.learning_rate)
        seen_at_epoch_start = set()
        self.errors_ = []
        self.converged_ = False
        cycled = False
        for _ in range(int(self.max_iter)):
            key = weights.tobytes()
            if key in seen_at_epoch_start:
                cycled = True
                break
            seen_at_epoch_start.add(key)
            mistakes = epoch_step(X_augmented, y01, weights, eta, rng)
            self.errors_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        self.n_iter_ = len(self.errors_)
        self.intercept_ = float(weights[0])
        self.coef_ = weights[1:].copy()
        if not self.converged_:
            reason = (f"the weights at the start of epoch {self.n_iter_ + 1} repeat an earlier "
                      "epoch's, a cycle that cannot end" if cycled else
                      f"max_iter={self.max_iter} epochs all had misclassified points")
            warn_not_converged(
                f"Perceptron did not converge: {reason}. The data appear not to be linearly "
                "separable (a perceptron can only learn a line/plane/hyperplane boundary)."
            )

    def _trick_epoch(self, X, y01, weights, eta, rng) -> int:
        """One sweep of ``w ← w + η·(y − ŷ)·x``, in place; returns the number of updates."""
        order = rng.permutation(len(X)) if self.shuffle else range(len(X))
        mistakes = 0
        for i in order:
            y_hat = 1.0 if X[i] @ weights >= 0 else 0.0
            if y_hat != y01[i]:
                weights += eta * (y01[i] - y_hat) * X[i]
                mistakes += 1
        return mistakes

    def _loss_epoch(self, X, y01, weights, eta, rng) -> int:
        """One full-batch gradient step on mean(max(0, −y·f)); returns the points with y·f <= 0."""
        signs = 2.0 * y01 - 1.0
        active = signs * (X @ weights) <= 0
        mistakes = int(np.count_nonzero(active))
        if mistakes:
            gradient = -(signs[active] @ X[active]) / len(X)
            weights -= eta * gradient
        return mistakes

    def predict(self, X) -> np.ndarray:
        """Class of each sample: ``classes_[1]`` where the score is >= 0, else ``classes_[0]``."""
        scores = self.decision_function(X)  # checks that the model is fitted
        return self.classes_[(scores >= 0).astype(np.intp)]

    def perceptron_loss(self, X, y) -> float:
        """The notes' loss ``mean(max(0, −y·f(x)))`` of the fitted weights on ``(X, y)``."""
        signs = np.where(np.asarray(y).reshape(-1) == self.classes_[1], 1.0, -1.0)
        return float(np.mean(np.maximum(0.0, -signs * self.decision_function(X))))
