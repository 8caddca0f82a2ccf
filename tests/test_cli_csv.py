"""``deepgrad train DATA.csv``, ``evaluate``, ``predict`` and ``summary`` end to end, and one
line on stderr for each mistake in an argument, a path, a column or a file."""

import csv
import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from deepgrad import cli


def _write_fruit(path, n=60, seed=0):
    rng = np.random.default_rng(seed)
    weight = rng.normal(150, 20, n)
    color = rng.choice(["green", "red", "yellow"], n)
    kind = np.where(color == "green", "pear", np.where(weight > 150, "apple", "banana"))
    lines = ["weight,height,color,kind"]
    lines += [f"{w:.1f},{h:.2f},{c},{k}"
              for w, h, c, k in zip(weight, rng.normal(7, 1, n), color, kind)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _write_houses(path, n=60, seed=0):
    rng = np.random.default_rng(seed)
    size, rooms = rng.uniform(50, 200, n), rng.integers(1, 6, n)
    price = 3 * size + 20 * rooms + rng.normal(0, 2, n)
    lines = ["size,rooms,price"] + [f"{s:.1f},{r},{p:.2f}" for s, r, p in zip(size, rooms, price)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _deepgrad(*args, cwd):
    return subprocess.run([sys.executable, "-m", "deepgrad", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_train_save_evaluate_predict_summary_in_subprocesses(tmp_path):
    _write_fruit(tmp_path / "fruit.csv")
    done = _deepgrad("train", "fruit.csv", "--target", "kind", "--hidden", "16", "--epochs", "40",
                     "--verbose", "0", "--save", "fruit.safetensors", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "classification into 3 classes (apple, banana, pear) (inferred" in done.stdout
    assert "one-hot encoded: color" in done.stdout
    assert json.loads((tmp_path / "fruit.columns.json").read_text())["features"][2] == {
        "name": "color", "categories": ["green", "red", "yellow"]}

    done = _deepgrad("evaluate", "fruit.safetensors", "fruit.csv", "--target", "kind", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    scores = dict(line.split(": ") for line in done.stdout.splitlines()[1:])
    assert set(scores) == {"loss", "accuracy"} and float(scores["accuracy"]) >= 0.8

    # a new CSV with the columns in another order and without the target
    new = tmp_path / "new.csv"
    new.write_text("color,weight,height\nred,180,7\ngreen,150,7\nred,120,7\n")
    done = _deepgrad("predict", "fruit.safetensors", "new.csv", "--output", "out.csv",
                     "--probabilities", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert [row["predicted_kind"] for row in rows] == ["apple", "pear", "banana"]
    for row in rows:
        p = [float(row[f"probability_{name}"]) for name in ("apple", "banana", "pear")]
        assert abs(sum(p) - 1) < 1e-4 and row["predicted_kind"] == ("apple", "banana", "pear")[
            int(np.argmax(p))]

    done = _deepgrad("summary", "fruit.safetensors", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "scaling (Normalization)" in done.stdout and "Target: 'kind', classification" in done.stdout


def test_regression_carries_its_scaling_in_the_model(tmp_path, capsys):
    data = _write_houses(tmp_path / "houses.csv")
    model = tmp_path / "houses.safetensors"
    assert cli.main(["train", str(data), "--target", "price", "--hidden", "16", "--epochs", "60",
                     "--scaling", "minmax", "--early-stopping", "10", "--verbose", "0",
                     "--save", str(model)]) == 0
    assert "target 'price', regression (inferred" in capsys.readouterr().out
    assert cli.main(["predict", str(model), str(data)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    error = [abs(float(r["predicted_price"]) - float(r["price"])) for r in rows]
    assert np.mean(error) < 0.1 * np.mean([float(r["price"]) for r in rows])
    assert cli.main(["summary", str(model)]) == 0
    out = capsys.readouterr().out
    assert "scaling (Rescaling)" in out and "target_scaling (Normalization)" in out


def test_config_file_with_flags_over_it(tmp_path, capsys):
    data = _write_fruit(tmp_path / "fruit.csv", n=30)
    config = tmp_path / "train.toml"
    config.write_text(f'data = "{data.as_posix()}"\ntarget = "kind"\nhidden = [8, 4]\n'
                      f'epochs = 50\nverbose = 0\ntask = "classification"\n')
    assert cli.main(["train", "--config", str(config), "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "(None, 8)" in out and "(None, 4)" in out and "(inferred" not in out


def test_a_model_without_a_column_file_takes_numeric_columns(tmp_path, capsys):
    from deepgrad.cli.csv_columns import Columns

    model = tmp_path / "spiral.safetensors"
    stale = Columns([{"name": "a"}], "b", "regression", None)  # of a model saved there before
    (tmp_path / "spiral.columns.json").write_text(stale.to_json())
    assert cli.main(["train", "--dataset", "moons", "--epochs", "2", "--verbose", "0",
                     "--save", str(model)]) == 0
    assert not (tmp_path / "spiral.columns.json").exists()
    (tmp_path / "points.csv").write_text("x,y,label\n0.5,0.2,1\n-1,0.5,0\n")
    assert cli.main(["evaluate", str(model), str(tmp_path / "points.csv"), "--target", "label"]) == 0
    assert "accuracy:" in capsys.readouterr().out
    assert cli.main(["predict", str(model), str(tmp_path / "points.csv")]) == 2
    assert "takes 2 inputs but" in capsys.readouterr().err


def _errors():
    """(arguments, words the one line must hold); FRUIT and DIR are filled in."""
    train = ["train", "FRUIT", "--target", "kind"]
    return [
        (train + ["--epochs", "0"], "--epochs must be a whole number >= 1; got 0"),
        (train + ["--batch-size", "-5"], "--batch-size must be a whole number >= 1; got -5"),
        (train + ["--learning-rate", "-1"], "--learning-rate must be a finite number > 0"),
        (train + ["--learning-rate", "inf"], "got inf"),
        (train + ["--learning-rate", "nan"], "got nan"),
        (train + ["--optimizer", "bogus"], "unknown optimizer 'bogus'. Valid names: adadelta"),
        (train + ["--activation", "bogus"], "unknown activation 'bogus'. Valid names: elu"),
        (train + ["--seed", "-1"], "--seed must be a whole number >= 0; got -1"),
        (train + ["--hidden", "0"], "--hidden needs positive unit counts; layer 1 has 0"),
        (train + ["--hidden", "100000000"], "900,000,003 parameters, more than the 100,000,000"),
        (train + ["--hidden", "64,x"], "comma-separated unit counts"),
        (train + ["--validation-split", "1"], "--validation-split must be a number in [0, 1)"),
        (train + ["--early-stopping", "-1"], "--early-stopping must be a whole number >= 0"),
        (train + ["--save", "DIR/missing/m.safetensors"], "missing does not exist; create it"),
        (train + ["--save", "DIR"], "is a folder; give a file name"),
        (train + ["--config", "DIR/none.toml"], "--config DIR/none.toml: no such file"),
        (["train", "FRUIT"], "say which column to predict with --target COLUMN"),
        (["train", "FRUIT", "--target", "price"],
         "has no column 'price'; its columns are weight, height, color, kind"),
        (["train", "FRUIT", "--target", "kind", "--task", "regression"],
         "not a number, so it cannot be a regression target; use --task classification"),
        (["train", "FRUIT", "--target", "weight", "--task", "classification"],
         "holds fractional numbers, which cannot be class labels"),
        (["train", "FRUIT", "--target", "kind", "--dataset", "moons"], "not both"),
        (["train", "DIR/none.csv", "--target", "kind"], "none.csv: no such CSV file"),
        (["train", "DIR/empty.csv", "--target", "kind"], "empty.csv is empty"),
        (["train", "DIR/holes.csv", "--target", "kind"],
         "holes.csv, line 3: missing value '' in column 'weight'"),
        (["train", "DIR/ragged.csv", "--target", "kind"],
         "ragged.csv, line 2: 1 fields, but the header has 2 columns"),
        (["--hidden", "100000000"], "600,000,003 parameters"),
        (["summary", "FRUIT"], "cannot load"),
        (["summary", "DIR/none.safetensors"], "no such model file"),
        (["predict", "MODEL", "DIR/renamed.csv"],
         "it lacks the column 'weight'; it has the column 'wt', which the model was not trained"),
        (["predict", "MODEL", "DIR/blue.csv"],
         "column 'color' holds 'blue', a value the model never saw in training"),
        (["predict", "MODEL", "FRUIT", "--output", "DIR/missing/out.csv"], "does not exist"),
        (["evaluate", "MODEL", "FRUIT", "--target", "weight"],
         "the model was trained to predict 'kind'"),
        (["evaluate", "MODEL", "DIR/plums.csv"], "'plum', a class the model was not trained on"),
    ]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    fruit = _write_fruit(folder / "fruit.csv", n=20)
    (folder / "empty.csv").write_text("")
    (folder / "holes.csv").write_text("weight,kind\n1,a\n,b\n")
    (folder / "ragged.csv").write_text("weight,kind\n1\n")
    (folder / "renamed.csv").write_text(fruit.read_text().replace("weight", "wt", 1))
    (folder / "blue.csv").write_text("weight,height,color\n1,2,blue\n")
    (folder / "plums.csv").write_text("weight,height,color,kind\n1,2,red,plum\n")
    model = folder / "fruit.safetensors"
    assert cli.main(["train", str(fruit), "--target", "kind", "--hidden", "4", "--epochs", "1",
                     "--verbose", "0", "--save", str(model)]) == 0
    return {"FRUIT": str(fruit), "DIR": str(folder), "MODEL": str(model)}


@pytest.mark.parametrize("argv, message", _errors(), ids=lambda v: " ".join(v)
                         if isinstance(v, list) else None)
def test_each_mistake_is_one_line_on_stderr(files, capsys, argv, message):
    capsys.readouterr()
    def fill(text):
        return files["DIR"].join(text.split("DIR")) if "DIR" in text else files.get(text, text)

    code = cli.main([fill(arg) for arg in argv])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 2 and len(lines) == 1, captured.err
    assert fill(message) in lines[0] and lines[0].startswith("deepgrad "), lines[0]
    assert "Traceback" not in captured.err and "Epoch" not in captured.out


def test_divergence_is_an_error_naming_the_epoch(tmp_path, capsys):
    data = _write_houses(tmp_path / "houses.csv", n=20)
    assert cli.main(["train", str(data), "--target", "price", "--optimizer", "sgd",
                     "--learning-rate", "1e6", "--scaling", "none", "--verbose", "0"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "training diverged: loss became" in err[0]
    assert re.search(r"loss became (nan|inf) at epoch \d+; try a smaller --learning-rate", err[0])


def test_argument_syntax_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "--epochs", "abc"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [("deepgrad train: error: argument --epochs: invalid int value: 'abc' (see "
                    "deepgrad train --help)")]


def test_debug_shows_the_traceback(files, capsys):
    from deepgrad.cli.common import CommandError

    with pytest.raises(CommandError, match="--epochs must be"):
        cli.main(["train", files["FRUIT"], "--target", "kind", "--epochs", "0", "--debug"])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_folder_is_refused_before_training(tmp_path, files, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert cli.main(["train", files["FRUIT"], "--target", "kind", "--save",
                         str(folder / "m.safetensors")]) == 2
    finally:
        folder.chmod(0o700)
    captured = capsys.readouterr()
    assert "is not writable" in captured.err and captured.out == ""
