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
    import pytest

    with pytest.raises(SystemExit):
        cli.main(["train", "--hidden", "64,x"])
    assert "comma-separated" in capsys.readouterr().err
