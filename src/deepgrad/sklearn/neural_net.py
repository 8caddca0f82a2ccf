"""NeuralNetClassifier and NeuralNetRegressor: deepgrad networks as scikit-learn estimators.

See :mod:`deepgrad.sklearn` for the mapping of ``alpha`` and the output layer.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .. import activations, optimizers
from ..callbacks import EarlyStopping
from ..layers import Dense, Dropout, Input
from ..regularizers import L2
from ..training.sequential import Sequential
from ..common.rng import as_generator
from ._validation import validate_data

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]

_ACTIVATION_NAMES = set(activations.ACTIVATIONS) | set(activations.ALIASES)
_OPTIMIZER_NAMES = set(optimizers.REGISTRY) | set(optimizers.ALIASES)
_PREDICT_BATCH = 4096


class _NeuralNetEstimator(BaseEstimator):
    """Shared by the two network estimators. Subclasses say how targets become outputs:
    ``_validate_targets(y, continuing)``, ``_set_output_spec(y, classes)`` (sets ``classes_`` /
    ``n_outputs_`` on the first fit), ``_output_layer()`` → ``(units, activation, loss)`` and
    ``_encode_targets(y)`` → the model's training targets.
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(_ACTIVATION_NAMES), callable],
        "optimizer": [StrOptions(_OPTIMIZER_NAMES), optimizers.Optimizer, dict],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "random_state": ["random_state", np.random.Generator],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, optimizer="adam",
                 learning_rate=0.001, batch_size=32, epochs=200, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, alpha=0.0001,
                 dropout=0.0, random_state=None, verbose=0, warm_start=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.alpha = alpha
        self.dropout = dropout
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y):
        """Train for up to ``epochs`` epochs (fewer if the loss stops improving); returns self.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        """
        self._validate_params()
        self._hidden_sizes()
        continuing = self.warm_start and hasattr(self, "model_")
        X, y = self._validate_xy(X, y, reset=not continuing)
        if not continuing:
            self._set_output_spec(y)
            self._initialize(X.shape[1])
        self._train(X, self._encode_targets(y), epochs=self.epochs, stop_early=True)
        return self

    def _partial_fit(self, X, y, classes=None):
        first_call = not hasattr(self, "model_")
        if first_call:
            self._validate_params()
            self._hidden_sizes()
        X, y = self._validate_xy(X, y, reset=first_call)
        if first_call:
            self._set_output_spec(y, classes)
            self._initialize(X.shape[1])
        self._train(X, self._encode_targets(y), epochs=1, stop_early=False)
        return self

    def _validate_xy(self, X, y, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float64, multi_output=self._multi_output,
                             y_numeric=not self._is_classifier)
        return X, self._validate_targets(y, continuing=not reset)

    def _hidden_sizes(self) -> list[int]:
        """``hidden_layer_sizes`` as a list of ints >= 1 (scikit-learn's constraint only says
        "an int or array-like"), checked before the data."""
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes, dtype=object)).tolist()
        for i, units in enumerate(sizes):
            if isinstance(units, bool) or not isinstance(units, Integral) or units < 1:
                raise ValueError(f"hidden_layer_sizes must hold ints >= 1; hidden_layer_sizes[{i}] "
                                 f"is {units!r} (in {self.hidden_layer_sizes!r})")
        return [int(units) for units in sizes]

    def _initialize(self, n_features: int) -> None:
        """Fresh model, optimizer, random generator and training record."""
        self._rng = as_generator(self.random_state, "random_state")
        self._penalty = L2(0.0)  # one shared penalty; its strength is set for each training call
        layers = [Input((n_features,), dtype="float64")]
        for units in self._hidden_sizes():
            layers.append(Dense(int(units), self.activation, kernel_regularizer=self._penalty,
                                seed=self._rng, dtype="float64"))
            if self.dropout > 0:
                layers.append(Dropout(self.dropout, seed=self._rng))
        units, output_activation, loss = self._output_layer()
        layers.append(Dense(units, output_activation, kernel_regularizer=self._penalty,
                            seed=self._rng, dtype="float64"))
        self.model_ = Sequential(layers)
        self.model_.compile(optimizer=self._make_optimizer(), loss=loss)
        self.n_iter_ = 0
        self.loss_curve_ = []
        self.history_ = {}

    def _make_optimizer(self) -> optimizers.Optimizer:
        if isinstance(self.optimizer, str):
            return type(optimizers.get(self.optimizer))(learning_rate=self.learning_rate)
        chosen = optimizers.get(self.optimizer)  # a fresh copy: the parameter is never mutated
        return type(chosen).from_config(chosen.get_config())

    def _train(self, X, targets, *, epochs: int, stop_early: bool) -> None:
        validation_data = None
        if stop_early and self.early_stopping:
            X, X_val, targets, targets_val = self._validation_split(X, targets)
            validation_data = (X_val, targets_val)
        callbacks = []
        if stop_early:  # scikit-learn's constraints let bools and NumPy scalars through
            callbacks.append(EarlyStopping(
                monitor="val_loss" if self.early_stopping else "loss",
                min_delta=float(self.tol), patience=int(self.n_iter_no_change),
                restore_best_weights=bool(self.early_stopping)))
        self._penalty.l2 = self.alpha / (2.0 * len(X))
        batch_size = 200 if self.batch_size == "auto" else int(self.batch_size)
        batch_size = min(batch_size, len(X))
        history = self.model_.fit(X, targets, batch_size=batch_size, epochs=int(epochs),
                                  verbose=min(int(self.verbose), 2), callbacks=callbacks,
                                  validation_data=validation_data, shuffle=True, seed=self._rng)
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        self.loss_curve_.extend(float(v) for v in history.history["loss"])
        self.n_iter_ += len(history.history["loss"])

    def _validation_split(self, X, targets):
        labels = targets.reshape(len(targets), -1)[:, 0]
        counts = np.unique(labels, return_counts=True)[1]
        n_validation = int(np.ceil(self.validation_fraction * len(labels)))
        # scikit-learn stratifies only when each part can hold every class
        can_stratify = (self._is_classifier and counts.min() >= 2
                        and len(counts) <= min(n_validation, len(labels) - n_validation))
        stratify = labels if can_stratify else None
        seed = int(self._rng.integers(2**31 - 1))
        return train_test_split(X, targets, test_size=self.validation_fraction,
                                random_state=seed, stratify=stratify)

    def _forward(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.model_.predict(X, batch_size=max(1, min(len(X), _PREDICT_BATCH))).astype(np.float64)


class NeuralNetClassifier(ClassifierMixin, _NeuralNetEstimator):
    """Multi-layer perceptron classifier on deepgrad, with scikit-learn's estimator API.

    Hidden ``Dense`` layers of ``hidden_layer_sizes`` units with ``activation`` (each followed by
    ``Dropout(dropout)`` when ``dropout > 0``), then 1 sigmoid unit (2 classes, binary
    cross-entropy) or one softmax unit per class (sparse categorical cross-entropy).

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default (100,)
        Units of each hidden layer; ``()`` gives logistic (softmax) regression.
    activation : str or callable, default "relu"
        A :mod:`deepgrad.activations` name (scikit-learn's "logistic" and "identity" work).
    optimizer : str, dict or Optimizer, default "adam"
        A name is built with ``learning_rate``; an object or config keeps its own settings.
    learning_rate : float, default 0.001
    batch_size : int or "auto", default 32
        Keras's default; "auto" is ``min(200, n_samples)`` like ``MLPClassifier``. Clipped to
        ``n_samples``.
    epochs : int, default 200
        Most epochs per ``fit`` call (``partial_fit`` runs one).
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified) and stop when the validation
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs, keeping the best
        weights. Without it, ``fit`` stops when the training loss stalls that way.
    validation_fraction : float in (0, 1), default 0.1
    n_iter_no_change : int, default 10
    tol : float, default 1e-4
    alpha : float, default 1e-4
        L2 strength, scikit-learn's meaning (see the module docstring for the mapping).
    dropout : float in [0, 1), default 0.0
    random_state : None, int or numpy.random.Generator
        Seeds the weights, dropout, shuffling and validation split.
    verbose : int, default 0
        Passed to ``Sequential.fit`` (capped at 2).
    warm_start : bool, default False
        ``fit`` continues from the current model instead of building a new one.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    model_ : deepgrad.Sequential
    history_ : dict of str to list of float
        ``Sequential.fit``'s per-epoch logs, over all training calls.
    loss_curve_ : list of float
        Training loss (with the L2 penalty) of each epoch.
    n_iter_ : int
        Epochs run.
    n_outputs_ : int
        1 (one label per sample).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (a pandas DataFrame).

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> model = NeuralNetClassifier((16, 16), learning_rate=0.01, epochs=50, random_state=0)
    >>> model.fit(X, y).score(X, y)
    1.0
    >>> model.predict_proba(X[:2]).shape
    (2, 2)
    """

    _is_classifier = True
    _multi_output = False

    def partial_fit(self, X, y, classes=None):
        """Train one epoch on ``(X, y)``; ``classes`` (all labels) is needed on the first call."""
        if not hasattr(self, "model_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if hasattr(self, "model_") and classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes={list(classes)} differs from classes_ = {self.classes_.tolist()} "
                             "of the earlier calls")
        return self._partial_fit(X, y, classes)

    def _validate_targets(self, y, continuing):
        check_classification_targets(y)
        if continuing:
            unknown = np.setdiff1d(y, self.classes_)
            if len(unknown):
                raise ValueError(f"y holds labels not seen in the first fit (classes_ = "
                                 f"{self.classes_.tolist()}): {unknown[:5].tolist()}")
        return y

    def _set_output_spec(self, y, classes=None) -> None:
        given = np.unique(y) if classes is None else np.unique(np.asarray(classes))
        if classes is not None and len(np.setdiff1d(y, given)):
            raise ValueError(f"y holds labels missing from classes={given.tolist()}: "
                             f"{np.setdiff1d(y, given)[:5].tolist()}")
        if len(given) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes to learn; got 1 class: "
                             f"{given.tolist()}")
        self.classes_ = given
        self.n_outputs_ = 1

    def _output_layer(self):
        if len(self.classes_) == 2:
            return 1, "sigmoid", "binary_crossentropy"
        return len(self.classes_), "softmax", "sparse_categorical_crossentropy"

    def _encode_targets(self, y):
        index = np.searchsorted(self.classes_, y)
        return index.astype(np.float64).reshape(-1, 1) if len(self.classes_) == 2 else index

    def predict_proba(self, X):
        """Probability of each class, shape (n_samples, n_classes), columns as ``classes_``."""
        out = self._forward(X)
        if len(self.classes_) == 2:
            return np.column_stack([1.0 - out[:, 0], out[:, 0]])
        return out

    def predict(self, X):
        """Most probable class of each sample, shape (n_samples,)."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


class NeuralNetRegressor(RegressorMixin, _NeuralNetEstimator):
    """Multi-layer perceptron regressor on deepgrad, with scikit-learn's estimator API.

    Same parameters and attributes as :class:`NeuralNetClassifier` (no ``classes_``); the output
    layer has one linear unit per target column and the loss is the mean squared error.
    Scale ``X`` (``StandardScaler``) and, for large targets, ``y``
    (``TransformedTargetRegressor``): the network starts with small weights.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 100).reshape(-1, 1)
    >>> model = NeuralNetRegressor((16,), learning_rate=0.01, epochs=100, random_state=0)
    >>> bool(model.fit(X, 2 * X[:, 0] + 1).score(X, 2 * X[:, 0] + 1) > 0.99)
    True
    >>> model.fit(X, np.hstack([X, -X])).predict(X[:3]).shape  # two outputs
    (3, 2)
    """

    _is_classifier = False
    _multi_output = True

    def partial_fit(self, X, y):
        """Train one epoch on ``(X, y)``; the first call builds the model."""
        return self._partial_fit(X, y)

    def _validate_targets(self, y, continuing):
        if continuing and (1 if y.ndim == 1 else y.shape[1]) != self.n_outputs_:
            raise ValueError(f"y must have {self.n_outputs_} output column(s), as in the first fit; "
                             f"got shape {y.shape}")
        return y

    def _set_output_spec(self, y, classes=None) -> None:
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]

    def _output_layer(self):
        return self.n_outputs_, "linear", "mean_squared_error"

    def _encode_targets(self, y):
        return np.asarray(y, dtype=np.float64).reshape(len(y), self.n_outputs_)

    def predict(self, X):
        """Predictions, shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        out = self._forward(X)
        return out[:, 0] if self.n_outputs_ == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True}
