"""What the estimator modules share: scikit-learn's ``validate_data`` across its versions."""

from __future__ import annotations

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6

    def validate_data(estimator, X="no_validation", y="no_validation", **kwargs):
        return estimator._validate_data(X, y, **kwargs)


__all__ = ["validate_data"]
