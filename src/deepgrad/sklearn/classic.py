"""PerceptronClassifier and LogisticRegressionClassifier: the :mod:`deepgrad.classic` models with
scikit-learn's input validation and tags (the classic module itself never imports scikit-learn).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..classic import LogisticRegression, Perceptron
from ._validation import validate_data

__all__ = ["LogisticRegressionClassifier", "PerceptronClassifier"]


class _ValidatedBinaryClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn's input checks and tags for a :mod:`deepgrad.classic` model."""

    def fit(self, X, y):
        """Validate with scikit-learn, then fit the classic model; returns self."""
        self._validate_params()
        return super().fit(X, y)

    def _check_fit_input(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        return X, y

    def _check_predict_input(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"binary_only": True}


_CLASSIC_CONSTRAINTS = {
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "fit_intercept": ["boolean"],
    "random_state": ["random_state", np.random.Generator],
}


class PerceptronClassifier(_ValidatedBinaryClassifier, Perceptron):
    """:class:`deepgrad.classic.Perceptron` as a scikit-learn classifier (same parameters).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> X = [[1.0, 20.0], [2.0, 40.0], [3.0, 10.0], [4.0, 30.0]]
    >>> model = make_pipeline(MinMaxScaler(), PerceptronClassifier(shuffle=False))
    >>> model.fit(X, ["no", "no", "yes", "yes"]).predict([[3.5, 25.0]])
    array(['yes'], dtype='<U3')
    """

    _parameter_constraints = {**_CLASSIC_CONSTRAINTS, "rule": [StrOptions({"trick", "loss"})],
                              "shuffle": ["boolean"]}


class LogisticRegressionClassifier(_ValidatedBinaryClassifier, LogisticRegression):
    """:class:`deepgrad.classic.LogisticRegression` as a scikit-learn classifier (same parameters).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = make_classification(100, n_features=3, n_redundant=0, flip_y=0.2, random_state=0)
    >>> model = make_pipeline(StandardScaler(), LogisticRegressionClassifier()).fit(X, y)
    >>> neuron = model[-1]
    >>> neuron.coef_.shape, neuron.intercept_.shape, neuron.converged_
    ((1, 3), (1,), True)
    >>> model.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**_CLASSIC_CONSTRAINTS, "tol": [Interval(Real, 0, None, closed="left")]}
