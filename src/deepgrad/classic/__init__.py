"""Classic single-neuron models from the notes: :class:`Perceptron` and :class:`LogisticRegression`.

Both are NumPy estimators with scikit-learn's conventions (``fit`` returns ``self``, fitted
attributes end in ``_``, ``get_params``/``set_params``), without importing scikit-learn; the
scikit-learn-validated versions are ``deepgrad.sklearn.PerceptronClassifier`` and
``deepgrad.sklearn.LogisticRegressionClassifier``.
"""

from .base import ConvergenceWarning, DecisionBoundary, NotFittedError
from .logistic import LogisticRegression
from .perceptron import Perceptron

__all__ = ["ConvergenceWarning", "DecisionBoundary", "LogisticRegression", "NotFittedError", "Perceptron"]
