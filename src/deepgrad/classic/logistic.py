"""Logistic regression: one sigmoid neuron trained by full-batch gradient descent on log-loss."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.tensor import Tensor
from ..functional import sigmoid_cross_entropy_with_logits
from ..common.checks import check_bool, check_number, check_positive_int, check_seed
from .base import BinaryLinearClassifier, warn_not_converged

__all__ = ["LogisticRegression", "log_loss_and_gradient"]


def log_loss_and_gradient(X: np.ndarray, y01: np.ndarray, coef: np.ndarray, intercept: float):
    """Mean log-loss of ``σ(X·coef + intercept)`` against ``y01``, and its gradient, by autograd.

    The graph is the notes' (seed 004): ``z = w·x + b``, ``a = σ(z)``,
    ``L = −[y·log a + (1 − y)·log(1 − a)]`` (computed from ``z`` without overflow), so
    ``backward()`` yields ``∂L/∂w = mean((a − y)·x)`` and ``∂L/∂b = mean(a − y)``.

    Returns
    -------
    loss : float
    coef_gradient : ndarray of shape (n_features,)
    intercept_gradient : float
    """
    weights = Tensor(coef, requires_grad=True, dtype=np.float64)
    bias = Tensor(intercept, requires_grad=True, dtype=np.float64)
    z = Tensor(X, dtype=np.float64) @ weights + bias
    loss = sigmoid_cross_entropy_with_logits(z, y01).mean()
    loss.backward()
    return float(loss.item()), weights.grad, float(bias.grad)


class LogisticRegression(BinaryLinearClassifier):
    """One sigmoid neuron ``P(y = 1 | x) = σ(x · w + b)``, fitted by gradient descent on log-loss.

    Each iteration evaluates the mean log-loss and its gradient with deepgrad's autograd
    (:func:`log_loss_and_gradient`; the gradient is seed 004's ``mean((σ(z) − y)·x)``) and steps
    ``w ← w − learning_rate·∂L/∂w`` from all-zero weights. It stops when the largest gradient
    component is at most ``tol``, which puts the coefficients within about ``tol/λ`` of the
    unpenalised optimum (``λ`` the curvature), i.e. those of scikit-learn's
    ``LogisticRegression(penalty=None)``. Standardise the features first: plain gradient descent
    is slow on badly scaled ones. On linearly separable classes no optimum exists (the weights
    grow forever): training stops at ``max_iter`` with a ``ConvergenceWarning``.

    Parameters
    ----------
    learning_rate : float, default 0.1
    max_iter : int, default 10000
        Most gradient-descent iterations.
    tol : float, default 1e-6
        Stop when ``max |gradient| <= tol``.
    fit_intercept : bool, default True
    random_state : None, int or numpy.random.Generator
        Unused (full-batch descent from zero is deterministic); accepted for a uniform API.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features)
    intercept_ : ndarray of shape (1,)
    classes_ : ndarray of shape (2,)
    n_iter_ : int
        Iterations run; the last one may find the gradient small enough and not step.
    loss_curve_ : list of float
        Mean log-loss at each iteration.
    converged_ : bool
    n_features_in_ : int

    Examples
    --------
    >>> X = [[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]]
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 0, 1, 1])
    >>> model.predict([[-3.0], [3.0]]), model.converged_
    (array([0, 1]), True)
    >>> model.predict_proba([[0.0]]).round(3)
    array([[0.5, 0.5]])
    """

    def __init__(self, *, learning_rate=0.1, max_iter=10000, tol=1e-6, fit_intercept=True,
                 random_state=None):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.random_state = random_state

    def _check_params(self) -> None:
        check_number(self.learning_rate, "learning_rate", low=0, low_open=True)
        check_positive_int(self.max_iter, "max_iter")
        check_number(self.tol, "tol", low=0)
        check_bool(self.fit_intercept, "fit_intercept")
        check_seed(self.random_state, "random_state")

    def _fit_binary(self, X: np.ndarray, y01: np.ndarray) -> None:
        coef = np.zeros(X.shape[1])
        intercept = 0.0
        eta = float(self.learning_rate)
        self.loss_curve_ = []
        self.converged_ = False
        largest_gradient = math.inf
        for _ in range(int(self.max_iter)):
            loss, coef_gradient, intercept_gradient = log_loss_and_gradient(X, y01, coef, intercept)
            if not self.fit_intercept:
                intercept_gradient = 0.0
            self.loss_curve_.append(loss)
            largest_gradient = max(float(np.max(np.abs(coef_gradient))), abs(intercept_gradient))
            if largest_gradient <= self.tol:
                self.converged_ = True
                break
            coef = coef - eta * coef_gradient
            intercept = intercept - eta * intercept_gradient
        self.n_iter_ = len(self.loss_curve_)
        self.coef_ = coef.reshape(1, -1)
        self.intercept_ = np.array([intercept])
        if not self.converged_:
            warn_not_converged(
                f"LogisticRegression did not converge in max_iter={self.max_iter} iterations: the "
                f"largest gradient component is {largest_gradient:.3g} > tol={self.tol}. Standardise "
                "the features, raise max_iter or learning_rate; if the classes are linearly "
                "separable the coefficients grow without bound."
            )

    def predict_proba(self, X) -> np.ndarray:
        """``[P(classes_[0]), P(classes_[1])]`` for each sample, shape (n_samples, 2)."""
        z = self.decision_function(X)
        positive = np.exp(-np.logaddexp(0.0, -z))  # σ(z) without overflow
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` where ``σ(z) > 0.5`` (the score is > 0), else ``classes_[0]``."""
        scores = self.decision_function(X)  # checks that the model is fitted
        return self.classes_[(scores > 0).astype(np.intp)]
