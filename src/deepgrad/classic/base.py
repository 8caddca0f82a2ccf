"""What the two classic models share: the estimator protocol, input checks, labels, boundaries.

The models follow scikit-learn's conventions without importing it: constructor arguments are
stored unchanged and checked in ``fit`` (which returns ``self``), fitted attributes end in ``_``,
and ``get_params``/``set_params`` read the constructor's signature, so ``sklearn.base.clone``
works on them. :mod:`deepgrad.sklearn` adds scikit-learn's own input validation and tags on top
(``PerceptronClassifier``, ``LogisticRegressionClassifier``).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["BinaryLinearClassifier", "ConvergenceWarning", "DecisionBoundary", "NotFittedError"]


class ConvergenceWarning(UserWarning):
    """Training stopped before converging (used when scikit-learn is not installed)."""


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted model was called before ``fit``."""


@functools.lru_cache(maxsize=None)
def convergence_warning_category() -> type[Warning]:
    """The category of deepgrad's convergence warnings.

    Without scikit-learn it is :class:`ConvergenceWarning`; with it, a subclass of both that
    class and ``sklearn.exceptions.ConvergenceWarning``, so filters for either catch it.
    """
    try:
        from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
    except ImportError:  # pragma: no cover - scikit-learn is optional
        return ConvergenceWarning
    return type("ConvergenceWarning", (ConvergenceWarning, SklearnConvergenceWarning),
                {"__module__": __name__, "__doc__": ConvergenceWarning.__doc__})


def warn_not_converged(message: str) -> None:
    warnings.warn(message, convergence_warning_category(), stacklevel=4)


def _format_number(value: float) -> str:
    return f"{value:.4g}"


def _linear_terms(coefficients, names) -> str:
    """``2·x1 - 0.5·x2`` (zero coefficients left out)."""
    text = ""
    for coefficient, name in zip(coefficients, names):
        if coefficient == 0:
            continue
        sign = "-" if coefficient < 0 else "+"
        magnitude = _format_number(abs(coefficient))
        text += (f"{sign}{magnitude}·{name}" if not text else f" {sign} {magnitude}·{name}")
    return text.lstrip("+") or "0"


def _with_constant(terms: str, constant: float) -> str:
    if constant == 0:
        return terms
    sign = "-" if constant < 0 else "+"
    return f"{terms} {sign} {_format_number(abs(constant))}" if terms != "0" else _format_number(constant)


@dataclass(frozen=True)
class DecisionBoundary:
    """The set ``coef · x + intercept = 0`` where a linear classifier changes its answer.

    Attributes
    ----------
    kind : {"point", "line", "plane", "hyperplane", "none"}
        A point in 1-D, a line in 2-D, a plane in 3-D, a hyperplane beyond; "none" when every
        weight is zero (the model gives every point the same class).
    equation : str
        ``coef · x + intercept = 0`` written out, e.g. ``"2·x1 + 1·x2 - 4 = 0"``.
    description : str
        A sentence for people: in 2-D the line solved for ``x2`` (``"x2 = a·x1 + b"``), in 3-D
        the plane solved for ``x3``.
    coef : ndarray of shape (n_features,)
    intercept : float

    Examples
    --------
    >>> boundary = DecisionBoundary.from_coefficients([2.0, 1.0], -4.0)
    >>> boundary.kind, boundary.equation
    ('line', '2·x1 + 1·x2 - 4 = 0')
    >>> print(boundary)
    line: x2 = -2·x1 + 4
    """

    kind: str
    equation: str
    description: str
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_coefficients(cls, coef, intercept) -> DecisionBoundary:
        coef = np.asarray(coef, dtype=np.float64).reshape(-1)
        intercept = float(intercept)
        n = len(coef)
        names = [f"x{i + 1}" for i in range(n)]
        equation = f"{_with_constant(_linear_terms(coef, names), intercept)} = 0"
        kind = {1: "point", 2: "line", 3: "plane"}.get(n, "hyperplane")
        if not np.any(coef):
            return cls("none", equation, "no boundary: every weight is zero, so every point gets "
                       "the same class", coef, intercept)
        last = n - 1 if coef[-1] != 0 else int(np.flatnonzero(coef)[-1])
        if kind == "hyperplane":
            description = f"hyperplane in {n} dimensions: {equation}"
        else:  # solve for the last variable that has a non-zero weight
            others = [i for i in range(n) if i != last]
            solved = _with_constant(_linear_terms(-coef[others] / coef[last], [names[i] for i in others]),
                                    -intercept / coef[last])
            description = f"{kind}: {names[last]} = {solved}"
        return cls(kind, equation, description, coef, intercept)

    def __str__(self) -> str:
        return self.description


class BinaryLinearClassifier:
    """Base of the classic models: a linear score ``x · coef + intercept`` and two classes.

    Subclasses implement ``_fit_binary(X, y01)``, which sets the fitted weights from features
    ``X`` of shape (n_samples, n_features) and labels ``y01`` in {0, 1}.
    """

    # ------------------------------------------------------------------ estimator protocol
    @classmethod
    def _get_param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if name != "self" and p.kind is not p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict:
        """Constructor arguments as a dict (``deep`` is accepted for scikit-learn)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set constructor arguments; returns ``self``. Values are checked by ``fit``."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid parameters: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if not (defaults[k].default is v or (isinstance(v, (int, float, str)) and defaults[k].default == v))]
        return f"{type(self).__name__}({', '.join(changed)})"

    # ------------------------------------------------------------------ input checks (hooks)
    def _check_fit_input(self, X, y):
        """``X`` as float64 (n_samples, n_features) and ``y`` as (n_samples,), both checked."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2:
            raise ValueError(f"X must have shape (n_samples, n_features); got shape {X.shape}")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"y must have shape ({len(X)},), one label per row of X; got {y.shape}")
        if len(X) == 0 or X.shape[1] == 0:
            raise ValueError(f"X must hold at least one sample and one feature; got shape {X.shape}")
        bad = np.argwhere(~np.isfinite(X))
        if len(bad):
            raise ValueError(f"X must be finite; X[{bad[0][0]}, {bad[0][1]}] is {X[tuple(bad[0])]}")
        self.n_features_in_ = X.shape[1]
        return X, y

    def _check_predict_input(self, X) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(X, y) first")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have shape (n_samples, {self.n_features_in_}); got shape {X.shape}")
        return X

    def _encode_labels(self, y) -> np.ndarray:
        """Set ``classes_`` (sorted) and return ``y`` as 0/1 (1 for ``classes_[1]``)."""
        classes, y01 = np.unique(y, return_inverse=True)
        if len(classes) != 2:
            shown = ", ".join(map(repr, classes[:5].tolist())) + (", ..." if len(classes) > 5 else "")
            if len(classes) > 2:
                raise ValueError(f"Only binary classification is supported. {type(self).__name__} "
                                 f"got {len(classes)} classes in y: {shown}")
            raise ValueError(f"{type(self).__name__} needs two classes in y; got 1 class: {shown}")
        self.classes_ = classes
        return y01.reshape(-1).astype(np.float64)

    # ------------------------------------------------------------------ fitting and predicting
    def fit(self, X, y):
        """Fit on features ``X`` (n_samples, n_features) and two-class labels ``y`` (n_samples,)."""
        self._check_params()
        X, y = self._check_fit_input(X, y)
        y01 = self._encode_labels(y)
        self._fit_binary(X, y01)
        return self

    def _check_params(self) -> None:
        raise NotImplementedError

    def _fit_binary(self, X: np.ndarray, y01: np.ndarray) -> None:
        raise NotImplementedError

    def _weights(self) -> tuple[np.ndarray, float]:
        """``(coef, intercept)`` as a flat vector and a float."""
        return np.reshape(self.coef_, -1), float(np.reshape(self.intercept_, -1)[0])

    def decision_function(self, X) -> np.ndarray:
        """The score ``z = x · coef + intercept`` of each sample, shape (n_samples,).

        Positive scores mean ``classes_[1]``.
        """
        X = self._check_predict_input(X)
        coef, intercept = self._weights()
        return X @ coef + intercept

    def score(self, X, y) -> float:
        """Accuracy: the fraction of samples whose predicted class is ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y).reshape(-1)))

    def decision_boundary(self) -> DecisionBoundary:
        """The fitted boundary ``coef · x + intercept = 0``, described for people.

        A line ``x2 = a·x1 + b`` in 2-D, a plane in 3-D, a hyperplane beyond
        (see :class:`DecisionBoundary`).
        """
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(X, y) first")
        return DecisionBoundary.from_coefficients(*self._weights())
