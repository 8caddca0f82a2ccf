"""The scripts in this folder are Keras programs that tests/test_keras_compatibility.py runs in
a fresh interpreter, not test modules: pytest's doctest collection must not import them (they
import Keras, and run a training job at import). translate.py's doctest still runs."""

from pathlib import Path

collect_ignore = sorted(path.name for path in Path(__file__).parent.glob("*.py")
                        if path.name not in {"conftest.py", "translate.py"})
