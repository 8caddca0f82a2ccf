"""``deepgrad tune CONFIG.toml``: the search a file describes, and one clear line for each
mistake in the file."""

import subprocess
import sys
import textwrap

import pytest

from deepgrad import cli, load_model
from deepgrad.cli.tune_config import ConfigError, read_config

optuna = pytest.importorskip("optuna", reason='deepgrad tune needs Optuna: pip install "deepgrad[tune]"')

CONFIG = """
[data]
dataset = "moons"
validation_split = 0.25

[model]
hidden_layers = {min = 1, max = 2}
units = [8, 16]
activation = ["relu", "tanh"]

[training]
optimizer = ["adam", "sgd"]
learning_rate = {min = 1e-3, max = 1e-1, sampling = "log"}
batch_size = [16, 32]
epochs = 4

[tuner]
kind = "KIND"
objective = "val_accuracy"
max_trials = 4
seed = 0
directory = "DIR"
project_name = "moons"
"""


def _config(tmp_path, kind="bayesian", text=CONFIG):
    path = tmp_path / "search.toml"
    path.write_text(text.replace("KIND", kind).replace("DIR", str(tmp_path / "tuning")))
    return path


@pytest.mark.parametrize("kind", ["random", "bayesian", "hyperband"])
def test_tune_runs_the_search_and_prints_the_table(tmp_path, capsys, kind):
    saved = tmp_path / "best.safetensors"
    assert cli.main(["tune", str(_config(tmp_path, kind)), "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    assert out.count("Trial ") >= 4 if kind != "hyperband" else "Trial " in out
    assert "Results summary" in out and "rank" in out and "val_accuracy" in out
    assert "Best hyperparameters: hidden_layers=" in out and "batch_size=" in out
    assert load_model(saved).count_params() > 0
    # started again, the search is already done: no trial runs twice
    assert cli.main(["tune", str(_config(tmp_path, kind)), "--verbose", "0"]) == 0
    assert "Trial " not in capsys.readouterr().out.split("Results summary")[0]


def test_tune_grid_over_a_csv_file(tmp_path, capsys):
    table = tmp_path / "houses.csv"
    rows = ["area,rooms,price"] + [f"{a},{r},{3 * a + 10 * r + 5}" for a in range(20, 60, 2)
                                   for r in (1, 2, 3)]
    table.write_text("\n".join(rows) + "\n")
    text = textwrap.dedent(f"""
        [data]
        csv = "{table}"
        target = "price"
        [model]
        units = [4, 8]
        [training]
        learning_rate = [0.01, 0.05]
        epochs = 3
        [tuner]
        kind = "grid"
        directory = "{tmp_path / 'tuning'}"
        project_name = "houses"
    """)
    path = tmp_path / "grid.toml"
    path.write_text(text)
    assert cli.main(["tune", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("Trial ") == 4 and "val_loss" in out


@pytest.mark.parametrize("edit, words", [
    (("[tuner]", "[tuners]"), "tuners: not a section of the configuration"),
    (('kind = "random"', 'kind = "annealing"'), "tuner.kind: expected one of random, grid"),
    (("units = [8, 16]", 'units = ["8", 16]'), "model.units: every choice must be a number; got str '8'"),
    (("units = [8, 16]", "units = {min = 8}"), "model.units: a range is a table with min and max"),
    (("units = [8, 16]", "units = {min = 8, max = 4}"), "model.units: min (8) must not be above max (4)"),
    (("units = [8, 16]", "units = [0, 16]"), "model.units: expected whole numbers >= 1"),
    (("units = [8, 16]", "unit = [8, 16]"), "model.unit: not a setting of [model]"),
    (('optimizer = ["adam", "sgd"]', 'optimizer = ["adam", "adan"]'), "training.optimizer: unknown optimizer 'adan'"),
    (('activation = ["relu", "tanh"]', 'activation = ["relu", "relux"]'), "model.activation:"),
    (('sampling = "log"', 'sampling = "exp"'), "training.learning_rate.sampling: expected"),
    (("max_trials = 4", "max_trials = 0"), "tuner.max_trials: expected a whole number >= 1"),
    (('objective = "val_accuracy"', "objective = 3"), "tuner.objective: expected a logged metric"),
    (('objective = "val_accuracy"', 'objective = "val_score"'), "cannot tell whether lower or higher"),
    (("seed = 0\ndirectory", "seed = -1\ndirectory"), "tuner: seed must be an int >= 0"),
    (('dataset = "moons"', 'dataset = "mnist3"'), "data.dataset: expected one of"),
    (('dataset = "moons"', 'csv = "nowhere.csv"'), "data.target: a CSV file needs"),
    (("validation_split = 0.25", "validation_split = 1.5"), "data.validation_split: expected a number in (0, 1)"),
    (("max_trials = 4", "max_trials = 4\nn_jobs = 0"), "tuner.n_jobs: expected a whole number >= 1"),
    (("max_trials = 4", "max_trials = 4\nmax_epochs = 3"), "tuner: RandomSearch got unexpected arguments: max_epochs"),
    (("[data]", "[data\n"), "is not valid TOML"),
])
def test_tune_says_what_is_wrong_in_one_line(tmp_path, capsys, edit, words):
    text = CONFIG.replace("KIND", "random").replace(*edit)
    assert cli.main(["tune", str(_config(tmp_path, "random", text))]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "tuning").exists()  # nothing ran, nothing written


def test_tune_missing_file(tmp_path, capsys):
    assert cli.main(["tune", str(tmp_path / "none.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_read_config_defaults():
    config = read_config({"data": {"dataset": "xor"}})
    assert config.tuner["kind"] == "bayesian" and config.tuner["objective"] == "val_loss"
    assert config.space["units"].fixed == 32 and config.space["optimizer"].fixed == "adam"
    with pytest.raises(ConfigError, match="data: give either dataset"):
        read_config({"data": {}})


@pytest.mark.slow
def test_tune_as_a_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "deepgrad", "tune",
                           str(_config(tmp_path, "random"))], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Results summary" in done.stdout
