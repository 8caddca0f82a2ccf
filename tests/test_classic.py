"""Tests for deepgrad.classic: the perceptron (trick and loss rules) and logistic regression."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

from deepgrad.classic import DecisionBoundary, LogisticRegression, NotFittedError, Perceptron
from deepgrad.classic.base import convergence_warning_category
from deepgrad.classic.logistic import log_loss_and_gradient

ConvergenceWarning = convergence_warning_category()

AND_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND_Y = np.array([0, 0, 0, 1])
XOR_Y = np.array([0, 1, 1, 0])


def separable_blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal((-2.0, -2.0), 0.5, (n // 2, 2)), rng.normal((2.0, 2.0), 0.5, (n // 2, 2))])
    return X, np.repeat([0, 1], n // 2)


def overlapping_classes(n=500, seed=0):
    """Standardised features whose classes overlap (unpenalised log-loss has a finite optimum)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    z = X @ np.array([1.5, -1.0, 0.5, 0.0]) + 0.3
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(int)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


# ---------------------------------------------------------------------- perceptron trick
def test_perceptron_trick_first_updates_by_hand():
    # Weights (b, w1, w2) start at 0; step(0) = 1. Epoch 1, in order:
    #   (0,0) y=0: z=0 → ŷ=1, mistake: w ← w − 1·(1,0,0) = (−1, 0, 0)
    #   (0,1) y=0: z=−1 → ŷ=0 ok;  (1,0) y=0: z=−1 ok
    #   (1,1) y=1: z=−1 → ŷ=0, mistake: w ← w + (1,1,1) = (0, 1, 1)
    with pytest.warns(ConvergenceWarning):
        one_epoch = Perceptron(shuffle=False, max_iter=1).fit(AND_X, AND_Y)
    assert one_epoch.intercept_ == 0.0
    np.testing.assert_array_equal(one_epoch.coef_, [1.0, 1.0])
    assert one_epoch.errors_ == [2]
    # Epoch 2: (0,0) z=0 → mistake → (−1,1,1); (0,1) z=0 → mistake → (−2,1,0);
    #          (1,0) z=−1 ok; (1,1) z=−1 → mistake → (−1,2,1).
    with pytest.warns(ConvergenceWarning):
        two_epochs = Perceptron(shuffle=False, max_iter=2).fit(AND_X, AND_Y)
    assert two_epochs.intercept_ == -1.0
    np.testing.assert_array_equal(two_epochs.coef_, [2.0, 1.0])
    assert two_epochs.errors_ == [2, 3]


def test_perceptron_trick_learning_rate_scales_weights_not_predictions():
    unit = Perceptron(shuffle=False).fit(AND_X, AND_Y)
    half = Perceptron(shuffle=False, learning_rate=0.5).fit(AND_X, AND_Y)
    np.testing.assert_allclose(half.coef_, 0.5 * unit.coef_)
    assert half.intercept_ == 0.5 * unit.intercept_
    assert half.errors_ == unit.errors_


@pytest.mark.parametrize("rule", ["trick", "loss"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_separable_data_converge_with_zero_errors(rule, shuffle):
    X, y = separable_blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = Perceptron(rule=rule, shuffle=shuffle, random_state=0).fit(X, y)
    assert model.converged_
    assert model.errors_[-1] == 0 and all(e > 0 for e in model.errors_[:-1])
    assert model.n_iter_ == len(model.errors_) < model.max_iter
    assert model.score(X, y) == 1.0
    assert model.coef_.shape == (2,) and isinstance(model.intercept_, float)


def test_perceptron_loss_rule_first_step_is_the_notes_gradient():
    X, y = separable_blobs(n=10, seed=1)
    with pytest.warns(ConvergenceWarning):
        model = Perceptron(rule="loss", max_iter=1, learning_rate=0.1).fit(X, y)
    # At w = 0 every point has y·f = 0, so every point contributes: ∂L/∂w = −(1/n)·Σ yᵢ·xᵢ.
    signs = np.where(y == 1, 1.0, -1.0)
    np.testing.assert_allclose(model.coef_, 0.1 * (signs @ X) / len(X))
    assert model.intercept_ == pytest.approx(0.1 * signs.mean())
    assert model.errors_ == [len(X)]
    assert model.perceptron_loss(X, y) == pytest.approx(
        np.mean(np.maximum(0.0, -signs * (X @ model.coef_ + model.intercept_))))


@pytest.mark.parametrize("rule", ["trick", "loss"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_xor_is_reported_as_not_linearly_separable_and_stops_on_a_cycle(rule, shuffle):
    with pytest.warns(ConvergenceWarning, match="appear not to be linearly separable") as record:
        model = Perceptron(rule=rule, shuffle=shuffle, random_state=0).fit(AND_X, XOR_Y)
    assert "repeat an earlier epoch" in str(record[0].message)
    assert not model.converged_
    assert model.n_iter_ < 20  # the cycle check stops it long before max_iter=1000
    assert model.score(AND_X, XOR_Y) < 1.0


def test_non_separable_data_stop_at_max_iter():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = rng.integers(0, 2, 40)
    with pytest.warns(ConvergenceWarning, match="max_iter=5.*appear not to be linearly separable"):
        model = Perceptron(max_iter=5, random_state=0).fit(X, y)
    assert model.n_iter_ == 5 and len(model.errors_) == 5 and not model.converged_


def test_perceptron_is_reproducible_with_random_state():
    X, y = separable_blobs(seed=3)
    first = Perceptron(random_state=7).fit(X, y)
    second = Perceptron(random_state=7).fit(X, y)
    assert first.errors_ == second.errors_
    np.testing.assert_array_equal(first.coef_, second.coef_)


def test_without_intercept_the_boundary_passes_through_the_origin():
    X, y = separable_blobs()
    model = Perceptron(fit_intercept=False).fit(X, y)
    assert model.intercept_ == 0.0 and model.converged_


# ---------------------------------------------------------------------- labels and validation
def test_any_two_labels_are_kept_in_classes_():
    model = Perceptron(shuffle=False).fit(AND_X, np.array(["no", "no", "no", "yes"]))
    np.testing.assert_array_equal(model.classes_, ["no", "yes"])
    np.testing.assert_array_equal(model.predict(AND_X), ["no", "no", "no", "yes"])
    with pytest.warns(ConvergenceWarning):  # AND is separable: the weights would grow forever
        model = LogisticRegression(max_iter=20).fit(AND_X, np.array([-1, -1, -1, 1]))
    np.testing.assert_array_equal(model.classes_, [-1, 1])


@pytest.mark.parametrize("estimator", [Perceptron(), LogisticRegression()])
def test_more_than_two_classes_is_a_clear_error(estimator):
    with pytest.raises(ValueError, match="Only binary classification is supported.*3 classes"):
        estimator.fit(AND_X, [0, 1, 2, 1])
    with pytest.raises(ValueError, match="two classes.*1 class"):
        estimator.fit(AND_X, [1, 1, 1, 1])


# Every parameter of both models: stored unchanged by the constructor, checked by fit before any
# work, with its name, what was expected and what came (scikit-learn's convention).
PARAMETERS = [
    (Perceptron, {"rule": "hinge"}, ValueError, "rule must be 'trick' or 'loss'; got 'hinge'"),
    (Perceptron, {"rule": None}, TypeError, "rule must be 'trick' or 'loss'; got NoneType None"),
    (Perceptron, {"learning_rate": 0.0}, ValueError, "learning_rate must be a finite number > 0; got 0.0"),
    (Perceptron, {"learning_rate": "1"}, TypeError, "learning_rate must be a finite number > 0; got str '1'"),
    (Perceptron, {"max_iter": 0}, ValueError, "max_iter must be an int >= 1; got 0"),
    (Perceptron, {"max_iter": 10.0}, TypeError, "max_iter must be an int >= 1; got float 10.0"),
    (Perceptron, {"shuffle": "yes"}, TypeError, "shuffle must be True or False; got str 'yes'"),
    (Perceptron, {"random_state": "0"}, TypeError,
     "random_state must be None, an int >= 0 or a numpy.random.Generator; got str '0'"),
    (Perceptron, {"random_state": -1}, ValueError, "random_state must be None, an int >= 0 .*; got -1"),
    (Perceptron, {"fit_intercept": 1}, TypeError, "fit_intercept must be True or False; got int 1"),
    (LogisticRegression, {"learning_rate": -0.1}, ValueError, "learning_rate must be a finite number > 0; got -0.1"),
    (LogisticRegression, {"max_iter": None}, TypeError, "max_iter must be an int >= 1; got NoneType None"),
    (LogisticRegression, {"tol": -1.0}, ValueError, "tol must be a finite number >= 0; got -1.0"),
    (LogisticRegression, {"tol": "1e-6"}, TypeError, "tol must be a finite number >= 0; got str '1e-6'"),
    (LogisticRegression, {"fit_intercept": "no"}, TypeError, "fit_intercept must be True or False"),
    (LogisticRegression, {"random_state": 2.5}, TypeError, "random_state must be None, an int >= 0"),
]


@pytest.mark.parametrize("cls, params, error, message", PARAMETERS, ids=[str(i) for i in range(len(PARAMETERS))])
def test_bad_parameters_fail_in_fit_not_in_init(cls, params, error, message):
    model = cls(**params)  # stored unchanged
    assert model.get_params()[next(iter(params))] is next(iter(params.values()))
    with pytest.raises(error, match=message):
        model.fit(AND_X, AND_Y)
    assert not hasattr(model, "coef_")


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="X must have shape"):
        Perceptron().fit([1.0, 2.0], [0, 1])
    with pytest.raises(ValueError, match=r"X must be finite; X\[1, 0\]"):
        Perceptron().fit([[0.0], [np.nan]], [0, 1])
    with pytest.raises(ValueError, match="one label per row"):
        Perceptron().fit(AND_X, [0, 1])
    model = Perceptron().fit(AND_X, AND_Y)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        model.predict([[1.0, 2.0, 3.0]])
    with pytest.raises(NotFittedError):
        Perceptron().predict(AND_X)
    with pytest.raises(NotFittedError):
        LogisticRegression().decision_boundary()


def test_params_protocol_and_sklearn_clone():
    model = Perceptron(rule="loss", max_iter=7)
    assert model.get_params() == {"fit_intercept": True, "learning_rate": 1.0, "max_iter": 7,
                                  "random_state": None, "rule": "loss", "shuffle": True}
    assert model.set_params(max_iter=9) is model and model.max_iter == 9
    with pytest.raises(ValueError, match="invalid parameter 'epochs'"):
        model.set_params(epochs=3)
    assert repr(model) == "Perceptron(max_iter=9, rule='loss')"
    clone = pytest.importorskip("sklearn.base").clone
    copy = clone(LogisticRegression(tol=1e-3))
    assert isinstance(copy, LogisticRegression) and copy.tol == 1e-3


def test_convergence_warning_is_deepgrads_and_sklearns():
    from deepgrad.classic import ConvergenceWarning as DeepgradConvergenceWarning

    assert issubclass(ConvergenceWarning, DeepgradConvergenceWarning)
    sklearn_exceptions = pytest.importorskip("sklearn.exceptions")
    assert issubclass(ConvergenceWarning, sklearn_exceptions.ConvergenceWarning)
    with pytest.warns(sklearn_exceptions.ConvergenceWarning):
        Perceptron(max_iter=1).fit(AND_X, XOR_Y)


def test_importing_classic_does_not_import_sklearn():
    code = "import sys, deepgrad, deepgrad.classic; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------- decision boundaries
def test_decision_boundary_in_two_dimensions():
    boundary = Perceptron(shuffle=False).fit(AND_X, AND_Y).decision_boundary()
    assert boundary.kind == "line"
    assert boundary.equation == "2·x1 + 1·x2 - 3 = 0"
    assert str(boundary) == boundary.description == "line: x2 = -2·x1 + 3"
    np.testing.assert_array_equal(boundary.coef, [2.0, 1.0])
    assert boundary.intercept == -3.0


@pytest.mark.parametrize("coef, intercept, kind, description", [
    ([2.0], -1.0, "point", "point: x1 = 0.5"),
    ([2.0, 0.0], -4.0, "line", "line: x1 = 2"),
    ([1.0, 2.0, -4.0], 2.0, "plane", "plane: x3 = 0.25·x1 + 0.5·x2 + 0.5"),
    ([1.0, 0.0, 0.0, -1.5], 0.0, "hyperplane", "hyperplane in 4 dimensions: 1·x1 - 1.5·x4 = 0"),
    ([0.0, 0.0], 1.0, "none", "no boundary: every weight is zero, so every point gets the same class"),
])
def test_decision_boundary_kinds(coef, intercept, kind, description):
    boundary = DecisionBoundary.from_coefficients(coef, intercept)
    assert (boundary.kind, boundary.description) == (kind, description)


# ---------------------------------------------------------------------- logistic regression
def test_seed_004_logistic_neuron():
    # x = (2, 1, 3), w = (1, 2, 1), b = −1 → z = 2 + 2 + 3 − 1 = 6, σ(6) = 0.99753
    model = LogisticRegression()
    model.coef_, model.intercept_ = np.array([[1.0, 2.0, 1.0]]), np.array([-1.0])
    model.classes_, model.n_features_in_ = np.array([0, 1]), 3
    x = np.array([[2.0, 1.0, 3.0]])
    assert model.decision_function(x)[0] == 6.0
    assert model.predict_proba(x)[0, 1] == pytest.approx(0.99753, abs=5e-6)
    assert model.predict(x)[0] == 1


def test_autograd_gradient_matches_the_closed_form():
    X, y = overlapping_classes(n=50)
    rng = np.random.default_rng(1)
    coef, intercept = rng.normal(size=4), 0.3
    loss, coef_gradient, intercept_gradient = log_loss_and_gradient(X, y.astype(float), coef, intercept)
    z = X @ coef + intercept
    a = 1.0 / (1.0 + np.exp(-z))
    np.testing.assert_allclose(coef_gradient, X.T @ (a - y) / len(X), rtol=1e-10, atol=1e-12)
    assert intercept_gradient == pytest.approx(np.mean(a - y), rel=1e-10)
    assert loss == pytest.approx(-np.mean(y * np.log(a) + (1 - y) * np.log(1 - a)), rel=1e-10)


def _unpenalised_sklearn_logistic_regression():
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    import sklearn

    major, minor = (int(part) for part in sklearn.__version__.split(".")[:2])
    no_penalty = {"C": np.inf} if (major, minor) >= (1, 8) else {"penalty": None}
    return sklearn_linear.LogisticRegression(**no_penalty, tol=1e-12, max_iter=10_000)


def test_logistic_regression_matches_sklearn_unpenalised():
    X, y = overlapping_classes()
    ours = LogisticRegression().fit(X, y)  # defaults
    reference = _unpenalised_sklearn_logistic_regression().fit(X, y)
    assert ours.converged_
    assert ours.coef_.shape == (1, 4) and ours.intercept_.shape == (1,)
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, atol=1e-3)
    np.testing.assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-4)


def test_logistic_regression_training_record():
    X, y = overlapping_classes(n=200, seed=2)
    model = LogisticRegression(learning_rate=0.5).fit(X, y)
    assert model.n_iter_ == len(model.loss_curve_) > 1
    assert model.loss_curve_[0] == pytest.approx(np.log(2.0))  # σ(0) = ½ for every sample
    assert np.all(np.diff(model.loss_curve_) <= 1e-12)  # a small enough step never goes uphill
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (200, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), (model.decision_function(X) > 0).astype(int))
    assert model.score(X, y) > 0.7
    assert model.decision_boundary().kind == "hyperplane"


def test_logistic_regression_without_intercept():
    X, y = overlapping_classes(n=200)
    model = LogisticRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_array_equal(model.intercept_, [0.0])


def test_logistic_regression_on_separable_data_warns():
    X, y = separable_blobs()
    with pytest.warns(ConvergenceWarning, match="did not converge.*separable"):
        model = LogisticRegression(max_iter=50).fit(X, y)
    assert not model.converged_ and model.n_iter_ == 50
    assert model.score(X, y) == 1.0

