import subprocess
import sys

from deepgrad import __version__, cli


def test_graph_demo_prints_the_seed_004_numbers(capsys):
    assert cli.main(["graph", "--dot"]) == 0
    out = capsys.readouterr().out
    assert "J = 33" in out
    for line in ("dJ/da = dJ/dv * dv/da = 3 * 1 = 3", "= 6", "= 9"):
        assert line in out
    assert "digraph deepgrad" in out


def test_python_dash_m_runs():
    done = subprocess.run(
        [sys.executable, "-m", "deepgrad", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"deepgrad {__version__}"


def test_import_pulls_in_no_optional_extra():
    code = (
        "import sys, deepgrad; "
        "bad = [m for m in ('matplotlib', 'sklearn', 'optuna', 'onnx', 'mpi4py', 'torch', 'scipy') "
        "if m in sys.modules]; print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_default_main_job_trains_on_the_bundled_spiral(capsys):
    assert cli.main(["--verbose", "0"]) == 0
    out = capsys.readouterr().out
    assert "Data: spiral" in out and "Total params: 4,547" in out
    accuracy = float(out.strip().splitlines()[-1].split("test accuracy ")[1])
    assert accuracy >= 0.9


def test_train_on_the_notes_tables(capsys):
    for name in ("pass-fail", "placement"):
        assert cli.main(["train", "--dataset", name, "--epochs", "40", "--verbose", "0"]) == 0
        out = capsys.readouterr().out
        accuracy = float(out.strip().splitlines()[-1].split("test accuracy ")[1])
        assert accuracy >= 0.8, (name, accuracy)


def test_train_rejects_bad_hidden_sizes(capsys):
    assert cli.main(["train", "--hidden", "64,x"]) == 2
    assert "comma-separated" in capsys.readouterr().err


def test_explain_prints_the_worked_examples(capsys):
    from deepgrad import explain

    for name, numbers in [("perceptron", ["= 1.031", "σ(1.031) = 0.7371", "→ class 1"]),
                          ("two-layer-chain", ["= 1.151", "= 0.7597", "≈ 0.0452", "= 0.5113"]),
                          ("logistic-neuron", ["= 6", "σ(6) = 0.99753"]),
                          ("network-2-2-1", ["w⁽¹⁾₁₁ ← 0.1 − 0.1·(-0.02313) = 0.1023"])]:
        assert cli.main(["explain", "--example", name]) == 0
        out = capsys.readouterr().out
        assert out == explain.example(name).text()
        assert all(number in out for number in numbers), (name, out)
    assert cli.main(["explain", "--example", "network-2-2-1", "--markdown", "--digits", "5"]) == 0
    out = capsys.readouterr().out
    assert out == explain.example("network-2-2-1", digits=5).markdown() and "$$" in out


def test_explain_traces_a_saved_model(tmp_path, capsys):
    import numpy as np

    from deepgrad import Input, Sequential, explain, load_model
    from deepgrad.layers import Dense

    model = Sequential([Input((2,)), Dense(2, activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.train_on_batch(np.array([[1.0, 2.0]]), np.array([[1.0]]))
    path = tmp_path / "small.safetensors"
    model.save(path)
    assert cli.main(["explain", str(path), "--x", "1,2", "--y", "1"]) == 0
    out = capsys.readouterr().out
    assert out == explain.trace(load_model(path), [1, 2], 1).text()
    assert "binary_crossentropy" in out and "Adam(" in out and "Check: these 9 gradients" in out
    assert cli.main(["explain", str(path), "--x=-1,2", "--y", "0", "--loss", "mse",
                     "--learning-rate", "0.5", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "`mean_squared_error`" in out and "(learning rate $0.5$ for this step)" in out


def test_explain_says_what_is_wrong(tmp_path, capsys):
    import pytest

    from deepgrad import Input, Sequential
    from deepgrad.layers import Dense, Dropout

    assert cli.main(["explain"]) == 2
    assert "give a MODEL_FILE with --x and --y" in capsys.readouterr().err
    path = tmp_path / "dropout.safetensors"
    Sequential([Input((2,)), Dense(2), Dropout(0.5, name="drop"), Dense(1)]).save(path)
    assert cli.main(["explain", str(path), "--x", "1,2", "--y", "1"]) == 2
    assert "layer 'drop' (Dropout) is not supported" in capsys.readouterr().err
    assert cli.main(["explain", str(tmp_path / "missing.safetensors"), "--x", "1", "--y", "1"]) == 2
    assert "deepgrad explain:" in capsys.readouterr().err
    assert cli.main(["explain", str(path), "--example", "perceptron"]) == 2
    assert "either a MODEL_FILE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["explain", "--example", "xor"])
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["explain", str(path), "--x", "1,a", "--y", "1"])
    assert "comma-separated numbers" in capsys.readouterr().err
