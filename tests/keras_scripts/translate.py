"""Turn a Keras 3 script into a deepgrad script by rewriting its import lines, and nothing else.

deepgrad promises that a Keras user's script runs with only its imports changed; this is that
change, done mechanically so the compatibility tests cannot cheat:

===========================  ==================================
Keras                        deepgrad
===========================  ==================================
``import keras``             ``import deepgrad as keras``
``import keras as K``        ``import deepgrad as K``
``from keras import X``      ``from deepgrad import X``
``from keras.X import Y``    ``from deepgrad.X import Y``
===========================  ==================================

Import statements are found with :mod:`ast`, so text that merely looks like an import (in a
docstring or a comment) is left alone, and only the first line of a statement that spans
several lines changes. Other ways of importing Keras (``import keras.layers``, ``import keras,
numpy``) are refused with a ``ValueError`` rather than translated half-way.

Run as ``python tests/keras_scripts/translate.py script.py`` to print the translation.

Examples
--------
>>> print(translate("import keras\\nfrom keras.layers import Dense\\nx = 'import keras'\\n"),
...       end="")
import deepgrad as keras
from deepgrad.layers import Dense
x = 'import keras'
"""

from __future__ import annotations

import ast
import re
import sys

__all__ = ["translate"]

_FROM = re.compile(r"^(\s*from\s+)keras(?=[\s.])")
_IMPORT = re.compile(r"^(\s*import\s+)keras(\s+as\s+\w+)?(?=\s*(#.*)?$)")


def _is_keras(module: str | None) -> bool:
    return module is not None and (module == "keras" or module.startswith("keras."))


def _translated_line(line: str, node: ast.stmt) -> str:
    if isinstance(node, ast.ImportFrom):
        new, count = _FROM.subn(r"\1deepgrad", line, count=1)
    else:
        alias = node.names[0]
        new, count = _IMPORT.subn(rf"\1deepgrad as {alias.asname or 'keras'}", line, count=1)
    if count != 1:
        raise ValueError(f"line {node.lineno}: cannot translate {line.strip()!r}; write the Keras "
                         f"import on a line of its own as 'import keras' or 'from keras... import'")
    return new


def translate(source: str) -> str:
    """``source`` with every import of Keras rewritten to import deepgrad instead.

    Parameters
    ----------
    source : str
        A Python script that imports Keras as ``import keras [as name]``, ``from keras import
        ...`` or ``from keras.<module> import ...``.

    Returns
    -------
    str
        The same text, line for line; only the import lines differ.

    Raises
    ------
    ValueError
        If Keras is imported another way (``import keras.layers``, ``import numpy, keras``,
        several statements on one line), naming the line.
    """
    lines = source.splitlines(keepends=True)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and _is_keras(node.module):
            pass
        elif isinstance(node, ast.Import) and any(_is_keras(a.name) for a in node.names):
            if len(node.names) != 1 or node.names[0].name != "keras":
                names = ", ".join(a.name for a in node.names)
                raise ValueError(f"line {node.lineno}: 'import {names}' is not translated; use "
                                 f"'import keras' on its own line and keras.<module>.<name>")
        else:
            continue
        lines[node.lineno - 1] = _translated_line(lines[node.lineno - 1], node)
    return "".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python translate.py KERAS_SCRIPT.py")
    with open(sys.argv[1], encoding="utf-8") as file:
        sys.stdout.write(translate(file.read()))
