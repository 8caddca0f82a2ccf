"""Keras scripts run on deepgrad with only their imports changed, and give Keras's numbers.

Each file in ``tests/keras_scripts/`` is a plain Keras 3 script of the kind public tutorials
teach, making its data with NumPy from a fixed seed and ending with a JSON-able dict
``RESULTS``:

``models``
    ``{model name: {"params", "trainable", "non_trainable", "weight_shapes"}}`` — must equal
    Keras's exactly;
``predictions``
    outputs on a fixed batch after every model's weights were set to the same deterministic
    values — must equal Keras's within ``rtol=atol=1e-5``;
``values``
    other numbers Keras must reproduce (a loss on deterministic weights, an adapted mean) —
    within the same tolerance;
``names``
    lists of names (history keys, output names) — must equal Keras's;
``training``
    what training did on deepgrad (losses, accuracies) — checked for sanity by ``SANITY``
    below, never compared with Keras (the random streams differ).

The deepgrad run is the script translated by ``keras_scripts/translate.py`` (import lines only;
a test checks that nothing else changes), run with ``sys.executable`` in a fresh interpreter
whose working directory is a temporary folder, so files the script saves land there. The Keras
run is the unchanged script in an interpreter that has Keras: ``sys.executable`` when ``import
keras`` works there, or the one the environment variable ``DEEPGRAD_KERAS_PYTHON`` names
(Keras's backend is ``KERAS_BACKEND``, JAX when unset). Without Keras the comparisons skip; a
``DEEPGRAD_KERAS_PYTHON`` that cannot import Keras fails them.

To add a script: put it in ``keras_scripts/`` (imports only of the forms ``import keras``,
``from keras[.module] import ...`` and ``import numpy as np``), fill ``RESULTS`` as above and
add its sanity check to ``SANITY``.

What deepgrad does not do yet is kept apart, as one short Keras snippet per gap in
``keras_scripts/known_gaps.py``: each is expected to fail on deepgrad (a strict xfail, so a fix
shows up as a failure asking for the entry to move into a script) and must pass on Keras.
"""

from __future__ import annotations

import concurrent.futures
import functools
import importlib.util
import itertools
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

SCRIPTS_DIR = Path(__file__).resolve().parent / "keras_scripts"
HELPERS = {"conftest.py", "known_gaps.py", "translate.py"}
SCRIPTS = sorted(path.name for path in SCRIPTS_DIR.glob("*.py") if path.name not in HELPERS)
MARKER = "@@KERAS-SCRIPT-RESULTS@@ "
REPORT = (
    "\n\nimport json as _json\n"
    f"print({MARKER!r} + _json.dumps(RESULTS, default=lambda v: v.tolist() "
    "if hasattr(v, 'tolist') else float(v)))\n"
)
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}
TIMEOUT_S = 300
IMPORT_LINE = re.compile(r"^\s*(import|from)\s")
_MODULES = "(layers|models|callbacks|optimizers|losses|metrics|utils)"
ALLOWED_IMPORT = re.compile(rf"^(import keras|import numpy as np|from keras\.{_MODULES} import .+"
                            rf"|from keras import {_MODULES}(, {_MODULES})*)$")


def _load_helper(name: str):
    path = SCRIPTS_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"keras_scripts_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


translate = _load_helper("translate").translate
KNOWN_GAPS = _load_helper("known_gaps").KNOWN_GAPS
CLOSED_GAPS = _load_helper("known_gaps").CLOSED_GAPS
GAP_RUNNER = """
SOURCES = {sources!r}
RESULTS = {{}}
for name, source in SOURCES.items():
    try:
        exec(compile(source, name, "exec"), {{"__name__": "__main__"}})
        RESULTS[name] = "ok"
    except Exception as error:
        RESULTS[name] = f"{{type(error).__name__}}: {{error}}"
"""


# --------------------------------------------------------------------------- running scripts


def _keras_env() -> dict:
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "jax")
    return env


@functools.cache
def keras_interpreter() -> tuple[str | None, str]:
    """The interpreter to run Keras with and a note: ``(python, version)``, or ``(None, why
    not)``."""
    named = os.environ.get("DEEPGRAD_KERAS_PYTHON")
    python = named or sys.executable
    try:
        probe = subprocess.run([python, "-c", "import keras; print(keras.__version__)"],
                               check=False, capture_output=True, text=True, timeout=TIMEOUT_S,
                               env=_keras_env())
    except OSError as error:
        return None, f"{python!r} cannot be run: {error}"
    if probe.returncode == 0:
        return python, probe.stdout.strip()
    last = (probe.stderr.strip().splitlines() or ["(no message)"])[-1]
    if named:
        return None, f"DEEPGRAD_KERAS_PYTHON={named!r} cannot import keras: {last}"
    return None, (f"Keras is not installed for {sys.executable} ({last}); set "
                  f"DEEPGRAD_KERAS_PYTHON to an interpreter that has it to compare with Keras")


def run_script(python: str, source: str, folder: Path, env: dict | None = None,
               options: tuple = ()) -> dict:
    """Run ``source`` with ``python`` (and its command-line ``options``) in ``folder`` and
    return its ``RESULTS``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "script.py"
    path.write_text(source.rstrip("\n") + REPORT, encoding="utf-8")
    try:
        done = subprocess.run([python, *options, str(path)], cwd=folder, env=env, check=False,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise AssertionError(f"{python} {path} ran over {TIMEOUT_S} s:\n{error.stderr}") from None
    assert done.returncode == 0, (f"{python} {path} failed (exit {done.returncode}):\n"
                                  f"{done.stderr[-6000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    assert lines, f"{path} printed no results:\n{done.stdout[-3000:]}"
    return json.loads(lines[-1][len(MARKER):])


_deepgrad_results: dict[str, dict] = {}


def deepgrad_results(name: str, folder: Path) -> dict:
    """The deepgrad run of script ``name`` (once per session), with NumPy's RuntimeWarnings
    (overflow, invalid values) as errors, as the rest of the test suite runs."""
    if name not in _deepgrad_results:
        source = translate((SCRIPTS_DIR / name).read_text(encoding="utf-8"))
        _deepgrad_results[name] = run_script(sys.executable, source, folder,
                                             options=("-W", "error::RuntimeWarning"))
    return _deepgrad_results[name]


_gap_outcomes: dict[str, dict] = {}


def gap_outcomes(side: str, python: str, folder: Path, env: dict | None = None) -> dict:
    """``{gap: "ok" or the error}`` for every snippet of KNOWN_GAPS, run in one interpreter
    (translated for deepgrad), once per session and side."""
    if side not in _gap_outcomes:
        sources = {name: translate(code) if side == "deepgrad" else code
                   for name, (_, code) in {**KNOWN_GAPS, **CLOSED_GAPS}.items()}
        _gap_outcomes[side] = run_script(python, GAP_RUNNER.format(sources=sources), folder, env)
    return _gap_outcomes[side]


# --------------------------------------------------------------------------- sanity on deepgrad


def _lowered(training: dict) -> None:
    assert training["last_loss"] < training["first_loss"], (
        f"training did not lower the loss: {training['first_loss']} -> {training['last_loss']}")


def _binary_mlp(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    assert t["metrics_names"] == ["loss", "accuracy"]
    assert t["history_keys"] == ["accuracy", "loss"]
    assert t["evaluate"][1] > t["majority_rate"] + 0.03, "no better than guessing the majority"
    assert t["predicted_classes"] == [0, 1]


def _onehot_iris(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    assert t["test_accuracy"] >= 0.8 and t["agreement"] == pytest.approx(t["test_accuracy"])
    assert r["names"]["history"] == ["accuracy", "loss", "val_accuracy", "val_loss"]


def _sparse_iris(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    assert t["logit_last_loss"] < t["logit_first_loss"]
    assert t["val_accuracy"] > 0.45 and t["logit_accuracy"] > 0.8  # chance: 1/3


def _housing(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    assert t["epochs_run"] <= 60
    assert t["test_mae"] < 0.6 * t["label_std"], "no better than predicting the mean price"
    assert t["predictions_mae"] == pytest.approx(t["test_mae"], rel=1e-5)
    assert t["test_mse"] < t["label_std"] ** 2 / 2


def _sequences(r: dict) -> None:
    t = r["training"]
    assert t["sentiment_last_loss"] < t["sentiment_first_loss"]
    assert t["sentiment_val_accuracy"] > 0.65  # chance: 0.5
    assert t["bag_last_loss"] < t["bag_first_loss"]
    assert t["tagger_last_loss"] < 0.05 and t["tag_accuracy"] > 0.95  # the masked steps left out
    assert t["forecast_mse"] < 0.6 * t["naive_mse"]


def _autoencoder(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    assert t["last_val_loss"] < t["first_val_loss"]
    assert t["composition_gap"] < 1e-6, "autoencoder(x) differs from decoder(encoder(x))"
    assert t["reconstruction_error"] < t["mean_image_error"]
    models = r["models"]
    parts = models["encoder"]["params"] + models["decoder"]["params"]
    assert models["autoencoder"]["params"] == parts


def _gan(r: dict) -> None:
    t, models = r["training"], r["models"]
    assert t["changed"] == {"discriminator_in_gan": False, "generator_in_gan": True,
                            "discriminator_alone": True}
    assert t["end_distance"] < 0.5 * t["start_distance"], "the generator did not learn the curve"
    assert models["gan_frozen"]["trainable"] == models["generator"]["params"]
    assert models["gan"]["trainable"] == models["gan"]["params"]


def _multi_input(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    scores = t["scores"]
    weighted = scores["priority_loss"] + 0.2 * scores["department_loss"]
    assert scores["loss"] == pytest.approx(weighted, rel=1e-5)
    assert scores["department_accuracy"] > 0.5  # chance: 1/4
    assert scores["priority_mae"] < t["priority_std"]
    assert t["department_accuracy"] == pytest.approx(scores["department_accuracy"])
    assert t["output_shapes"] == [[128, 1], [128, 4]]
    predictions = r["predictions"]
    _assert_close(predictions["from_list"], [predictions["priority"], predictions["department"]],
                  "list input vs dict input")


def _save_load(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    assert t["same_predictions"] and t["same_scores"], "the loaded model differs from the saved one"
    assert t["best_val_loss"] == pytest.approx(t["lowest_val_loss"], rel=1e-5)
    assert t["val_accuracy"] > 0.8
    assert t["restored_name"] == "moons_classifier"
    assert t["resumed_loss"] < t["first_loss"]
    assert r["models"]["restored"] == r["models"]["model"]


def _image_classifier(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    assert t["test_accuracy"] > 0.5  # chance: 1/10
    assert t["probabilities_sum"] < 1e-5 and t["argmax_agreement"] == 1.0
    assert t["reshaper_last_loss"] < t["reshaper_first_loss"] and t["reshaper_accuracy"] > 0.5


def _subclassed(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    assert t["mse"] < t["target_variance"] / 4
    assert r["values"]["running_totals"] == [[2.0, 2.0], [4.0, 4.0]]
    predictions = r["predictions"]
    _assert_close(predictions["model_called"], predictions["model"], "model(x) vs predict(x)")


def _callbacks(r: dict) -> None:
    t, values, names = r["training"], r["values"], r["names"]
    _lowered(t)
    assert values["epochs"] == [6, 6, 1, 48]  # stopped after 6 epochs of 8 batches
    assert values["history_params"] == [20, 8]
    expected = [0.1, 0.1, 0.1] + [0.1 * math.exp(-0.1 * k) for k in (1, 2, 3)]
    assert values["learning_rates"] == pytest.approx(expected, rel=1e-6)
    assert names["csv_rows"] == ["6"] and names["csv_header"][0] == "epoch"
    rates = t["plateau_rates"]
    assert all(b <= a for a, b in itertools.pairwise(rates)) and min(rates) >= 0.001 - 1e-12


def _imbalanced(r: dict) -> None:
    t = r["training"]
    _lowered(t)
    rate = t["positive_rate"]
    entropy = -(rate * math.log(rate) + (1 - rate) * math.log(1 - rate))
    assert t["initial_loss"] < entropy + 0.1, "the initial bias did not start at the base rate"
    bias = math.log(rate / (1 - rate))
    assert r["values"]["initial_output_bias"] == pytest.approx([bias], rel=1e-6)
    baseline, weighted = t["baseline"], t["weighted"]
    assert baseline["auc"] > 0.85 and weighted["auc"] > 0.85
    assert weighted["recall"] > baseline["recall"], "class weights did not raise the recall"


SANITY = {
    "autoencoder_functional.py": _autoencoder,
    "binary_mlp_diabetes.py": _binary_mlp,
    "callbacks_learning_rate.py": _callbacks,
    "gan_2d.py": _gan,
    "image_classifier_rescaling.py": _image_classifier,
    "imbalanced_classification.py": _imbalanced,
    "multi_input_multi_output.py": _multi_input,
    "multiclass_onehot_iris.py": _onehot_iris,
    "multiclass_sparse_iris.py": _sparse_iris,
    "regression_housing_normalization.py": _housing,
    "save_load_checkpoint.py": _save_load,
    "sequence_models.py": _sequences,
    "subclassed_model.py": _subclassed,
}


def _finite(value, where="RESULTS") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _finite(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _finite(item, f"{where}[{i}]")
    elif isinstance(value, float):
        assert math.isfinite(value), f"{where} is {value}"


# --------------------------------------------------------------------------- comparing with Keras


def _assert_close(ours, theirs, where: str) -> None:
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and sorted(ours) == sorted(theirs), (
            f"{where}: deepgrad has keys {sorted(ours) if isinstance(ours, dict) else ours!r}, "
            f"Keras {sorted(theirs)}")
        for key in theirs:
            _assert_close(ours[key], theirs[key], f"{where}[{key!r}]")
        return
    try:
        ours_array, theirs_array = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    except ValueError:  # a ragged list: one array per output
        assert isinstance(ours, list) and len(ours) == len(theirs), (
            f"{where}: deepgrad gives {len(ours) if isinstance(ours, list) else ours!r} items, "
            f"Keras {len(theirs)}")
        for i, (mine, other) in enumerate(zip(ours, theirs)):
            _assert_close(mine, other, f"{where}[{i}]")
        return
    assert ours_array.shape == theirs_array.shape, (
        f"{where}: deepgrad gives shape {ours_array.shape}, Keras {theirs_array.shape}")
    np.testing.assert_allclose(ours_array, theirs_array, **TOLERANCE,
                               err_msg=f"{where}: deepgrad (actual) vs Keras (desired)")


# --------------------------------------------------------------------------- the tests


def test_every_script_has_a_sanity_check():
    assert SCRIPTS, f"no scripts in {SCRIPTS_DIR}"
    assert sorted(SANITY) == SCRIPTS


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_uses_only_keras_and_numpy_imports(name):
    source = (SCRIPTS_DIR / name).read_text(encoding="utf-8")
    imports = [line.strip() for line in source.splitlines() if IMPORT_LINE.match(line)]
    assert imports and all(ALLOWED_IMPORT.match(line) for line in imports), imports


@pytest.mark.parametrize("name", SCRIPTS)
def test_translation_changes_only_import_lines(name):
    source = (SCRIPTS_DIR / name).read_text(encoding="utf-8")
    translated = translate(source)
    before, after = source.splitlines(), translated.splitlines()
    assert len(before) == len(after)
    changed = [(old, new) for old, new in zip(before, after) if old != new]
    assert changed, "the script imports nothing from Keras"
    for old, new in changed:
        assert IMPORT_LINE.match(old) and IMPORT_LINE.match(new), (old, new)
        assert "keras" in old and "deepgrad" in new and "deepgrad" not in old, (old, new)
    assert "keras" not in "".join(new.replace("as keras", "") for _, new in changed)


def test_translate_handles_every_import_form_and_refuses_the_others():
    source = ('"""Docs may say: import keras"""\n'
              "import keras\n"
              "import keras as K  # short\n"
              "from keras import layers, models\n"
              "from keras.layers import (\n"
              "    Dense,\n"
              ")\n"
              "import keras_tuner\n"
              "keras_model = 'from keras import x'\n")
    assert translate(source).splitlines() == [
        '"""Docs may say: import keras"""',
        "import deepgrad as keras",
        "import deepgrad as K  # short",
        "from deepgrad import layers, models",
        "from deepgrad.layers import (",
        "    Dense,",
        ")",
        "import keras_tuner",
        "keras_model = 'from keras import x'",
    ]
    for refused in ("import keras.layers\n", "import numpy, keras\n", "import keras; import os\n"):
        with pytest.raises(ValueError, match="line 1"):
            translate(refused)


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_runs_on_deepgrad(name, tmp_path):
    results = deepgrad_results(name, tmp_path)
    assert {"models", "predictions", "training"} <= set(results), sorted(results)
    _finite(results)
    SANITY[name](results)


@pytest.fixture(scope="session")
def keras_runs(request, tmp_path_factory):
    """``{script name: Future of its RESULTS under Keras}``: the Keras runs this session's tests
    ask for, started together at the first one (Keras compiles for seconds per script; the runs
    overlap). Under pytest-xdist each worker starts only its own."""
    python, _ = keras_interpreter()
    if python is None:
        yield None
        return
    wanted = [] if "PYTEST_XDIST_WORKER" in os.environ else [
        item.callspec.params["name"] for item in request.session.items
        if getattr(item, "originalname", None) == "test_script_gives_the_numbers_keras_gives"]
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
    runs: dict = {}

    def start(name):
        source = (SCRIPTS_DIR / name).read_text(encoding="utf-8")
        folder = tmp_path_factory.mktemp(f"keras-{Path(name).stem}")
        runs[name] = pool.submit(run_script, python, source, folder, _keras_env())

    for name in wanted:
        start(name)
    yield runs, start
    pool.shutdown(cancel_futures=True)


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_gives_the_numbers_keras_gives(name, tmp_path, keras_runs):
    python, note = keras_interpreter()
    if python is None:
        if os.environ.get("DEEPGRAD_KERAS_PYTHON"):
            pytest.fail(note)
        pytest.skip(note)
    runs, start = keras_runs
    if name not in runs:
        start(name)
    ours = deepgrad_results(name, tmp_path)
    theirs = runs[name].result()
    assert ours["models"] == theirs["models"], (
        f"parameter counts differ:\n deepgrad {ours['models']}\n Keras    {theirs['models']}")
    assert ours.get("names") == theirs.get("names"), (
        f"names differ:\n deepgrad {ours.get('names')}\n Keras    {theirs.get('names')}")
    _assert_close(ours["predictions"], theirs["predictions"], "predictions")
    _assert_close(ours.get("values", {}), theirs.get("values", {}), "values")


# --------------------------------------------------------------------------- known gaps


class GapStillOpen(Exception):
    """A known gap's snippet fails on deepgrad: what ``test_known_gap_on_deepgrad`` expects
    (any other error, such as the runner failing, is a real failure)."""


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, raises=GapStillOpen, reason=reason))
    for name, (reason, _) in sorted(KNOWN_GAPS.items())])
def test_known_gap_on_deepgrad(name, tmp_path):
    """Expected to fail until deepgrad is fixed; then move the snippet into a script."""
    outcome = gap_outcomes("deepgrad", sys.executable, tmp_path)[name]
    if outcome != "ok":
        raise GapStillOpen(outcome)


@pytest.mark.parametrize("name", sorted(CLOSED_GAPS))
def test_closed_gap_on_deepgrad(name, tmp_path):
    """A gap deepgrad closed stays closed."""
    outcome = gap_outcomes("deepgrad", sys.executable, tmp_path)[name]
    assert outcome == "ok", f"{CLOSED_GAPS[name][0]}: {outcome}"


@pytest.mark.parametrize("name", sorted({**KNOWN_GAPS, **CLOSED_GAPS}))
def test_known_gap_snippet_is_what_keras_does(name, tmp_path):
    python, note = keras_interpreter()
    if python is None:
        if os.environ.get("DEEPGRAD_KERAS_PYTHON"):
            pytest.fail(note)
        pytest.skip(note)
    outcome = gap_outcomes("keras", python, tmp_path, _keras_env())[name]
    assert outcome == "ok", f"the snippet fails on Keras {note}: {outcome}"
