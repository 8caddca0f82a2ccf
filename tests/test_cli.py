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
