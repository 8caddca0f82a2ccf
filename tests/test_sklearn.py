"""Tests for deepgrad.sklearn: estimator checks, Pipelines, searches, and quality bars."""

import contextlib
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from deepgrad import optimizers  # noqa: E402
from deepgrad.classic import LogisticRegression, Perceptron  # noqa: E402
from deepgrad.layers import Dense, Dropout  # noqa: E402
from deepgrad.sklearn import (  # noqa: E402
    LogisticRegressionClassifier,
    NeuralNetClassifier,
    NeuralNetRegressor,
    PerceptronClassifier,
)

# Small settings keep the ~200 checks fast; learning_rate=0.01 lets 20 epochs reach the checks'
# accuracy (> 0.83) and R² (> 0.5) bars.
CHECKED_ESTIMATORS = [
    NeuralNetClassifier((8,), learning_rate=0.01, epochs=20, random_state=0),
    NeuralNetRegressor((8,), learning_rate=0.01, epochs=20, random_state=0),
    PerceptronClassifier(max_iter=100, random_state=0),
    PerceptronClassifier(rule="loss", max_iter=100),
    LogisticRegressionClassifier(max_iter=100),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(CHECKED_ESTIMATORS)  # no expected failures
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def small_classification(n_classes=2, n_samples=120, seed=0):
    return make_classification(n_samples, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1, random_state=seed)


def test_importing_deepgrad_does_not_import_sklearn():
    code = "import sys, deepgrad; print('sklearn' in sys.modules, 'deepgrad.sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------------- the network estimators
def test_binary_classifier_has_one_sigmoid_unit():
    X, y = small_classification()
    model = NeuralNetClassifier((6, 5), epochs=3, random_state=0).fit(X, y)
    dense = [layer for layer in model.model_.layers if isinstance(layer, Dense)]
    assert [layer.units for layer in dense] == [6, 5, 1]
    assert dense[-1].activation.__name__ == "sigmoid"
    assert type(model.model_.loss).__name__ == "BinaryCrossentropy"
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (len(X), 2) and probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert model.n_outputs_ == 1 and model.n_features_in_ == 4
    assert model.n_iter_ == len(model.loss_curve_) == len(model.history_["loss"]) == 3


def test_multiclass_classifier_uses_softmax_and_keeps_labels():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = make_pipeline(StandardScaler(), NeuralNetClassifier((16,), learning_rate=0.01, epochs=40,
                                                                random_state=0)).fit(X, names)
    network = model[-1]
    np.testing.assert_array_equal(network.classes_, ["setosa", "versicolor", "virginica"])
    assert network.model_.layers[-1].units == 3
    assert type(network.model_.loss).__name__ == "SparseCategoricalCrossentropy"
    assert model.predict_proba(X).shape == (150, 3)
    assert model.score(X, names) > 0.9
    assert set(model.predict(X)) <= set(names)


def test_regressor_single_and_multiple_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    Y = np.column_stack([X @ [1.0, -2.0, 0.5], X[:, 0] - X[:, 2]])
    model = NeuralNetRegressor((16,), learning_rate=0.01, epochs=60, random_state=0)
    assert model.fit(X, Y).predict(X).shape == (150, 2)
    assert model.n_outputs_ == 2 and model.model_.layers[-1].units == 2
    assert model.score(X, Y) > 0.9
    assert model.fit(X, Y[:, 0]).predict(X).shape == (150,)
    assert model.n_outputs_ == 1


def test_alpha_maps_to_keras_l2_on_kernels():
    X, y = small_classification(n_samples=100)
    model = NeuralNetClassifier((4,), alpha=0.5, epochs=1, random_state=0).fit(X, y)
    dense = [layer for layer in model.model_.layers if isinstance(layer, Dense)]
    for layer in dense:
        assert layer.kernel_regularizer.l2 == pytest.approx(0.5 / (2 * 100))
        assert layer.bias_regularizer is None
    # The penalty the model adds is alpha/(2·n)·Σ‖W‖², scikit-learn's documented objective.
    squared_norm = sum(float(np.sum(layer.kernel.data ** 2)) for layer in dense)
    penalty = sum(p.item() for p in model.model_.regularization_losses())
    assert penalty == pytest.approx(0.5 / (2 * 100) * squared_norm)


def test_dropout_batch_size_and_optimizer_settings():
    X, y = small_classification(n_samples=90)
    sgd = optimizers.SGD(learning_rate=0.05, momentum=0.9)
    model = NeuralNetClassifier((5, 5), dropout=0.2, batch_size="auto", optimizer=sgd, epochs=2,
                                random_state=0).fit(X, y)
    assert sum(isinstance(layer, Dropout) for layer in model.model_.layers) == 2
    assert model.model_.optimizer is not sgd and model.model_.optimizer.momentum == 0.9
    assert model.optimizer is sgd  # the parameter itself is left alone
    by_name = NeuralNetRegressor((3,), optimizer="sgd", learning_rate=0.02, epochs=1).fit(X, y)
    assert isinstance(by_name.model_.optimizer, optimizers.SGD)
    assert by_name.model_.optimizer.learning_rate == pytest.approx(0.02)


def test_training_stops_when_the_loss_stalls_and_with_early_stopping():
    X, y = small_classification(n_samples=200)
    stalled = NeuralNetClassifier((8,), learning_rate=0.05, epochs=300, tol=1e-2, n_iter_no_change=3,
                                  random_state=0).fit(X, y)
    assert stalled.n_iter_ < 300
    early = NeuralNetClassifier((8,), learning_rate=0.05, epochs=300, early_stopping=True,
                                validation_fraction=0.2, n_iter_no_change=5, random_state=0).fit(X, y)
    assert early.n_iter_ < 300
    assert len(early.history_["val_loss"]) == early.n_iter_


def test_partial_fit_runs_one_epoch_and_needs_classes_first():
    X, y = small_classification(n_samples=60)
    model = NeuralNetClassifier((4,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y)
    model.partial_fit(X[:30], y[:30], classes=[0, 1])
    model.partial_fit(X[30:], y[30:])
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    with pytest.raises(ValueError, match="differs from classes_"):
        model.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not seen in the first fit"):
        model.partial_fit(X, np.where(y == 1, 5, 0))
    regressor = NeuralNetRegressor((4,), random_state=0).partial_fit(X, y.astype(float))
    assert regressor.n_iter_ == 1


def test_warm_start_continues_training():
    X, y = small_classification(n_samples=60)
    model = NeuralNetClassifier((4,), epochs=3, warm_start=True, random_state=0).fit(X, y)
    network = model.model_
    model.fit(X, y)
    assert model.model_ is network and model.n_iter_ == 6 and len(model.loss_curve_) == 6
    model.set_params(warm_start=False).fit(X, y)
    assert model.model_ is not network and model.n_iter_ == 3


def test_same_random_state_gives_identical_models():
    X, y = small_classification()
    first = NeuralNetClassifier((8,), dropout=0.1, epochs=5, random_state=3).fit(X, y)
    second = NeuralNetClassifier((8,), dropout=0.1, epochs=5, random_state=3).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert first.loss_curve_ == second.loss_curve_


# Every parameter, validated by fit before any work in scikit-learn's way (its
# InvalidParameterError is a ValueError and a TypeError), naming the parameter, what it must be
# and what came.
PARAMETERS = [
    (lambda: NeuralNetClassifier(hidden_layer_sizes=(4, 0)), ValueError,
     r"hidden_layer_sizes must hold ints >= 1; hidden_layer_sizes\[1\] is 0 \(in \(4, 0\)\)"),
    (lambda: NeuralNetRegressor(hidden_layer_sizes=[4, True]), ValueError, r"hidden_layer_sizes\[1\] is True"),
    (lambda: NeuralNetClassifier(hidden_layer_sizes="16"), ValueError, "'hidden_layer_sizes' parameter .* Got '16'"),
    (lambda: NeuralNetClassifier(activation="relux"), ValueError, "'activation' parameter of NeuralNetClassifier must be"),
    (lambda: NeuralNetRegressor(optimizer=3), ValueError, "'optimizer' parameter of NeuralNetRegressor must be"),
    (lambda: NeuralNetRegressor(learning_rate=-1.0), ValueError, "'learning_rate' parameter .* Got -1.0"),
    (lambda: NeuralNetClassifier(batch_size="big"), ValueError, "'batch_size' parameter .* Got 'big'"),
    (lambda: NeuralNetClassifier(epochs=0), ValueError, "'epochs' parameter .* Got 0"),
    (lambda: NeuralNetClassifier(early_stopping="yes"), ValueError, "'early_stopping' parameter"),
    (lambda: NeuralNetRegressor(validation_fraction=1.0), ValueError, "'validation_fraction' parameter .* Got 1.0"),
    (lambda: NeuralNetClassifier(n_iter_no_change=0), ValueError, "'n_iter_no_change' parameter .* Got 0"),
    (lambda: NeuralNetClassifier(tol=-1e-4), ValueError, "'tol' parameter .* Got -0.0001"),
    (lambda: NeuralNetRegressor(alpha="0"), ValueError, "'alpha' parameter .* Got '0'"),
    (lambda: NeuralNetClassifier(dropout=1.0), ValueError, "'dropout' parameter .* Got 1.0"),
    (lambda: NeuralNetClassifier(random_state="0"), ValueError, "'random_state' parameter"),
    (lambda: NeuralNetRegressor(verbose=-1), ValueError, "'verbose' parameter"),
    (lambda: NeuralNetClassifier(warm_start="no"), ValueError, "'warm_start' parameter"),
    (lambda: PerceptronClassifier(rule="hinge"), ValueError, "'rule' parameter of PerceptronClassifier must be"),
    (lambda: PerceptronClassifier(learning_rate=0), ValueError, "'learning_rate' parameter"),
    (lambda: PerceptronClassifier(max_iter=1.5), ValueError, "'max_iter' parameter"),
    (lambda: PerceptronClassifier(shuffle=None), ValueError, "'shuffle' parameter"),
    (lambda: PerceptronClassifier(random_state=-1), ValueError, "'random_state' parameter"),
    (lambda: PerceptronClassifier(fit_intercept="yes"), ValueError, "'fit_intercept' parameter"),
    (lambda: LogisticRegressionClassifier(learning_rate="0.1"), ValueError, "'learning_rate' parameter"),
    (lambda: LogisticRegressionClassifier(max_iter=0), ValueError, "'max_iter' parameter"),
    (lambda: LogisticRegressionClassifier(tol=-1), ValueError, "'tol' parameter"),
    (lambda: LogisticRegressionClassifier(fit_intercept=0), ValueError, "'fit_intercept' parameter"),
    (lambda: LogisticRegressionClassifier(random_state=1.5), ValueError, "'random_state' parameter"),
]


@pytest.mark.parametrize("make, error, message", PARAMETERS, ids=[str(i) for i in range(len(PARAMETERS))])
def test_bad_parameters_raise_in_fit_before_any_work(make, error, message):
    X, y = small_classification(n_samples=30)
    model = make()  # stored unchanged, as scikit-learn requires
    with pytest.raises(error, match=message):
        model.fit(X, y)
    assert not hasattr(model, "model_") and not hasattr(model, "coef_")


def test_unfitted_models_refuse_to_predict_and_one_class_is_named():
    X, _ = small_classification(n_samples=30)
    with pytest.raises(NotFittedError):
        NeuralNetClassifier().predict(X)
    with pytest.raises(ValueError, match="1 class"):
        NeuralNetClassifier(epochs=1).fit(X, np.zeros(len(X)))


def test_early_stopping_on_few_samples_does_not_try_to_stratify():
    """A validation part too small to hold every class is drawn without stratification."""
    X, y = small_classification(n_samples=8)
    model = NeuralNetClassifier((4,), early_stopping=True, epochs=2, random_state=0).fit(X, y)
    assert model.n_iter_ == 2


def test_feature_names_are_recorded_for_dataframes():
    pandas = pytest.importorskip("pandas")
    X, y = small_classification(n_samples=40)
    frame = pandas.DataFrame(X, columns=["a", "b", "c", "d"])
    for model in (NeuralNetClassifier((3,), epochs=1), LogisticRegressionClassifier(max_iter=1)):
        expected = pytest.warns(ConvergenceWarning) if isinstance(model, LogisticRegression) else contextlib.nullcontext()
        with expected:
            model.fit(frame, y)
        np.testing.assert_array_equal(model.feature_names_in_, ["a", "b", "c", "d"])


# ---------------------------------------------------------------------- the classic wrappers
def test_classic_wrappers_give_the_classic_results():
    X, y = small_classification(seed=4)
    X = StandardScaler().fit_transform(X)
    plain = LogisticRegression(learning_rate=1.0).fit(X, y)
    wrapped = LogisticRegressionClassifier(learning_rate=1.0).fit(X, y)
    np.testing.assert_array_equal(plain.coef_, wrapped.coef_)
    assert isinstance(wrapped, LogisticRegression)
    perceptron, reference = PerceptronClassifier(rule="loss", max_iter=30), Perceptron(rule="loss", max_iter=30)
    for model in (perceptron, reference):
        with pytest.warns(ConvergenceWarning):  # not separable in these two features
            model.fit(X[:, :2], y)
    np.testing.assert_array_equal(perceptron.coef_, reference.coef_)
    assert perceptron.decision_boundary().kind == "line"
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        PerceptronClassifier().fit(*small_classification(n_classes=3))


# ---------------------------------------------------------------------- Pipeline, search, clone
@pytest.mark.parametrize("estimator", CHECKED_ESTIMATORS, ids=repr)
def test_clone_and_params_round_trip(estimator):
    params = estimator.get_params()
    copy = clone(estimator)
    assert copy is not estimator and copy.get_params() == params
    assert type(estimator)().set_params(**params).get_params() == params


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("scaler", [StandardScaler, MinMaxScaler])
def test_pipelines_with_scaling(scaler):
    X, y = small_classification(seed=1)
    X = X * [1.0, 100.0, 0.01, 10.0] + 50.0  # badly scaled features: the notes' "do scaling"
    for estimator in (NeuralNetClassifier((8,), learning_rate=0.01, epochs=30, random_state=0),
                      PerceptronClassifier(max_iter=50, random_state=0),
                      LogisticRegressionClassifier(learning_rate=0.5, max_iter=2000)):
        pipeline = make_pipeline(scaler(), estimator).fit(X, y)
        assert pipeline.score(X, y) > 0.8


def test_grid_search_over_network_and_classic_parameters():
    X, y = small_classification(n_samples=90)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), NeuralNetClassifier(epochs=5, random_state=0)),
        {"neuralnetclassifier__hidden_layer_sizes": [(4,), (8,)]},
        cv=3,
    ).fit(X, y)
    assert search.best_params_["neuralnetclassifier__hidden_layer_sizes"] in [(4,), (8,)]
    assert search.best_estimator_[-1].n_iter_ == 5
    search = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegressionClassifier()),
                          {"logisticregressionclassifier__learning_rate": [1.0, 2.0]}, cv=3).fit(X, y)
    assert search.best_score_ > 0.8


# ---------------------------------------------------------------------- quality bars
def test_classifier_quality_on_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
    model = make_pipeline(StandardScaler(), NeuralNetClassifier(alpha=10.0, epochs=50, random_state=0))
    assert model.fit(X_train, y_train).score(X_test, y_test) >= 0.96  # 0.982 (scikit-learn's LR: 0.982)


def test_regressor_quality_on_diabetes():
    X, y = load_diabetes(return_X_y=True)
    model = TransformedTargetRegressor(
        make_pipeline(StandardScaler(), NeuralNetRegressor((16,), alpha=10.0, epochs=50, random_state=0)),
        transformer=StandardScaler(),
    )
    r2 = cross_val_score(model, X, y, cv=KFold(5, shuffle=True, random_state=0))
    assert r2.mean() >= 0.45  # 0.490 (ordinary least squares: 0.489)
