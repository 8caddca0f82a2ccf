"""deepgrad.tuner: KerasTuner's surface on Optuna — the space, the four tuners, the results, and a
search that survives SIGKILL and is shared by processes."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

optuna = pytest.importorskip("optuna", reason='the tuner needs Optuna: pip install "deepgrad[tune]"')

import deepgrad as dg
from deepgrad.callbacks import EarlyStopping
from deepgrad.tuner import (
    BayesianOptimization,
    GridSearch,
    Hyperband,
    HyperModel,
    HyperParameters,
    Objective,
    RandomSearch,
)
from deepgrad.tuner.hypermodel import BuildError
from deepgrad.tuner.objective import ObjectiveError
from deepgrad.tuner.tuners import hyperband_trials

ROOT = Path(__file__).resolve().parents[1]


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.float64)[:, None]
    return x, y


def build_model(hp):
    model = dg.Sequential([dg.layers.Input((3,)),
                           dg.layers.Dense(hp.Int("units", 2, 16, step=2), activation="tanh"),
                           dg.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=dg.optimizers.Adam(hp.Float("learning_rate", 1e-3, 1e-1,
                                                        sampling="log")),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _tuner(cls, tmp_path, **kwargs):
    kwargs.setdefault("objective", "val_loss")
    return cls(kwargs.pop("hypermodel", build_model), directory=str(tmp_path),
               project_name=kwargs.pop("project_name", "search"), seed=kwargs.pop("seed", 0),
               **kwargs)


def _search(tuner, **kwargs):
    x, y = _data()
    kwargs.setdefault("epochs", 3)
    kwargs.setdefault("validation_split", 0.25)
    kwargs.setdefault("verbose", 0)
    tuner.search(x, y, **kwargs)


# ---------------------------------------------------------------------- HyperParameters
class TestHyperParameters:
    def test_defaults_without_a_search(self):
        hp = HyperParameters()
        assert hp.Int("units", 8, 64, step=8) == 8
        assert hp.Float("lr", 1e-4, 1e-2, sampling="log") == 1e-4
        assert hp.Choice("act", ["relu", "tanh"]) == "relu"
        assert hp.Boolean("bn") is False
        assert hp.Fixed("layers", 2) == 2
        assert hp.Int("units", 8, 64, step=8) == 8  # the same name again: the same value
        assert hp.values == {"units": 8, "lr": 1e-4, "act": "relu", "bn": False, "layers": 2}
        assert [d.kind for d in hp.space] == ["Int", "Float", "Choice", "Boolean", "Fixed"]
        assert hp["act"] == hp.get("act") == "relu" and "bn" in hp

    def test_given_values_and_defaults(self):
        hp = HyperParameters({"units": 32})
        assert hp.Int("units", 8, 64, default=16) == 32
        assert hp.Int("depth", 1, 3, default=2) == 2

    def test_conditional_scope(self):
        hp = HyperParameters({"model": "cnn"})
        hp.Choice("model", ["mlp", "cnn"])
        with hp.conditional_scope("model", ["mlp"]):
            assert hp.Int("mlp_units", 4, 8) == 4
        with hp.conditional_scope("model", "cnn"):
            assert hp.Int("filters", 16, 32, default=16) == 16
        assert hp.values == {"model": "cnn", "filters": 16}
        assert not hp.is_active("mlp_units") and hp.get("mlp_units") == 4
        assert hp.space[1].conditions == (("model", ("mlp",)),)

    @pytest.mark.parametrize("call, error, words", [
        (lambda hp: hp.Int("u", 8, 4), ValueError, "min_value of 'u' (8) must not be above"),
        (lambda hp: hp.Int("u", 1.5, 4), TypeError, "min_value of 'u' must be an int"),
        (lambda hp: hp.Float("lr", 0.0, 1.0, sampling="log"), ValueError, "needs min_value > 0"),
        (lambda hp: hp.Float("lr", 0.1, 1.0, sampling="exp"), ValueError, "'linear', 'log' or 'reverse_log'"),
        (lambda hp: hp.Int("u", 1, 9, step=0), ValueError, "step of 'u' must be > 0"),
        (lambda hp: hp.Int("u", 1, 9, default=10), ValueError, "default of 'u' must lie in"),
        (lambda hp: hp.Choice("a", []), TypeError, "non-empty list"),
        (lambda hp: hp.Choice("a", [1, "x"]), TypeError, "of one type"),
        (lambda hp: hp.Choice("a", [1, 1]), ValueError, "distinct"),
        (lambda hp: hp.Choice("a", [1, 2], default=3), ValueError, "one of its values"),
        (lambda hp: hp.Fixed("a", [1]), TypeError, "value of 'a' must be None"),
        (lambda hp: hp.Boolean("b", default=1), TypeError, "default of 'b' must be a bool"),
        (lambda hp: hp.Int(3, 1, 2), TypeError, "name must be"),
        (lambda hp: hp.conditional_scope("nope", [1]).__enter__(), ValueError, "define it first"),
    ])
    def test_bad_definitions_are_refused_with_the_name(self, call, error, words):
        with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
            call(HyperParameters())

    def test_a_name_defined_again_keeps_its_first_definition(self):
        hp = HyperParameters()
        assert hp.Fixed("units", 64) == 64
        assert hp.Int("units", 1, 8) == 64  # as KerasTuner: the first definition wins
        assert [d.kind for d in hp.space] == ["Fixed"]

    def test_values_can_be_set_and_numpy_numbers_are_taken(self):
        hp = HyperParameters()
        hp.values["units"] = 128
        assert hp.Int("units", np.int64(32), 512.0 / 2) == 128
        assert hp.Choice("filters", np.arange(32, 129, 32)) == 32
        assert hp.space[0].max_value == 256 and type(hp.space[0].max_value) is int
        assert hp.space[1].values == (32, 64, 96, 128)

    def test_grid_values(self):
        hp = HyperParameters()
        hp.Int("u", 2, 8, step=3)
        hp.Int("f", 16, 128, step=2, sampling="log")
        hp.Float("d", 0.0, 0.3, step=0.1)
        assert [d.grid() for d in hp.space] == [[2, 5, 8], [16, 32, 64, 128],
                                                [0.0, 0.1, 0.2, 0.30000000000000004]]
        hp.Float("lr", 1e-3, 1e-1)
        with pytest.raises(ValueError, match="needs a step for the Float 'lr'"):
            hp.space[-1].grid()


# ---------------------------------------------------------------------- objective
@pytest.mark.parametrize("name, direction", [
    ("val_loss", "min"), ("loss", "min"), ("val_accuracy", "max"), ("accuracy", "max"),
    ("val_mae", "min"), ("val_auc", "max"), ("val_out_accuracy", "max"), ("val_out_loss", "min"),
    ("val_mean_squared_error", "min"), ("val_precision", "max")])
def test_direction_is_inferred(name, direction):
    assert Objective(name).direction == direction


def test_direction_given_and_unknown():
    assert Objective("val_score", direction="max").direction == "max"
    with pytest.raises(ValueError, match="cannot tell whether lower or higher"):
        Objective("val_score")
    with pytest.raises(ValueError, match="direction must be 'min' or 'max'"):
        Objective("val_loss", direction="up")


# ---------------------------------------------------------------------- tuners
def test_random_search_results_and_best_model(tmp_path, capsys):
    tuner = _tuner(RandomSearch, tmp_path, objective="val_accuracy", max_trials=4)
    _search(tuner, verbose=1)
    out = capsys.readouterr().out
    assert out.count("Trial ") == 4 and "Search done" in out
    trials = tuner.study.trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 4
    best_hp = tuner.get_best_hyperparameters(4)
    scores = [t.value for t in sorted(trials, key=lambda t: (-t.value, t.number))]
    assert [hp.values for hp in best_hp] == [
        t.user_attrs["hyperparameters"] for t in sorted(trials, key=lambda t: (-t.value, t.number))]
    # the best model holds its best epoch's weights: it scores what the trial recorded
    x, y = _data()
    model = tuner.get_best_models(1)[0]
    val = model.evaluate(x[72:], y[72:], return_dict=True)
    assert val["accuracy"] == pytest.approx(scores[0], abs=1e-6)
    tuner.results_summary(2)
    table = capsys.readouterr().out
    assert "rank" in table and "units" in table and "learning_rate" in table
    assert len([line for line in table.splitlines() if line.strip().startswith(("1 ", "2 "))]) == 2
    # a best hyperparameter set rebuilds the model, as in KerasTuner's tutorials
    rebuilt = tuner.hypermodel.build(best_hp[0])
    assert rebuilt.count_params() == model.count_params()


def test_same_seed_same_search(tmp_path):
    def values(folder):
        tuner = _tuner(RandomSearch, folder, max_trials=3)
        _search(tuner)
        return [t.user_attrs["hyperparameters"] for t in tuner.study.trials], \
            [t.value for t in tuner.study.trials]
    assert values(tmp_path / "a") == values(tmp_path / "b")


def test_grid_search_tries_every_combination_once(tmp_path):
    def grid_model(hp):
        model = dg.Sequential([dg.layers.Input((3,)),
                               dg.layers.Dense(hp.Choice("units", [2, 4, 8]), activation="relu"),
                               dg.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=hp.Choice("optimizer", ["adam", "sgd"]),
                      loss="binary_crossentropy")
        return model
    tuner = _tuner(GridSearch, tmp_path, hypermodel=grid_model)
    _search(tuner, epochs=1)
    seen = sorted((t.params["units"], t.params["optimizer"]) for t in tuner.study.trials)
    assert seen == sorted((u, o) for u in (2, 4, 8) for o in ("adam", "sgd"))


def test_grid_search_needs_steps_for_floats(tmp_path):
    with pytest.raises(ValueError, match="needs a step for the Float 'learning_rate'"):
        _tuner(GridSearch, tmp_path)


def test_bayesian_optimization_runs_tpe(tmp_path):
    tuner = _tuner(BayesianOptimization, tmp_path, max_trials=5, num_initial_points=2)
    _search(tuner)
    assert len(tuner.study.trials) == 5
    assert type(tuner.study.sampler).__name__ == "TPESampler"
    with pytest.raises(ValueError, match="Optuna's samplers set theirs"):
        _tuner(BayesianOptimization, tmp_path, alpha=0.1)


def test_hyperband_prunes_and_reports_each_epoch(tmp_path):
    assert hyperband_trials(10, 3, 1) == 17 and hyperband_trials(81, 3, 2) == 2 * 143
    tuner = _tuner(Hyperband, tmp_path, max_epochs=9, factor=3, max_trials=12)
    _search(tuner, epochs=100)  # Hyperband trains up to max_epochs whatever epochs says
    trials = tuner.study.trials
    assert len(trials) == 12
    assert {t.state.name for t in trials} == {"COMPLETE", "PRUNED"}
    assert max(len(t.intermediate_values) for t in trials) == 9
    pruned = [t for t in trials if t.state.name == "PRUNED"]
    assert all(len(t.intermediate_values) < 9 for t in pruned)


def test_a_hypermodel_tunes_batch_size_and_epochs(tmp_path):
    seen = []

    class Model(HyperModel):
        def build(self, hp):
            return build_model(hp)

        def fit(self, hp, model, *args, **kwargs):
            kwargs["epochs"] = hp.Int("epochs", 1, 3)
            history = model.fit(*args, batch_size=hp.Choice("batch_size", [8, 32]), **kwargs)
            seen.append((kwargs["epochs"], len(history.history["loss"])))
            return history

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=Model(), max_trials=3)
    _search(tuner)
    values = [t.user_attrs["hyperparameters"] for t in tuner.study.trials]
    assert all({"epochs", "batch_size"} <= set(v) for v in values)
    assert all(epochs == ran for epochs, ran in seen)


def test_fit_may_return_the_score(tmp_path):
    class Model(HyperModel):
        def build(self, hp):
            return build_model(hp)

        def fit(self, hp, model, *args, **kwargs):
            model.fit(*args, **kwargs)
            return {"val_loss": hp.get("units") / 100}

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=Model(), max_trials=3)
    _search(tuner)
    assert all(t.value == t.params["units"] / 100 for t in tuner.study.trials)


def test_executions_per_trial_average(tmp_path):
    scores = []

    class Model(HyperModel):
        def build(self, hp):
            return build_model(hp)

        def fit(self, hp, model, *args, **kwargs):
            scores.append(float(len(scores)))
            model.fit(*args, **kwargs)
            return scores[-1]

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=Model(), max_trials=2,
                   executions_per_trial=3)
    _search(tuner)
    assert [t.value for t in tuner.study.trials] == [1.0, 4.0]


def test_search_passes_callbacks_copied_per_trial(tmp_path):
    stop = EarlyStopping(monitor="val_loss", patience=0, min_delta=10.0)
    tuner = _tuner(RandomSearch, tmp_path, max_trials=2)
    _search(tuner, epochs=20, callbacks=[stop])
    assert all(len(t.intermediate_values) == 2 for t in tuner.study.trials)
    assert stop.model is None  # the given callback itself is untouched


def test_a_finite_space_stops_when_every_setting_ran(tmp_path, capsys):
    def small(hp):
        model = dg.Sequential([dg.layers.Input((3,)), dg.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=hp.Choice("optimizer", ["adam", "sgd"]), loss="binary_crossentropy",
                      metrics=["accuracy"])
        return model
    tuner = _tuner(RandomSearch, tmp_path, hypermodel=small, max_trials=10,
                   objective="val_accuracy")
    _search(tuner, verbose=1)
    out = capsys.readouterr().out
    completed = [t for t in tuner.study.trials if "duplicate_of" not in t.user_attrs]
    assert sorted(t.params["optimizer"] for t in completed) == ["adam", "sgd"]
    assert "every setting of the space tried" in out
    assert len(tuner.study.trials) < 10


# ---------------------------------------------------------------------- mistakes
def test_objective_not_logged_stops_at_once(tmp_path):
    tuner = _tuner(RandomSearch, tmp_path, max_trials=3)
    with pytest.raises(ObjectiveError, match="pass validation_data or validation_split"):
        _search(tuner, validation_split=0.0)
    tuner = _tuner(RandomSearch, tmp_path, max_trials=3, objective="val_auc", project_name="b")
    with pytest.raises(ObjectiveError, match="compile the model with that metric"):
        _search(tuner)


def test_build_model_must_return_a_compiled_model(tmp_path):
    with pytest.raises(BuildError, match="is `return model` missing"):
        _tuner(RandomSearch, tmp_path, hypermodel=lambda hp: None, max_trials=1)

    def uncompiled(hp):
        return dg.Sequential([dg.layers.Input((3,)), dg.layers.Dense(1)])
    with pytest.raises(BuildError, match="call model.compile"):
        _tuner(RandomSearch, tmp_path, hypermodel=uncompiled, max_trials=1)


def test_failing_trials_are_recorded_then_stop_the_search(tmp_path):
    def sometimes(hp):
        if hp.Int("units", 2, 16) > 9:
            raise FloatingPointError("too wide")
        return build_model(hp)

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=sometimes, max_trials=8,
                   max_consecutive_failed_trials=8)
    _search(tuner)
    states = {t.state.name for t in tuner.study.trials}
    assert states == {"COMPLETE", "FAIL"}
    failed = [t for t in tuner.study.trials if t.state.name == "FAIL"]
    assert all("too wide" in t.user_attrs["error"] for t in failed)

    def always(hp):
        hp.Int("units", 2, 16)
        if hp._trial is not None:
            raise FloatingPointError("never")
        return build_model(hp)
    tuner = _tuner(RandomSearch, tmp_path, hypermodel=always, max_trials=8, project_name="c")
    with pytest.raises(RuntimeError, match="3 trials in a row failed"):
        _search(tuner)


def test_a_failed_trial_is_retried(tmp_path):
    calls = []

    def flaky(hp):
        units = hp.Int("units", 2, 16)
        if hp._trial is not None:
            calls.append(units)
            if len(calls) == 1:
                raise FloatingPointError("once")
        return build_model(hp)

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=flaky, max_trials=2,
                   max_retries_per_trial=1)
    _search(tuner)
    states = [t.state.name for t in tuner.study.trials]
    assert states == ["FAIL", "COMPLETE", "COMPLETE"]
    assert calls[0] == calls[1]  # the same hyperparameters again


@pytest.mark.parametrize("kwargs, error, words", [
    ({"max_trials": 0}, ValueError, "max_trials must be an int >= 1"),
    ({"max_trials": None}, TypeError, "RandomSearch needs max_trials"),
    ({"executions_per_trial": "2"}, TypeError, "executions_per_trial must be an int"),
    ({"hypermodel": None}, TypeError, "needs a hypermodel"),
    ({"distribution_strategy": "mirrored"}, ValueError, "data-parallel over MPI"),
    ({"objective": 3}, TypeError, "objective must be a metric's name"),
    ({"objective": ["val_loss", "val_accuracy"]}, TypeError, "single objective"),
    ({"project_name": "a/b"}, ValueError, "plain name"),
    ({"hyperparameters": {"units": 3}}, TypeError, "must be a HyperParameters"),
    ({"max_epochs": 9}, TypeError, "unexpected arguments: max_epochs"),
    ({"hypermodel": RandomSearch}, TypeError, "function build_model"),
])
def test_bad_tuner_arguments(tmp_path, kwargs, error, words):
    with pytest.raises(error, match=words):
        _tuner(RandomSearch, tmp_path, **kwargs)


def test_bad_search_arguments(tmp_path):
    tuner = _tuner(RandomSearch, tmp_path, max_trials=1)
    with pytest.raises(ValueError, match="n_jobs must be an int >= 1"):
        _search(tuner, n_jobs=0)
    with pytest.raises(TypeError, match="callbacks must be a list"):
        _search(tuner, callbacks=EarlyStopping())


# ---------------------------------------------------------------------- the preset space
def test_given_hyperparameters_narrow_and_fix_the_space(tmp_path):
    hp = HyperParameters()
    hp.Fixed("units", 6)
    tuner = _tuner(RandomSearch, tmp_path, max_trials=3, hyperparameters=hp,
                   tune_new_entries=False)
    _search(tuner)
    values = [t.user_attrs["hyperparameters"] for t in tuner.study.trials]
    # units fixed; the learning rate not tuned, so every trial is the same: one runs
    assert values[0] == {"units": 6, "learning_rate": 1e-3}
    with pytest.raises(ValueError, match="allow_new_entries=False"):
        _tuner(RandomSearch, tmp_path, max_trials=1, hyperparameters=hp, allow_new_entries=False,
               project_name="d")


# ---------------------------------------------------------------------- storage
def test_search_continues_and_overwrite_restarts(tmp_path):
    tuner = _tuner(RandomSearch, tmp_path, max_trials=2)
    _search(tuner)
    tuner = _tuner(RandomSearch, tmp_path, max_trials=4)
    _search(tuner)
    assert len(tuner.study.trials) == 4
    assert (tmp_path / "search" / "search.journal").exists()
    assert sorted(p.name for p in (tmp_path / "search").glob("trial_*")) == [
        "trial_0001", "trial_0002", "trial_0003", "trial_0004"]
    tuner = _tuner(RandomSearch, tmp_path, max_trials=1, overwrite=True)
    _search(tuner)
    assert len(tuner.study.trials) == 1
    with pytest.raises(ValueError, match="optimizes val_loss"):
        _ = _tuner(RandomSearch, tmp_path, max_trials=1, objective="val_accuracy").study


def test_plots_are_figures(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    tuner = _tuner(RandomSearch, tmp_path, max_trials=4)
    _search(tuner, epochs=2)
    for figure in (tuner.plot_optimization_history(), tuner.plot_param_importances(),
                   tuner.plot_parallel_coordinate()):
        assert isinstance(figure, Figure)


SCRIPT = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import deepgrad as dg
    from deepgrad.callbacks import Callback
    from deepgrad.tuner import RandomSearch

    folder, trials, storage, log = sys.argv[1], int(sys.argv[2]), sys.argv[3] or None, sys.argv[4]
    together = int(sys.argv[5]) if len(sys.argv) > 5 else 1  # processes that start the search at once
    ready = os.path.join(os.path.dirname(log), "ready")
    os.makedirs(ready, exist_ok=True)
    open(os.path.join(ready, str(os.getpid())), "w").close()
    deadline = time.monotonic() + 60
    while len(os.listdir(ready)) < together and time.monotonic() < deadline:
        time.sleep(0.01)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)); y = x.sum(axis=1, keepdims=True)

    class Slow(Callback):
        def on_train_begin(self, logs=None):
            with open(log, "a") as f:
                f.write(f"{os.getpid()} {self.model.layers[0].units}\\n")
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(0.05)

    def build_model(hp):
        model = dg.Sequential([dg.layers.Input((3,)), dg.layers.Dense(hp.Int("units", 1, 400)),
                               dg.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model

    tuner = RandomSearch(build_model, objective="val_loss", max_trials=trials, directory=folder,
                         project_name="p", storage=storage)
    tuner.search(x, y, epochs=4, validation_split=0.25, callbacks=[Slow()], verbose=1)
    while any(t.state.name == "RUNNING" for t in tuner.study.trials):  # another process's
        time.sleep(0.05)
    best = tuner.get_best_hyperparameters()[0]
    print("BEST", best.values["units"], flush=True)
""")


def _script(tmp_path):
    path = tmp_path / "search_script.py"
    path.write_text(SCRIPT)
    return path


def _study(tmp_path, storage=None):
    if storage is None:
        from optuna.storages.journal import JournalFileBackend
        storage = optuna.storages.JournalStorage(
            JournalFileBackend(str(tmp_path / "out" / "p" / "search.journal")))
    return optuna.load_study(study_name="p", storage=storage)


@pytest.mark.slow
def test_a_search_killed_with_sigkill_continues_without_repeating_trials(tmp_path):
    script, log = _script(tmp_path), tmp_path / "trained.txt"
    args = [sys.executable, str(script), str(tmp_path / "out"), "6", "", str(log)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until two trials are done and a third runs
        if log.exists() and len(log.read_text().splitlines()) >= 3:
            break
        time.sleep(0.02)
    time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = _study(tmp_path).trials
    finished = {t.number for t in before if t.state.name == "COMPLETE"}
    assert len(finished) >= 2 and any(t.state.name == "RUNNING" for t in before)

    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    after = _study(tmp_path).trials
    complete = [t for t in after if t.state.name == "COMPLETE"]
    assert len(complete) == 6
    assert {t.number for t in complete} >= finished  # the finished ones stand, not run again
    abandoned = [t for t in after if t.user_attrs.get("abandoned")]
    assert len(abandoned) == 1 and abandoned[0].state.name == "FAIL"
    # the killed trial's hyperparameters were run again, once
    assert sum(t.params == abandoned[0].params for t in complete) == 1
    runs = [line.split()[1] for line in log.read_text().splitlines()]
    assert len(runs) == 7  # 6 trials, plus the one killed midway


@pytest.mark.slow
def test_two_processes_share_one_sqlite_search(tmp_path):
    script, log = _script(tmp_path), tmp_path / "trained.txt"
    url = f"sqlite:///{tmp_path / 'search.db'}"
    args = [sys.executable, str(script), str(tmp_path / "out"), "8", url, str(log), "2"]
    processes = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outs]
    study = _study(tmp_path, url)
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert 8 <= len(complete) <= 9  # the budget, give or take a trial both started at once
    assert len({t.user_attrs["pid"] for t in complete}) == 2  # both worked
    runs = log.read_text().splitlines()
    trained = [t for t in study.trials if "duplicate_of" not in t.user_attrs]  # a repeat is not
    assert len(runs) == len(trained)  # no trial was trained twice (nor a repeated setting)
    bests = {line.split()[1] for out, _ in outs for line in out.splitlines()
             if line.startswith("BEST")}
    assert len(bests) == 1  # both report the same best trial


def test_n_jobs_runs_worker_processes_over_the_journal(tmp_path):
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("worker processes are forked")
    tuner = _tuner(RandomSearch, tmp_path, max_trials=6)
    _search(tuner, n_jobs=2)
    trials = tuner.study.trials
    assert [t.state.name for t in trials].count("COMPLETE") >= 6
    assert len({t.user_attrs["pid"] for t in trials}) == 2
    assert os.getpid() not in {t.user_attrs["pid"] for t in trials}


def test_importing_deepgrad_does_not_import_optuna():
    code = "import deepgrad, deepgrad.tuner, sys; print('optuna' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# ---------------------------------------------------------------------- KerasTuner's other patterns
class _Regressor(HyperModel):
    """The KerasTuner guide's custom evaluation: fit returns the score itself."""

    def build(self, hp):
        model = dg.Sequential([dg.layers.Input((3,)), dg.layers.Dense(hp.Int("units", 2, 16)),
                               dg.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model

    def fit(self, hp, model, x, y, validation_data, **kwargs):
        model.fit(x, y, **kwargs)
        x_val, y_val = validation_data
        return np.float32(np.mean(np.abs(model.predict(x_val) - y_val)))


def test_fit_returning_the_score_needs_no_objective(tmp_path):
    x, y = _data()
    tuner = RandomSearch(_Regressor(), max_trials=3, directory=str(tmp_path), seed=0)
    tuner.search(x[:72], y[:72], validation_data=(x[72:], y[72:]), epochs=2, verbose=0)
    trials = tuner.oracle.get_best_trials(3)
    assert [t.score for t in trials] == sorted(t.score for t in trials)
    assert all(isinstance(t.score, float) and t.hyperparameters.get("units") >= 2 for t in trials)
    with pytest.raises(ObjectiveError, match="must return the score"):
        _search(RandomSearch(build_model, max_trials=1, directory=str(tmp_path), project_name="n"))


def test_a_custom_fit_may_take_an_uncompiled_model(tmp_path):
    class Loop(HyperModel):
        def build(self, hp):
            return dg.Sequential([dg.layers.Input((3,)), dg.layers.Dense(1)])

        def fit(self, hp, model, x, y, **kwargs):
            lr = hp.Float("lr", 1e-3, 1e-1, sampling="log")
            optimizer, loss_fn = dg.optimizers.SGD(lr), dg.losses.MeanSquaredError()
            for _ in range(3):
                optimizer.zero_grad(model.parameters())
                loss = loss_fn(y, model(dg.Tensor(x)))
                loss.backward()
                optimizer.step(model.parameters())
            return {"loss": loss.item()}

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=Loop(), objective="loss", max_trials=2)
    x, y = _data()
    tuner.search(x, y, verbose=0)
    assert [t.state.name for t in tuner.study.trials] == ["COMPLETE", "COMPLETE"]


def test_run_trial_may_be_overridden_to_tune_fit(tmp_path):
    seen = []

    class MyTuner(BayesianOptimization):
        def run_trial(self, trial, *args, **kwargs):
            kwargs["batch_size"] = trial.hyperparameters.Choice("batch_size", [8, 16, 32])
            seen.append(kwargs["batch_size"])
            return super().run_trial(trial, *args, **kwargs)

    tuner = _tuner(MyTuner, tmp_path, max_trials=3)
    _search(tuner)
    assert len(seen) == 3
    assert [t.user_attrs["hyperparameters"]["batch_size"] for t in tuner.study.trials] == seen

    class OwnLoop(RandomSearch):  # no hypermodel: run_trial builds and scores by itself
        def run_trial(self, trial, x, y):
            return (trial.hyperparameters.Float("a", -1.0, 1.0) - 0.5) ** 2

    tuner = OwnLoop(objective=None, max_trials=4, directory=str(tmp_path), project_name="own",
                    seed=0)
    tuner.search(*_data(), verbose=0)
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == min(t.value for t in tuner.study.trials)


def test_grid_search_with_a_loop_and_fit_time_hyperparameters(tmp_path):
    class Deep(HyperModel):
        def build(self, hp):
            model = dg.Sequential([dg.layers.Input((3,))])
            for i in range(hp.Int("num_layers", 1, 2)):
                model.add(dg.layers.Dense(hp.Choice(f"units_{i}", [2, 4]), activation="relu"))
            model.add(dg.layers.Dense(1, activation="sigmoid"))
            model.compile(optimizer="adam", loss="binary_crossentropy")
            return model

        def fit(self, hp, model, *args, **kwargs):
            return model.fit(*args, shuffle=hp.Boolean("shuffle"), **kwargs)

    tuner = _tuner(GridSearch, tmp_path, hypermodel=Deep())
    assert {d.name for d in tuner._space} == {"num_layers", "units_0", "units_1"}
    _search(tuner, epochs=1)
    trials = tuner.study.trials
    assert len(trials) == 8 and {t.state.name for t in trials} == {"COMPLETE"}
    assert all(t.user_attrs["hyperparameters"]["shuffle"] is False for t in trials)


def test_repeats_of_a_scored_setting_do_not_use_the_budget(tmp_path):
    def small(hp):
        model = dg.Sequential([dg.layers.Input((3,)),
                               dg.layers.Dense(hp.Choice("units", [2, 3, 4]), activation="relu"),
                               dg.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=hp.Choice("optimizer", ["adam", "sgd", "rmsprop"]),
                      loss="binary_crossentropy")
        return model

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=small, max_trials=6)
    _search(tuner, epochs=1)
    trained = [t for t in tuner.study.trials if "duplicate_of" not in t.user_attrs]
    assert len(trained) == 6
    assert len({tuple(sorted(t.params.items())) for t in trained}) == 6


def test_retries_are_not_failures_in_a_row(tmp_path, capsys):
    def wide_fails(hp):
        if hp.Int("units", 2, 16) > 8 and hp._trial is not None:
            raise MemoryError("too wide")
        return build_model(hp)

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=wide_fails, max_trials=6,
                   max_retries_per_trial=3, max_consecutive_failed_trials=2)
    try:
        _search(tuner, verbose=0)
    except RuntimeError as error:  # two wide settings in a row, each after its 3 retries
        assert "2 trials in a row failed" in str(error)
    trials = tuner.study.trials
    failures = [t for t in trials if t.state.name == "FAIL" and not t.user_attrs.get("retried")]
    assert all(t.user_attrs["hyperparameters"]["units"] > 8 for t in failures)
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err  # verbose=0 says nothing, Optuna neither


def test_the_tuner_may_compile_the_models(tmp_path):
    def uncompiled(hp):
        return dg.Sequential([dg.layers.Input((3,)),
                              dg.layers.Dense(hp.Int("units", 2, 8), activation="relu"),
                              dg.layers.Dense(1, activation="sigmoid")])

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=uncompiled, objective="val_accuracy",
                   max_trials=2, optimizer=dg.optimizers.Adam(0.01), loss="binary_crossentropy",
                   metrics=["accuracy"])
    _search(tuner)
    assert tuner.get_best_models(1)[0].metrics_names == ["loss", "accuracy"]


def test_a_changed_space_is_refused_when_continuing(tmp_path):
    _search(_tuner(RandomSearch, tmp_path, max_trials=1))

    def changed(hp):
        hp.Choice("units", [2, 4])
        return build_model(hp)
    with pytest.raises(ValueError, match="units \\(Int\\).*now units \\(Choice\\)"):
        _search(_tuner(RandomSearch, tmp_path, hypermodel=changed, max_trials=2))


def test_passing_a_built_model_says_pass_the_function(tmp_path):
    with pytest.raises(TypeError, match="pass build_model, not build_model\\(hp\\)"):
        _tuner(RandomSearch, tmp_path, hypermodel=build_model(HyperParameters()), max_trials=1)


def test_reverse_log_sampling_is_dense_near_the_top(tmp_path):
    def model(hp):
        hp.Float("momentum", 0.5, 0.999, sampling="reverse_log")
        return build_model(hp)

    tuner = _tuner(RandomSearch, tmp_path, hypermodel=model, max_trials=8)
    _search(tuner, epochs=1)
    values = [t.user_attrs["hyperparameters"]["momentum"] for t in tuner.study.trials]
    assert all(0.5 <= v <= 0.999 for v in values) and np.median(values) > 0.75
