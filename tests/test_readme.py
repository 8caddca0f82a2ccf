"""README's Python examples run as written (in order, in a temporary folder)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["J"].item() == 33.0
    assert (tmp_path / "moons.safetensors").exists()
    assert "Total params" in capsys.readouterr().out


def test_keras_guide_model_examples_run(tmp_path, monkeypatch):
    guide = README.parent / "docs" / "keras.md"
    first = re.findall(r"```python\n(.*?)```", guide.read_text(), re.S)[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(first, str(guide), "exec"), namespace)  # noqa: S102 - our own guide
    model = namespace["Classifier"]()
    assert model.predict(namespace["np"].ones((2, 5))).shape == (2, 3)
    assert namespace["department"].shape == (None, 4)
